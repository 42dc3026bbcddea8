//! The push worker's layer compressors: sibling push workers, started from its own files, each
//! compressing blocks with the core's [`compress_block`], so that a layer is compressed on every
//! core while the push worker reads and uploads — what `crates/cli/src/compressor.rs` does with
//! threads. A block goes over in a transferred `ArrayBuffer` and comes back compressed in the
//! same buffer, which is then filled with the next block: a handful of buffers go round. A fresh
//! buffer each way let 213 MiB of them wait for the collector during a 1 GiB push.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use wasm_bindgen::prelude::*;
use waybill_core::archive::compress::{BLOCK, Block, BlockCompressor, Codec, compress_block};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::protocol::{Failure, FromPusher, ToPusher};
use crate::browser::protocol::{attach_bytes, bytes_of, decode, encode};
use crate::browser::spawn::{self, Spawned};

/// At most this many helpers, however many cores the browser reports.
const MAX_HELPERS: usize = 4;

/// A block's buffer: room for the block, and for what compressing it gives at worst (stored
/// deflate blocks or raw zstd blocks add a few bytes per 64 KiB; the probe stores a block that
/// does not shrink).
const BUFFER: u32 = (BLOCK + BLOCK / 64 + 4096) as u32;

type Pending = Rc<RefCell<HashMap<u32, oneshot::Sender<Result<Block, String>>>>>;

/// Buffers back from the helpers, to be filled again.
type Free = Rc<RefCell<Vec<js_sys::ArrayBuffer>>>;

/// One helper worker.
struct Helper {
    spawned: Spawned,
    ready: Cell<bool>,
    /// Blocks posted before it listened.
    backlog: RefCell<Vec<(JsValue, js_sys::ArrayBuffer)>>,
    pending: Pending,
    free: Free,
}

impl Helper {
    fn post(&self, message: JsValue, buffer: js_sys::ArrayBuffer) {
        if self.ready.get() {
            send(&self.spawned, &message, &buffer);
        } else {
            self.backlog.borrow_mut().push((message, buffer));
        }
    }

    fn answer(&self, event: &MessageEvent) {
        match decode::<FromPusher>(&event.data()) {
            Ok((FromPusher::Ready, _)) => {
                self.ready.set(true);
                self.spawned.loaded();
                for (message, buffer) in self.backlog.borrow_mut().drain(..) {
                    send(&self.spawned, &message, &buffer);
                }
            }
            Ok((FromPusher::BlockCompressed { id, crc, len }, _)) => {
                let view = bytes_of(&event.data());
                let bytes = view.as_ref().map(js_sys::Uint8Array::to_vec).unwrap_or_default();
                if let Some(view) = view {
                    self.free.borrow_mut().push(view.buffer());
                }
                if let Some(done) = self.pending.borrow_mut().remove(&id) {
                    let _ = done.send(Ok(Block { bytes, crc, len }));
                }
            }
            Ok((FromPusher::Failed { failure: Failure::Other { message } }, _)) => self.fail(&message),
            Ok(_) => {}
            Err(e) => {
                self.fail(&format!("a compression helper answered what the push worker cannot read: {e}"))
            }
        }
    }

    /// Every block waiting is answered with `why` (the helpers share one list: a push stops at
    /// its first failed block anyway).
    fn fail(&self, why: &str) {
        for (_, done) in self.pending.borrow_mut().drain() {
            let _ = done.send(Err(why.to_owned()));
        }
    }
}

fn send(spawned: &Spawned, message: &JsValue, buffer: &js_sys::ArrayBuffer) {
    if let Err(e) = spawned.worker.post_message_with_transfer(message, &js_sys::Array::of1(buffer)) {
        web_sys::console::error_1(&e);
    }
}

/// The helpers, started on the first block to compress (a push with nothing to compress starts
/// none), and kept for the push worker's life.
#[derive(Default)]
pub struct Compressors {
    helpers: RefCell<Vec<Rc<Helper>>>,
    pending: Pending,
    free: Free,
    next_id: Cell<u32>,
}

