//! The pieces an upload sends: the transport's own handle for bytes ([`ChunkBytes`]: natively
//! `bytes::Bytes`, in the browser a `Blob`), and one piece with its length ([`SourceChunk`]).
//! Shared by the sources that serve them and the rewind window that keeps them for a resend.

/// A transport chunk type the core can build from bytes it holds and cut again on a resume.
pub trait ChunkBytes: Clone {
    /// Wraps bytes (natively without copying them).
    fn from_vec(bytes: Vec<u8>) -> Self;
    /// An empty buffer for at least `capacity` bytes, to be filled and handed to
    /// [`ChunkBytes::from_vec`]: a shell may give out one that a chunk already sent gave back.
    fn buffer(capacity: usize) -> Vec<u8> {
        Vec::with_capacity(capacity)
    }
    /// The part from `start` to the end (cheap: a view, not a copy, where the type allows).
    fn tail(&self, start: usize) -> Self;
}

/// One piece of a blob, ready to send.
#[derive(Clone, Debug)]
pub struct SourceChunk<C> {
    /// The transport's handle for the bytes.
    pub data: C,
    /// How many bytes it holds.
    pub len: u64,
}
