//! The bytes of an OCI image-layout archive, written deterministically: the same images give the
//! same file, byte for byte, so a bundle can be checked by its hash on both sides of an air gap.
//!
//! Entries go in a fixed order (`blobs/`, `blobs/sha256/`, every blob by digest, `index.json`,
//! `oci-layout`), every header is ustar with mode 0644 (0755 for directories), uid and gid 0, no
//! user names and mtime 0. Sizes of 8 GiB and more use the base-256 size field GNU tar and
//! every reader here understand.

use serde::Serialize;

use crate::digest::Digest;

/// The `oci-layout` file.
pub const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;
/// The tar's end: two zero blocks.
pub const END: [u8; 1024] = [0; 1024];
/// The annotation an OCI layout names a manifest with (skopeo's `oci-archive:FILE:NAME`).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation containerd and `docker save` write with the full reference.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// The path of a blob in the layout.
pub fn blob_path(digest: &Digest) -> String {
    format!("blobs/{}/{}", digest.algorithm().as_str(), digest.hex())
}

/// A regular file's header.
pub fn file_header(path: &str, size: u64) -> [u8; 512] {
    header(path, size, b'0', b"0000644\0")
}

/// A directory's header (`path` ends with `/`).
pub fn dir_header(path: &str) -> [u8; 512] {
    header(path, 0, b'5', b"0000755\0")
}

/// The zero bytes after a file of `size` bytes, up to the next block.
pub fn padding(size: u64) -> usize {
    let rest = (size % 512) as usize;
    if rest == 0 { 0 } else { 512 - rest }
}

fn header(path: &str, size: u64, flag: u8, mode: &[u8; 8]) -> [u8; 512] {
    // Layout paths are `blobs/sha256/<64 hex>`, 77 bytes: within ustar's 100-byte name (the
    // saver refuses other digest algorithms).
    let mut b = [0u8; 512];
    let name = &path.as_bytes()[..path.len().min(100)];
    b[..name.len()].copy_from_slice(name);
    b[100..108].copy_from_slice(mode);
    b[108..116].copy_from_slice(b"0000000\0");
    b[116..124].copy_from_slice(b"0000000\0");
    if size < 1 << 33 {
        b[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    } else {
        b[124] = 0x80;
        b[128..136].copy_from_slice(&size.to_be_bytes());
    }
    b[136..148].copy_from_slice(b"00000000000\0");
    b[156] = flag;
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    let sum: u32 =
        b.iter().enumerate().map(|(i, &x)| if (148..156).contains(&i) { 32 } else { u32::from(x) }).sum();
    b[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    b
}

/// One tag in the layout's `index.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedTag {
    /// The top manifest's media type.
    pub media_type: String,
    /// Its digest.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
    /// `org.opencontainers.image.ref.name`: the tag, or the full reference when the layout holds
    /// several repositories.
    pub ref_name: String,
    /// The full reference, `registry/repository:tag`.
    pub full_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Index<'a> {
    schema_version: u8,
    media_type: &'static str,
    manifests: Vec<Entry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    media_type: &'a str,
    digest: &'a Digest,
    size: u64,
    annotations: std::collections::BTreeMap<&'static str, &'a str>,
}

/// `index.json`: one entry per tag, in the order given.
pub fn index_json(tags: &[SavedTag]) -> Vec<u8> {
    let manifests = tags
        .iter()
        .map(|t| Entry {
            media_type: &t.media_type,
            digest: &t.digest,
            size: t.size,
            annotations: [(CONTAINERD_NAME, t.full_name.as_str()), (REF_NAME, t.ref_name.as_str())].into(),
        })
        .collect();
    let index = Index { schema_version: 2, media_type: "application/vnd.oci.image.index.v1+json", manifests };
    serde_json::to_vec(&index).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_ustar_with_a_valid_checksum() {
        let h = file_header("blobs/sha256/abc", 1234);
        assert_eq!(&h[257..263], b"ustar\0");
        assert_eq!(&h[124..136], b"00000002322\0");
        let sum: u32 =
            h.iter().enumerate().map(|(i, &x)| if (148..156).contains(&i) { 32 } else { u32::from(x) }).sum();
        assert_eq!(std::str::from_utf8(&h[148..154]).unwrap(), format!("{sum:06o}"));
        let big = file_header("x", 1 << 40);
        assert_eq!(big[124], 0x80);
        assert_eq!(u64::from_be_bytes(big[128..136].try_into().unwrap()), 1 << 40);
        assert_eq!(padding(0), 0);
        assert_eq!(padding(1), 511);
        assert_eq!(padding(512), 0);
    }

    #[test]
    fn index_names_every_tag_twice() {
        let digest = Digest::sha256_of(b"m");
        let tag = SavedTag {
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            digest: digest.clone(),
            size: 10,
            ref_name: "v1".into(),
            full_name: "reg.example/app:v1".into(),
        };
        let json: serde_json::Value = serde_json::from_slice(&index_json(&[tag])).unwrap();
        assert_eq!(json["manifests"][0]["annotations"][REF_NAME], "v1");
        assert_eq!(json["manifests"][0]["annotations"][CONTAINERD_NAME], "reg.example/app:v1");
        assert_eq!(json["manifests"][0]["digest"], digest.to_string());
    }
}