impl Compressors {
    fn started(&self) -> Result<Vec<Rc<Helper>>, String> {
        if self.helpers.borrow().is_empty() {
            let (js, wasm) =
                spawn::own_files().ok_or("the push worker was not started with its files recorded")?;
            let mut helpers = Vec::new();
            for _ in 0..helper_count() {
                let helper = Rc::new(Helper {
                    spawned: Spawned::new("a compression helper", &js, &wasm)?,
                    ready: Cell::new(false),
                    backlog: RefCell::default(),
                    pending: self.pending.clone(),
                    free: self.free.clone(),
                });
                let (js, wasm) = (js.clone(), wasm.clone());
                helper.spawned.listen(
                    &helper,
                    |helper, event| helper.answer(event),
                    move |helper, event| {
                        helper.fail(&spawn::load_failure(event, &js, &wasm));
                    },
                );
                helpers.push(helper);
            }
            *self.helpers.borrow_mut() = helpers;
        }
        Ok(self.helpers.borrow().clone())
    }
}

/// As many helpers as the browser reports cores, within [`MAX_HELPERS`].
fn helper_count() -> usize {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).ok();
    let cores = navigator
        .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("hardwareConcurrency")).ok())
        .and_then(|c| c.as_f64())
        .unwrap_or(1.0);
    (cores as usize).clamp(1, MAX_HELPERS)
}

impl BlockCompressor for Compressors {
    /// Two blocks a helper: one being compressed, one waiting behind it.
    fn batch(&self) -> usize {
        2 * helper_count()
    }

    async fn compress(&self, codec: Codec, blocks: Vec<Vec<u8>>) -> Result<Vec<Block>, String> {
        let helpers = self.started()?;
        let mut answers = Vec::with_capacity(blocks.len());
        for (i, block) in blocks.iter().enumerate() {
            let id = self.next_id.get();
            self.next_id.set(id.wrapping_add(1));
            let message = encode(&ToPusher::CompressBlock { id, codec }, None).map_err(|e| e.to_string())?;
            let buffer = self.free.borrow_mut().pop().unwrap_or_else(|| js_sys::ArrayBuffer::new(BUFFER));
            let view = js_sys::Uint8Array::new_with_byte_offset_and_length(&buffer, 0, block.len() as u32);
            view.copy_from(block);
            let buffer = attach_bytes(&message, &view);
            let (done, answer) = oneshot::channel();
            self.pending.borrow_mut().insert(id, done);
            helpers[i % helpers.len()].post(message, buffer);
            answers.push(answer);
        }
        drop(blocks);
        let mut compressed = Vec::with_capacity(answers.len());
        for answer in answers {
            let block = answer.await.map_err(|_| "a compression helper went away".to_owned())?;
            compressed.push(block.map_err(|why| format!("compressing a layer failed: {why}"))?);
        }
        Ok(compressed)
    }
}

/// The helper's side: compresses the block a [`ToPusher::CompressBlock`] message (`data`)
/// carries and answers through `scope`, the compressed bytes in the same buffer, transferred
/// back.
pub fn compress_for_parent(scope: &DedicatedWorkerGlobalScope, id: u32, codec: Codec, data: &JsValue) {
    let Some(view) = bytes_of(data) else { return };
    let block = compress_block(codec, &view.to_vec());
    let buffer = view.buffer();
    let answer = encode(&FromPusher::BlockCompressed { id, crc: block.crc, len: block.len }, None);
    let fits = block.bytes.len() <= buffer.byte_length() as usize;
    let (Ok(answer), true) = (answer, fits) else {
        let why = format!("block {id} compressed to {} bytes, more than its buffer holds", block.bytes.len());
        let _ = encode(&FromPusher::Failed { failure: Failure::Other { message: why } }, None)
            .map(|failed| scope.post_message(&failed));
        return;
    };
    let out = js_sys::Uint8Array::new_with_byte_offset_and_length(&buffer, 0, block.bytes.len() as u32);
    out.copy_from(&block.bytes);
    let buffer = attach_bytes(&answer, &out);
    if let Err(e) = scope.post_message_with_transfer(&answer, &js_sys::Array::of1(&buffer)) {
        web_sys::console::error_1(&e);
    }
}
