//! The one seam between the archive readers and the bytes: an async random-access source.
//!
//! The browser implements [`RandomAccess`] over `File.slice(...).arrayBuffer()`, the CLI over a
//! file with positioned reads. The readers never ask for more than [`MAX_READ`] bytes at once
//! (tar headers are read 512 bytes at a time), so a 10 GiB archive costs no more memory than a
//! 10 MiB one.

/// The most any reader here asks a source for in one call: 8 MiB, the upload chunk size.
pub const MAX_READ: usize = 8 * 1024 * 1024;

/// A source's own failure (a file that went away, a permission error, a browser read error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    /// What the shell said.
    pub message: String,
}

impl SourceError {
    /// An error with the shell's description.
    pub fn new(message: impl Into<String>) -> SourceError {
        SourceError { message: message.into() }
    }
}

/// Bytes that can be read at any offset, without reading the rest.
///
/// Futures are not `Send`, like [`crate::transport::Transport`]'s: browser reads never are.
#[allow(async_fn_in_trait)]
pub trait RandomAccess {
    /// The total length in bytes.
    fn len(&self) -> u64;

    /// Whether the source holds no bytes at all.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Up to `len` bytes starting at `offset`: exactly `len` unless the range runs past the end,
    /// in which case what lies before the end (possibly nothing). Never called with `len` above
    /// [`MAX_READ`].
    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SourceError>;
}

impl<R: RandomAccess + ?Sized> RandomAccess for &R {
    fn len(&self) -> u64 {
        (**self).len()
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SourceError> {
        (**self).read_at(offset, len).await
    }
}

/// An archive held in memory (small archives, tests, an archive the browser already has).
impl RandomAccess for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SourceError> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(<[u8]>::len(self));
        let end = start.saturating_add(len).min(<[u8]>::len(self));
        Ok(self[start..end].to_vec())
    }
}

impl RandomAccess for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SourceError> {
        self.as_slice().read_at(offset, len).await
    }
}
