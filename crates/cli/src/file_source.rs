//! An archive file as the core's [`RandomAccess`] source: positioned reads (`pread`), so any
//! number of reads can be in flight without sharing a file cursor, and nothing is read that the
//! core did not ask for.

use std::fs::File;
use std::path::Path;

use waybill_core::archive::{RandomAccess, SourceError};

/// An open archive file.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
    name: String,
}

impl FileSource {
    /// Opens `path` for reading.
    pub fn open(path: &Path) -> Result<FileSource, String> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
        let len = file.metadata().map_err(|e| format!("cannot read the size of {name}: {e}"))?.len();
        Ok(FileSource { file, len, name })
    }
}

impl RandomAccess for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SourceError> {
        let want = len.min(usize::try_from(self.len.saturating_sub(offset)).unwrap_or(usize::MAX));
        let mut buffer = vec![0; want];
        let mut filled = 0;
        while filled < want {
            match positioned_read(&self.file, &mut buffer[filled..], offset + filled as u64) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(SourceError::new(format!("reading {} at byte {offset}: {e}", self.name)));
                }
            }
        }
        buffer.truncate(filled);
        Ok(buffer)
    }
}

#[cfg(unix)]
fn positioned_read(file: &File, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

#[cfg(windows)]
fn positioned_read(file: &File, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
}
