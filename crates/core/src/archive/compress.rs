//! Layers compressed on push, the way pigz and pgzip do it: the layer is cut into [`BLOCK`]s,
//! each block is compressed on its own — so the shell can spread them over its cores or its
//! workers ([`BlockCompressor`]) — and the pieces are joined into one stream.
//!
//! * **gzip**: each block is a raw deflate stream ended by a sync flush (an empty stored block,
//!   so the next one starts on a byte boundary); the stream is the gzip header, the blocks, an
//!   empty final block and the trailer, whose CRC-32 is the blocks' CRCs combined. Any gunzip
//!   reads it as one member.
//! * **zstd**: each block is a whole zstd frame; a zstd stream is any run of frames.
//!
//! Blocks start with an empty dictionary, which costs a little ratio (pigz carries the last
//! 32 KiB over) and buys blocks that need nothing from their neighbours. A gzip block whose first
//! 64 KiB do not compress (already compressed files, random data) is stored, as pgzip does:
//! deflate spends its time looking for matches that are not there. The output depends
//! only on the input, the block size and the codec's version: the same layer gives the same
//! blob on every machine running the same Waybill. Its digest is learned while it is uploaded
//! (the upload is finalised with it), never by compressing twice.

use serde::{Deserialize, Serialize};

/// How to store uncompressed docker-save layers in a pushed image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerCompression {
    /// As stored: plain tars stay plain (digest = diff ID).
    None,
    /// gzip, as `docker push` and skopeo do (new digests).
    #[default]
    Gzip,
    /// zstd (new digests, and an OCI manifest: Docker has no zstd media type).
    Zstd,
}

impl LayerCompression {
    /// The codec, when the layers are compressed at all.
    pub fn codec(self) -> Option<Codec> {
        match self {
            LayerCompression::None => None,
            LayerCompression::Gzip => Some(Codec::Gzip),
            LayerCompression::Zstd => Some(Codec::Zstd),
        }
    }
}

/// A codec layers are compressed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// gzip (deflate level [`GZIP_LEVEL`]).
    Gzip,
    /// zstd (ruzstd's fastest level, about zstd's level 1).
    Zstd,
}

impl Codec {
    /// Its name, as the shells print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
        }
    }
}

/// The input block: 1 MiB, as the reads of an archive come.
pub const BLOCK: usize = 1024 * 1024;

/// The deflate level: 1, the fastest. Layers are mostly compressed binaries and already
/// compressed files, where higher levels spend several times the CPU for a few percent.
pub const GZIP_LEVEL: u32 = 1;

/// One block, compressed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// The compressed bytes.
    pub bytes: Vec<u8>,
    /// CRC-32 of the input (gzip's trailer needs it; 0 for zstd).
    pub crc: u32,
    /// Length of the input.
    pub len: u64,
}

/// Compresses one block: the pure work a shell runs on any thread or worker.
pub fn compress_block(codec: Codec, data: &[u8]) -> Block {
    match codec {
        Codec::Gzip => Block { bytes: deflate_flushed(data), crc: crc32(0, data), len: data.len() as u64 },
        Codec::Zstd => {
            use ruzstd::encoding::{CompressionLevel, compress_to_vec};
            let compressed = compress_to_vec(data, CompressionLevel::Fastest);
            // Never more than raw blocks take: a frame of them is a few bytes over the input.
            let bytes = if compressed.len() > data.len() {
                compress_to_vec(data, CompressionLevel::Uncompressed)
            } else {
                compressed
            };
            Block { bytes, crc: 0, len: data.len() as u64 }
        }
    }
}

fn crc32(start: u32, data: &[u8]) -> u32 {
    zlib_rs::crc32::crc32(start, data)
}

/// How much of a block is tried first, and how little it must shrink for the block to be
/// stored instead (in hundredths).
const PROBE: usize = 64 * 1024;
const WORTH_IT: usize = 98;

