//! Deterministic gzip for layers compressed on push: the same tar always gives the same bytes, so a
//! layer can be compressed once to learn its digest (the manifest needs it before any upload)
//! and again while it is uploaded — no spool file, and the upload is checked against the digest
//! of the first pass.
//!
//! The header is fixed (no name, mtime 0, OS 255 "unknown"), and the level is 6, gzip's default.
//! The output depends on the deflate implementation (zlib-rs here) — and, measured, on how the
//! input is cut into writes — so both passes feed it the same [`PIECE`]-sized pieces from the
//! start of the file. A digest made by this compression is Waybill's, not `gzip`'s or Docker's.

use std::io::Write as _;

use flate2::GzBuilder;
use flate2::write::GzEncoder;

/// The deflate level used.
pub const LEVEL: u32 = 6;

/// The input is fed in pieces of exactly this size (the last one shorter): the same pieces give
/// the same output.
pub const PIECE: usize = 1024 * 1024;

/// A streaming gzip encoder whose output is taken as it is produced.
pub struct DeterministicGzip {
    encoder: GzEncoder<Vec<u8>>,
}

impl std::fmt::Debug for DeterministicGzip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeterministicGzip")
    }
}

impl Default for DeterministicGzip {
    fn default() -> DeterministicGzip {
        DeterministicGzip::new()
    }
}

impl DeterministicGzip {
    /// A fresh stream.
    pub fn new() -> DeterministicGzip {
        let encoder = GzBuilder::new()
            .mtime(0)
            .operating_system(255)
            .write(Vec::new(), flate2::Compression::new(LEVEL));
        DeterministicGzip { encoder }
    }

    /// Compresses `data` (a [`PIECE`], or the last, shorter one); returns the compressed bytes
    /// ready so far (possibly none).
    pub fn update(&mut self, data: &[u8]) -> Vec<u8> {
        // Writing into a Vec cannot fail.
        let _ = self.encoder.write_all(data);
        std::mem::take(self.encoder.get_mut())
    }

    /// Ends the stream; returns the last compressed bytes and the trailer.
    pub fn finish(self) -> Vec<u8> {
        self.encoder.finish().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn gzip_in_pieces(data: &[u8], piece: usize) -> Vec<u8> {
        let mut g = DeterministicGzip::new();
        let mut out = Vec::new();
        for p in data.chunks(piece) {
            out.extend(g.update(p));
        }
        out.extend(g.finish());
        out
    }

    #[test]
    fn same_pieces_same_bytes() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 97) as u8 ^ (i >> 11) as u8).collect();
        let a = gzip_in_pieces(&data, PIECE);
        let b = gzip_in_pieces(&data, PIECE);
        assert_eq!(a, b);
        assert_eq!(&a[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&a[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }
}
