//! A dropped file as the core archive reader's [`RandomAccess`] source: each read is one
//! `Blob.slice(…).arrayBuffer()`, so only the bytes asked for are read (the core asks for tar
//! headers 512 bytes at a time and never more than 8 MiB), and a 10 GiB archive costs no more
//! memory than a small one.

use waybill_core::archive::{RandomAccess, SourceError};
use web_sys::Blob;

use super::blob::{read_range, size};

/// A `File` (or any `Blob`) read at offsets.
#[derive(Clone, Debug)]
pub struct FileSource {
    file: Blob,
    len: u64,
}

impl FileSource {
    /// Reads `file`; its size is fixed when it was chosen.
    pub fn new(file: Blob) -> FileSource {
        let len = size(&file);
        FileSource { file, len }
    }

    /// The file.
    pub fn file(&self) -> &Blob {
        &self.file
    }
}

impl RandomAccess for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SourceError> {
        let start = offset.min(self.len);
        let end = start.saturating_add(len as u64).min(self.len);
        if start == end {
            return Ok(Vec::new());
        }
        read_range(&self.file, start, end).await.map_err(|e| SourceError::new(e.to_string()))
    }
}
