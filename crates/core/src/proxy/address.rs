//! Which IP addresses the proxy may connect to.
//!
//! A proxy that a web page can drive must not become a way into the machine or the network it
//! runs on (SSRF). Every address an upstream host resolves to — and every IP literal in a route or
//! a redirect — is classified here, and only public unicast addresses are allowed unless the host
//! was explicitly configured as a loopback or private registry ([`AddressAllowance`]).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of address an IP is, as far as the proxy cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressClass {
    /// Globally routable unicast: the only class allowed for ordinary upstreams.
    Public,
    /// 127.0.0.0/8, ::1 — this machine.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 — a private network.
    Private,
    /// 100.64.0.0/10 — carrier-grade NAT, shared address space (RFC 6598).
    SharedCgnat,
    /// 169.254/16, fe80::/10 — link-local.
    LinkLocal,
    /// Cloud instance metadata services: 169.254.169.254, fd00:ec2::254. Never allowed.
    Metadata,
    /// 0.0.0.0/8, :: — "this host"; connecting to it reaches the local machine. Never allowed.
    Unspecified,
    /// 255.255.255.255. Never allowed.
    Broadcast,
    /// 224/4, ff00::/8. Never allowed.
    Multicast,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 — examples in documents.
    Documentation,
    /// Everything else that is not public unicast: 240/4, benchmarking 198.18/15, IETF protocol
    /// assignments 192.0.0/24, IPv4-compatible ::/96, discard 100::/64, Teredo 2001::/32, …
    Reserved,
}