/// Raw deflate of `data`, ended by a sync flush (not final: more blocks may follow); stored
/// (level 0) when a probe of its start does not shrink, or when deflating grew it (fixed Huffman
/// codes make noise 5% larger): a block never takes more than stored blocks do, a few bytes per
/// 64 KiB over its input, which is what a shell sizes its buffers for.
fn deflate_flushed(data: &[u8]) -> Vec<u8> {
    let probe = &data[..data.len().min(PROBE)];
    if data.len() > PROBE && deflate_at(GZIP_LEVEL, probe).len() * 100 >= probe.len() * WORTH_IT {
        return deflate_at(0, data);
    }
    let compressed = deflate_at(GZIP_LEVEL, data);
    if compressed.len() > data.len() { deflate_at(0, data) } else { compressed }
}

fn deflate_at(level: u32, data: &[u8]) -> Vec<u8> {
    let mut deflate = flate2::Compress::new(flate2::Compression::new(level), false);
    // Stored blocks cost 5 bytes per 64 KiB at worst; the flush a few more.
    let mut out = Vec::with_capacity(data.len() + data.len() / 1024 + 64);
    loop {
        let consumed = usize::try_from(deflate.total_in()).unwrap_or(data.len()).min(data.len());
        // A Vec sink cannot fail; a full one is grown below.
        let _ = deflate.compress_vec(&data[consumed..], &mut out, flate2::FlushCompress::Sync);
        if deflate.total_in() as usize == data.len() && out.len() < out.capacity() {
            return out;
        }
        out.reserve(64 * 1024);
    }
}

/// What compresses blocks for a push: the shell's cores or workers.
#[allow(async_fn_in_trait)] // not Send, like every future in the core
pub trait BlockCompressor {
    /// How many blocks to hand over at once: the shell's parallelism.
    fn batch(&self) -> usize {
        1
    }

    /// Each of `blocks` through [`compress_block`], results in order. An `Err` stops the
    /// upload (nothing is finalised).
    async fn compress(&self, codec: Codec, blocks: Vec<Vec<u8>>) -> Result<Vec<Block>, String>;
}

impl<K: BlockCompressor> BlockCompressor for &K {
    fn batch(&self) -> usize {
        (**self).batch()
    }

    async fn compress(&self, codec: Codec, blocks: Vec<Vec<u8>>) -> Result<Vec<Block>, String> {
        (**self).compress(codec, blocks).await
    }
}

/// Compresses in the calling thread, one block after another.
#[derive(Clone, Copy, Debug, Default)]
pub struct InPlace;

impl BlockCompressor for InPlace {
    async fn compress(&self, codec: Codec, blocks: Vec<Vec<u8>>) -> Result<Vec<Block>, String> {
        Ok(blocks.iter().map(|b| compress_block(codec, b)).collect())
    }
}

/// Joins compressed blocks into one stream.
#[derive(Debug)]
pub struct Framing {
    codec: Codec,
    crc: u32,
    len: u64,
    blocks: u64,
}

/// gzip's header: no name, mtime 0, no extra flags, OS 255 ("unknown"): nothing that varies.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// An empty final deflate block (fixed Huffman, end of block): the stream's end.
const DEFLATE_END: [u8; 2] = [0x03, 0x00];

impl Framing {
    /// A stream in `codec`; returns it with the bytes it starts with.
    pub fn start(codec: Codec) -> (Framing, Vec<u8>) {
        let header = match codec {
            Codec::Gzip => GZIP_HEADER.to_vec(),
            Codec::Zstd => Vec::new(),
        };
        (Framing { codec, crc: 0, len: 0, blocks: 0 }, header)
    }

    /// Counts `block` (the next in input order) into the stream; its bytes follow the previous
    /// block's.
    pub fn append(&mut self, block: &Block) {
        self.crc = zlib_rs::crc32::crc32_combine(self.crc, block.crc, block.len);
        self.len += block.len;
        self.blocks += 1;
    }

