//! Telling an archive file from an image reference on the command line, and opening it.
//!
//! The rule, also in `--help`: **an existing file path wins**. `waybill inspect busybox.tar`
//! reads the file `busybox.tar` when there is one, and otherwise means the image
//! `docker.io/library/busybox.tar`. An argument that is not a file but is spelt like one (it ends
//! in `.tar`, `.tgz`, `.tar.gz`, `.tar.zst`, or starts with `/`, `./` or `../`) is refused with
//! "no such file" rather than sent to Docker Hub.

use std::path::{Path, PathBuf};

use waybill_core::archive::{Archive, OpenOptions};

use crate::failure::Failure;
use crate::file_source::FileSource;
use crate::remedy::with_remedy;

/// What a positional argument names.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// An archive file.
    Archive(PathBuf),
    /// An image reference (to parse).
    Reference(String),
}

/// Decides what `arg` names.
pub fn classify(arg: &str) -> Result<Target, Failure> {
    let path = Path::new(arg);
    if path.is_file() {
        return Ok(Target::Archive(path.to_path_buf()));
    }
    if path.exists() {
        return Err(Failure::error(format!("{arg} exists but is not a file: waybill reads archive files")));
    }
    let looks_like_a_path = ["/", "./", "../", "~/"].iter().any(|p| arg.starts_with(p))
        || [".tar", ".tgz", ".tar.gz", ".tar.zst", ".tzst"].iter().any(|s| arg.ends_with(s));
    if looks_like_a_path {
        return Err(Failure::error(format!(
            "no such file: {arg} (an archive path must exist; to name an image in a registry, write \
             [registry/]repository[:tag])"
        )));
    }
    Ok(Target::Reference(arg.to_owned()))
}

/// Opens and indexes an archive file.
pub async fn open_archive(
    path: &Path,
    max_uncompressed: Option<u64>,
) -> Result<Archive<FileSource>, Failure> {
    let source = FileSource::open(path).map_err(Failure::error)?;
    Archive::open(source, OpenOptions { max_uncompressed })
        .await
        .map_err(|e| Failure::error(with_remedy(format!("{}: {e}", path.display()), e.remedy())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_win_and_path_spellings_are_not_references() {
        let dir = std::env::temp_dir().join(format!("waybill-archive-arg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("image.tar");
        std::fs::write(&file, b"x").unwrap();
        let arg = file.to_str().unwrap();
        assert_eq!(classify(arg).unwrap(), Target::Archive(file.clone()));
        assert_eq!(classify("busybox:1.36").unwrap(), Target::Reference("busybox:1.36".into()));
        assert_eq!(
            classify("127.0.0.1:5000/a/b:c").unwrap(),
            Target::Reference("127.0.0.1:5000/a/b:c".into())
        );
        for missing in ["./nope.tar", "/nonexistent/x", "nope.tar.gz", "x.tgz"] {
            let e = classify(missing).unwrap_err();
            assert!(e.message.contains("no such file"), "{missing}: {}", e.message);
        }
        assert!(classify(dir.to_str().unwrap()).unwrap_err().message.contains("not a file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
