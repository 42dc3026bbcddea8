//! gzip's member framing (RFC 1952), read here for [`Inflater::without_crc`](super::Inflater):
//! zlib's own gzip wrapper always computes the CRC-32 of every byte it emits, which costs about a
//! sixth of inflating in wasm, so that mode inflates raw deflate and reads the header and the
//! trailer itself.

/// The longest header read: 10 fixed bytes, an extra field of at most 64 KiB, and a name and a
/// comment. zlib takes any length; a header that never ends would otherwise be buffered whole.
pub(super) const MAX_HEADER: usize = 128 * 1024;

const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const RESERVED: u8 = 0b1110_0000;

/// The length of the member header at the start of `input` (which starts with the gzip magic),
/// or `None` while it is not all there.
pub(super) fn header_len(input: &[u8]) -> Result<Option<usize>, String> {
    let Some(&[_, _, method, flags, ..]) = input.get(..10) else { return incomplete(input) };
    if method != 8 {
        return Err(format!("a member's compression method is {method}, not deflate (8)"));
    }
    if flags & RESERVED != 0 {
        return Err(format!("a member's header sets reserved flags ({flags:#04x})"));
    }
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let Some(&[low, high]) = input.get(at..at + 2) else { return incomplete(input) };
        at += 2 + usize::from(u16::from_le_bytes([low, high]));
    }
    for field in [FNAME, FCOMMENT] {
        if flags & field != 0 {
            // Zero-terminated.
            match input.get(at..).and_then(|rest| rest.iter().position(|&b| b == 0)) {
                Some(nul) => at += nul + 1,
                None => return incomplete(input),
            }
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    if input.len() < at {
        return incomplete(input);
    }
    Ok(Some(at))
}

fn incomplete(input: &[u8]) -> Result<Option<usize>, String> {
    if input.len() > MAX_HEADER {
        return Err(format!(
            "a member's header runs past {} KiB: its name or comment never ends",
            MAX_HEADER / 1024
        ));
    }
    Ok(None)
}

/// Checks a member's trailer (CRC-32, then the length mod 2^32) against the bytes it inflated
/// to. The CRC-32 is not checked: the caller checks the content's digest instead.
pub(super) fn check_trailer(trailer: [u8; 8], produced: u64) -> Result<(), String> {
    let [_, _, _, _, size @ ..] = trailer;
    let said = u32::from_le_bytes(size);
    if u64::from(said) != produced & 0xffff_ffff {
        return Err(format!(
            "a member's trailer says it holds {said} bytes (mod 2^32), but it inflated to {produced}"
        ));
    }
    Ok(())
}
