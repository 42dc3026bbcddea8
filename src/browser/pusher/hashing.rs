//! A plain archive's files, hashed by hashing workers the push worker started itself, all at once
//! over `Blob` slices of the dropped file. No request or answer passes through the page: a drop
//! reaches its first upload in three thread hops (page → push worker → hashing workers → push
//! worker), and the page only hears how each file is getting on.

use std::rc::Rc;

use futures_util::future::join_all;
use waybill_core::archive::verify::{Facts, FileFacts, FileToHash};
use web_sys::Blob;

use super::protocol::FromPusher;
use crate::browser::fetch::describe;
use crate::browser::pool::WorkerPool;
use crate::browser::protocol::HashJob;

/// Hashes `files` of `file` in `pool`: each file's facts, or why it has none; `Err` only when the
/// hashing was cancelled (the push stops as a whole). Other failures are the verification's to
/// judge, file by file.
pub async fn hash_slices(
    pool: &WorkerPool,
    file: &Blob,
    files: &[FileToHash],
    post: &Rc<dyn Fn(&FromPusher)>,
) -> Result<Facts, String> {
    let hashed = files.iter().map(|f| async move {
        let offset = f.stored.offset;
        let facts = hash_one(pool, file, f, post.clone()).await;
        post(&FromPusher::FileHashed { offset, result: facts.as_ref().map(drop).map_err(Clone::clone) });
        (offset, facts)
    });
    let facts: Facts = join_all(hashed).await.into_iter().collect();
    if facts.values().any(|f| f.as_ref().is_err_and(|e| e == "cancelled")) {
        return Err("cancelled".to_owned());
    }
    Ok(facts)
}

async fn hash_one(
    pool: &WorkerPool,
    file: &Blob,
    f: &FileToHash,
    post: Rc<dyn Fn(&FromPusher)>,
) -> Result<FileFacts, String> {
    let (offset, size) = (f.stored.offset, f.stored.size);
    let slice = file
        .slice_with_f64_and_f64(offset as f64, (offset + size) as f64)
        .map_err(|e| format!("the browser could not slice the file: {}", describe(&e)))?;
    let job = HashJob { size, compression: f.stored.compression, sha512: f.sha512 };
    let progress = move |done| post(&FromPusher::HashProgress { offset, done });
    pool.submit_hash(job, slice, progress).facts().await
}