impl AddressClass {
    /// A short phrase for error messages ("a loopback address").
    pub fn describe(self) -> &'static str {
        match self {
            AddressClass::Public => "a public address",
            AddressClass::Loopback => "a loopback address (this machine)",
            AddressClass::Private => "a private-network address",
            AddressClass::SharedCgnat => "a carrier-grade NAT address (100.64.0.0/10)",
            AddressClass::LinkLocal => "a link-local address",
            AddressClass::Metadata => "a cloud metadata service address",
            AddressClass::Unspecified => "the unspecified address (this host)",
            AddressClass::Broadcast => "the broadcast address",
            AddressClass::Multicast => "a multicast address",
            AddressClass::Documentation => "a documentation-only address",
            AddressClass::Reserved => "a reserved, non-routable address",
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Classifies an address. IPv4 embedded in IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`,
/// 6to4 `2002::/16`) is classified by the IPv4 address inside, because that is where a packet
/// would end up.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        return AddressClass::Metadata;
    }
    match (a, b, c) {
        (0, _, _) => AddressClass::Unspecified,
        (127, _, _) => AddressClass::Loopback,
        (10, _, _) => AddressClass::Private,
        (172, 16..=31, _) => AddressClass::Private,
        (192, 168, _) => AddressClass::Private,
        (100, 64..=127, _) => AddressClass::SharedCgnat,
        (169, 254, _) => AddressClass::LinkLocal,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => AddressClass::Documentation,
        (192, 0, 0) | (198, 18..=19, _) => AddressClass::Reserved,
        (224..=239, _, _) => AddressClass::Multicast,
        (255, 255, 255) if ip == Ipv4Addr::BROADCAST => AddressClass::Broadcast,
        (240..=255, _, _) => AddressClass::Reserved,
        _ => AddressClass::Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let s = ip.segments();
    if ip.is_unspecified() {
        return AddressClass::Unspecified;
    }
    if ip.is_loopback() {
        return AddressClass::Loopback;
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    // NAT64 well-known prefix 64:ff9b::/96: the last 32 bits are the IPv4 destination.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return classify_v4(embedded_v4(s[6], s[7]));
    }
    // 6to4 2002::/16: bits 16..48 are the IPv4 relay destination.
    if s[0] == 0x2002 {
        return classify_v4(embedded_v4(s[1], s[2]));
    }
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        return AddressClass::Metadata;
    }
    match s[0] {
        // ::/96 IPv4-compatible (deprecated) and the rest of ::/8.
        0x0000 => AddressClass::Reserved,
        0x2001 if s[1] == 0x0db8 => AddressClass::Documentation,
        // Teredo 2001::/32 tunnels to an obfuscated IPv4 address.
        0x2001 if s[1] == 0 => AddressClass::Reserved,
        0xfc00..=0xfdff => AddressClass::Private,
        0xfe80..=0xfebf => AddressClass::LinkLocal,
        // Site-local fec0::/10 (deprecated) was a private-network prefix.
        0xfec0..=0xfeff => AddressClass::Private,
        0xff00..=0xffff => AddressClass::Multicast,
        // Global unicast is 2000::/3; anything else (discard-only 100::/64, …) is not routable.
        0x2000..=0x3fff => AddressClass::Public,
        _ => AddressClass::Reserved,
    }
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

/// The address classes one configured host may reach. Ordinary upstreams get
/// [`AddressAllowance::PUBLIC`]; a plain-HTTP registry (`plain_http_hosts`) only
/// [`AddressAllowance::LOOPBACK`], so plain HTTP never leaves the machine; an HTTPS registry on a
/// private network (`private_hosts`) [`AddressAllowance::PRIVATE`]. Metadata, unspecified,
/// broadcast, multicast, documentation and reserved addresses are never reachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AddressAllowance {
    /// Public unicast.
    pub public: bool,
    /// Loopback.
    pub loopback: bool,
    /// Private, link-local (except metadata) and CGNAT.
    pub private: bool,
}

impl AddressAllowance {
    /// Nothing at all (a host the configuration does not name).
    pub const NONE: AddressAllowance = AddressAllowance { public: false, loopback: false, private: false };
    /// Public addresses only.
    pub const PUBLIC: AddressAllowance = AddressAllowance { public: true, loopback: false, private: false };
    /// Loopback only.
    pub const LOOPBACK: AddressAllowance = AddressAllowance { public: false, loopback: true, private: false };
    /// Public, loopback and private-network addresses.
    pub const PRIVATE: AddressAllowance = AddressAllowance { public: true, loopback: true, private: true };

    /// Everything either allowance permits (a host named in two lists).
    #[must_use]
    pub fn union(self, other: AddressAllowance) -> AddressAllowance {
        AddressAllowance {
            public: self.public || other.public,
            loopback: self.loopback || other.loopback,
            private: self.private || other.private,
        }
    }

    /// Whether a connection to an address of this class is allowed.
    pub fn permits(self, class: AddressClass) -> bool {
        match class {
            AddressClass::Public => self.public,
            AddressClass::Loopback => self.loopback,
            AddressClass::Private | AddressClass::SharedCgnat | AddressClass::LinkLocal => self.private,
            AddressClass::Metadata
            | AddressClass::Unspecified
            | AddressClass::Broadcast
            | AddressClass::Multicast
            | AddressClass::Documentation
            | AddressClass::Reserved => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> AddressClass {
        classify(s.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges() {
        let cases = [
            ("8.8.8.8", AddressClass::Public),
            ("1.1.1.1", AddressClass::Public),
            ("127.0.0.1", AddressClass::Loopback),
            ("127.255.255.254", AddressClass::Loopback),
            ("10.0.0.1", AddressClass::Private),
            ("10.255.255.255", AddressClass::Private),
            ("172.16.0.1", AddressClass::Private),
            ("172.31.255.255", AddressClass::Private),
            ("172.15.255.255", AddressClass::Public),
            ("172.32.0.0", AddressClass::Public),
            ("192.168.1.1", AddressClass::Private),
            ("100.64.0.1", AddressClass::SharedCgnat),
            ("100.127.255.255", AddressClass::SharedCgnat),
            ("100.63.255.255", AddressClass::Public),
            ("100.128.0.0", AddressClass::Public),
            ("169.254.169.254", AddressClass::Metadata),
            ("169.254.0.1", AddressClass::LinkLocal),
            ("0.0.0.0", AddressClass::Unspecified),
            ("0.1.2.3", AddressClass::Unspecified),
            ("255.255.255.255", AddressClass::Broadcast),
            ("224.0.0.1", AddressClass::Multicast),
            ("239.255.255.250", AddressClass::Multicast),
            ("240.0.0.1", AddressClass::Reserved),
            ("192.0.2.7", AddressClass::Documentation),
            ("198.51.100.7", AddressClass::Documentation),
            ("203.0.113.7", AddressClass::Documentation),
            ("198.18.0.1", AddressClass::Reserved),
            ("192.0.0.8", AddressClass::Reserved),
        ];
        for (ip, want) in cases {
            assert_eq!(class(ip), want, "{ip}");
        }
    }

    #[test]
    fn ipv6_ranges() {
        let cases = [
            ("2606:4700::1111", AddressClass::Public),
            ("::1", AddressClass::Loopback),
            ("::", AddressClass::Unspecified),
            ("fc00::1", AddressClass::Private),
            ("fd12:3456::1", AddressClass::Private),
            ("fec0::1", AddressClass::Private),
            ("fe80::1", AddressClass::LinkLocal),
            ("fd00:ec2::254", AddressClass::Metadata),
            ("ff02::1", AddressClass::Multicast),
            ("2001:db8::1", AddressClass::Documentation),
            ("2001:0:4136:e378::1", AddressClass::Reserved),
            ("100::1", AddressClass::Reserved),
            ("::7f00:1", AddressClass::Reserved),
            ("4000::1", AddressClass::Reserved),
        ];
        for (ip, want) in cases {
            assert_eq!(class(ip), want, "{ip}");
        }
    }

    #[test]
    fn ipv4_inside_ipv6_is_classified_by_the_ipv4_address() {
        assert_eq!(class("::ffff:127.0.0.1"), AddressClass::Loopback);
        assert_eq!(class("::ffff:10.1.2.3"), AddressClass::Private);
        assert_eq!(class("::ffff:169.254.169.254"), AddressClass::Metadata);
        assert_eq!(class("::ffff:8.8.8.8"), AddressClass::Public);
        assert_eq!(class("64:ff9b::7f00:1"), AddressClass::Loopback);
        assert_eq!(class("64:ff9b::808:808"), AddressClass::Public);
        assert_eq!(class("2002:c0a8:0101::1"), AddressClass::Private);
        assert_eq!(class("2002:0808:0808::1"), AddressClass::Public);
    }

    #[test]
    fn allowances() {
        use AddressClass::*;
        // One address of each class, in the order the enum declares them.
        let all: Vec<AddressClass> = [
            "8.8.8.8 127.0.0.1 10.0.0.1 100.64.0.1 169.254.1.1 169.254.169.254",
            "0.0.0.0 255.255.255.255 224.0.0.1 192.0.2.1 240.0.0.1",
        ]
        .iter()
        .flat_map(|line| line.split(' '))
        .map(class)
        .collect();
        assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), 11, "{all:?}");
        let allowed = |a: AddressAllowance| all.iter().copied().filter(|c| a.permits(*c)).collect::<Vec<_>>();
        assert_eq!(allowed(AddressAllowance::NONE), vec![]);
        assert_eq!(allowed(AddressAllowance::PUBLIC), vec![Public]);
        assert_eq!(allowed(AddressAllowance::LOOPBACK), vec![Loopback]);
        assert_eq!(
            allowed(AddressAllowance::PRIVATE),
            vec![Public, Loopback, Private, SharedCgnat, LinkLocal]
        );
        assert_eq!(
            allowed(AddressAllowance::PUBLIC.union(AddressAllowance::LOOPBACK)),
            vec![Public, Loopback]
        );
    }
}
