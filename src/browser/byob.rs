//! Reading a byte stream — a fetch response's body, a `Blob`'s `stream()` — through a BYOB
//! ("bring your own buffer") reader into one `ArrayBuffer` that goes back and forth between the
//! stream and the reader: no read allocates.
//!
//! A default reader hands out every chunk in a fresh `ArrayBuffer` that lives until the next
//! garbage collection. Measured in a hashing worker on this project's 2-core machine
//! (scripts/bench.d/browser.sh): reading a `File` by `arrayBuffer()` slices left 144–176 MiB of
//! them waiting for collection per GiB; fetching a 1 GiB blob through `waybill serve` cost the
//! renderer 1.4–1.7 CPU-seconds per GiB with a default reader and about 1.05 with this one,
//! before any hashing.

use js_sys::{ArrayBuffer, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ReadableStream, ReadableStreamByobReader, ReadableStreamGetReaderOptions, ReadableStreamReaderMode,
};

#[wasm_bindgen]
extern "C" {
    /// A `ReadableStream` seen through a `getReader` that returns a `Result`: web-sys's binding
    /// does not catch, and asking a stream that is not a byte stream for a BYOB reader throws a
    /// TypeError, which must come back as an error the caller can fall back on, not unwind
    /// through wasm.
    type AnyStream;

    #[wasm_bindgen(method, catch, js_name = getReader)]
    fn get_reader(
        this: &AnyStream,
        options: &ReadableStreamGetReaderOptions,
    ) -> Result<ReadableStreamByobReader, JsValue>;
}

/// A BYOB reader and the one buffer it reads into.
#[derive(Debug)]
pub struct ByobReader {
    reader: ReadableStreamByobReader,
    /// Ours between reads; the stream's while a read is pending (and gone after a failed one).
    buffer: Option<ArrayBuffer>,
}

impl ByobReader {
    /// A reader of `stream` that reads at most `buffer` bytes (at least 1) at a time. Fails, and
    /// leaves the stream unlocked, when `stream` is not a byte stream (a browser whose fetch
    /// bodies are not, for one): the caller can still take a default reader.
    pub fn new(stream: &ReadableStream, buffer: u32) -> Result<ByobReader, JsValue> {
        let options = ReadableStreamGetReaderOptions::new();
        options.set_mode(ReadableStreamReaderMode::Byob);
        let reader = stream.unchecked_ref::<AnyStream>().get_reader(&options)?;
        Ok(ByobReader { reader, buffer: Some(ArrayBuffer::new(buffer.max(1))) })
    }

    /// The next bytes, as a view that is valid until the next call, or `None` at the end. A
    /// rejected read (a network failure, an abort) is the stream's error, as JavaScript gave it.
    pub async fn read(&mut self) -> Result<Option<Uint8Array>, JsValue> {
        let buffer = self
            .buffer
            .take()
            .ok_or_else(|| JsValue::from_str("the stream was read again after it failed"))?;
        let result =
            JsFuture::from(self.reader.read_with_array_buffer_view(&Uint8Array::new(&buffer))).await?;
        let done = Reflect::get(&result, &"done".into()).map(|d| d.is_truthy()).unwrap_or(true);
        let value = Reflect::get(&result, &"value".into()).ok().and_then(|v| v.dyn_into::<Uint8Array>().ok());
        // The buffer comes back (transferred) with every answer, the last one included.
        if let Some(value) = &value {
            self.buffer = Some(value.buffer());
        }
        Ok(value.filter(|_| !done))
    }

    /// Cancels the stream (an abandoned download stops).
    pub fn cancel(&self) -> Promise {
        self.reader.cancel()
    }
}
