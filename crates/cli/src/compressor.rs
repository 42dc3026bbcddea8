//! The CLI's layer compressor: a push's blocks compressed on every core at once, as pigz does,
//! while the core's upload sends what is already compressed.

use waybill_core::archive::compress::{Block, BlockCompressor, Codec, compress_block};

/// Compresses blocks on the blocking threads, one per core.
#[derive(Clone, Copy, Debug)]
pub struct Cores {
    cores: usize,
}

impl Cores {
    /// As many at once as this machine has cores.
    pub fn available() -> Cores {
        Cores { cores: std::thread::available_parallelism().map_or(1, |n| n.get()) }
    }
}

impl BlockCompressor for Cores {
    /// Two blocks a core: a core that finishes early takes the next without waiting for the
    /// others.
    fn batch(&self) -> usize {
        self.cores
    }

    async fn compress(&self, codec: Codec, blocks: Vec<Vec<u8>>) -> Result<Vec<Block>, String> {
        let running: Vec<_> = blocks
            .into_iter()
            .map(|block| tokio::task::spawn_blocking(move || compress_block(codec, &block)))
            .collect();
        let mut done = Vec::with_capacity(running.len());
        for block in running {
            done.push(block.await.map_err(|e| format!("compressing a block failed: {e}"))?);
        }
        Ok(done)
    }
}
