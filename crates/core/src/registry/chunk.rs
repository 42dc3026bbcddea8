//! One piece an upload sends: the transport's own handle for its bytes
//! ([`crate::transport::ChunkBytes`]) and its length. Shared by the sources that serve them and
//! the rewind window that keeps them for a resend.

/// One piece of a blob, ready to send.
#[derive(Clone, Debug)]
pub struct SourceChunk<C> {
    /// The transport's handle for the bytes.
    pub data: C,
    /// How many bytes it holds.
    pub len: u64,
}