    /// The stream's last bytes.
    pub fn end(self) -> Vec<u8> {
        match self.codec {
            Codec::Gzip => {
                let mut end = DEFLATE_END.to_vec();
                end.extend_from_slice(&self.crc.to_le_bytes());
                // ISIZE is the input length modulo 2^32, as RFC 1952 says.
                end.extend_from_slice(&(self.len as u32).to_le_bytes());
                end
            }
            // An empty layer still needs one frame: zero frames is not a zstd stream.
            Codec::Zstd if self.blocks == 0 => compress_block(Codec::Zstd, &[]).bytes,
            Codec::Zstd => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn compress(codec: Codec, data: &[u8], block: usize) -> Vec<u8> {
        let (mut framing, mut out) = Framing::start(codec);
        for piece in data.chunks(block) {
            let compressed = compress_block(codec, piece);
            framing.append(&compressed);
            out.extend_from_slice(&compressed.bytes);
        }
        out.extend(framing.end());
        out
    }

    fn sample(len: usize) -> Vec<u8> {
        // Compressible runs and noise, so that deflate emits both kinds of block.
        (0..len)
            .map(
                |i| if i % 5000 < 2500 { (i % 7) as u8 } else { (i.wrapping_mul(2_654_435_761) >> 13) as u8 },
            )
            .collect()
    }

    #[test]
    fn gzip_blocks_make_one_member_any_gunzip_reads() {
        for len in [0, 1, 1000, 3 * BLOCK + 12_345] {
            let data = sample(len);
            let gz = compress(Codec::Gzip, &data, BLOCK);
            assert_eq!(&gz[..10], &GZIP_HEADER);
            let mut back = Vec::new();
            let mut decoder = flate2::read::GzDecoder::new(&gz[..]);
            decoder.read_to_end(&mut back).unwrap();
            assert_eq!(back, data, "{len} bytes");
            // One member, nothing after it.
            assert!(decoder.into_inner().is_empty());
            // Same input, same bytes.
            assert_eq!(gz, compress(Codec::Gzip, &data, BLOCK));
        }
    }

    #[test]
    fn zstd_blocks_are_frames_any_zstd_reader_reads() {
        for len in [0, 1000, 2 * BLOCK + 7] {
            let data = sample(len);
            let zst = compress(Codec::Zstd, &data, BLOCK);
            assert!(!zst.is_empty());
            // A streaming decoder reads one frame: one per block.
            let mut rest = &zst[..];
            let mut all = Vec::new();
            while !rest.is_empty() {
                let mut frame = ruzstd::decoding::StreamingDecoder::new(&mut rest).unwrap();
                frame.read_to_end(&mut all).unwrap();
            }
            assert_eq!(all, data, "{len} bytes");
        }
    }

    fn noise(len: usize) -> Vec<u8> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8
            })
            .collect()
    }

    #[test]
    fn incompressible_blocks_are_stored_and_compressible_ones_are_not() {
        let random = noise(BLOCK);
        let block = compress_block(Codec::Gzip, &random);
        // Stored: 5 bytes of header for every 64 KiB at most, and the flush.
        assert!(
            block.bytes.len() <= random.len() + 5 * (random.len() / 65_535 + 1) + 16,
            "{}",
            block.bytes.len()
        );
        assert!(block.bytes.len() >= random.len());
        assert_eq!(block.crc, crc32(0, &random));
        let zstd = compress_block(Codec::Zstd, &random);
        assert!(zstd.bytes.len() <= random.len() + random.len() / 1024 + 64, "{}", zstd.bytes.len());
        // Noise after a compressible start is still compressed (the probe decides for the block).
        let text = |len: usize| -> Vec<u8> { (0..len).map(|i| b"the quick brown fox "[i % 20]).collect() };
        let mut mixed = text(PROBE);
        mixed.extend(noise(BLOCK - PROBE));
        let stored = deflate_at(0, &mixed);
        let deflated = compress_block(Codec::Gzip, &mixed).bytes;
        assert!(deflated.len() <= stored.len(), "never more than stored blocks");
        let mut mostly_text = text(BLOCK - PROBE);
        mostly_text.splice(0..0, noise(PROBE / 2));
        mostly_text.splice(0..0, text(PROBE));
        assert!(compress_block(Codec::Gzip, &mostly_text).bytes.len() < BLOCK / 4, "compressed, not stored");
        assert!(compress_block(Codec::Gzip, &text(BLOCK)).bytes.len() < BLOCK / 10);
    }
}
