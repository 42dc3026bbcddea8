//! A fuzz target for the decoders' bounded-memory path (issue 11), run by `cargo test` for a
//! fixed budget of cases like the other property suites, printing its executions and their rate
//! and the most memory a decoder held (docs/benchmarks.md keeps the figures).
//!
//! `inflate::Inflater` — what reads compressed archives and hashes compressed layers, with gzip's
//! CRC-32 or without (a layer whose diff ID is checked) — is fed gzip and zstd streams (valid ones of noise or runs, hand-made bombs, or either mutated)
//! in random chunk sizes, as the readers feed it. Properties: never a panic; a step emits at most
//! `STEP` and reports what it did exactly; the decoder ends with an error or the end, never
//! stalls; a valid stream comes back whole; and the heap it holds (counted by this binary's
//! allocator) stays within its window and a MiB. Native only (proptest needs a clock and a file
//! system).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use support::fuzzing::{Mutation, fuzz, mutated, mutation};
use support::{gzip, zstd};
use waybill_core::inflate::{Inflater, MAX_ZSTD_WINDOW, STEP};
use waybill_core::media::Compression;

/// Counts this thread's live heap bytes and their high-water mark, so a case can measure what
/// the code under test holds at its peak.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let live = LIVE.with(|l| {
        l.set(l.get() + delta);
        l.get()
    });
    PEAK.with(|p| p.set(p.get().max(live)));
}

// SAFETY: every call goes to the system allocator unchanged; the counters are plain thread-locals
// without destructors, which allocate nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A moving realloc holds both blocks for a moment.
        count(new_size as isize);
        count(-(layout.size() as isize));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns what it gave and the most heap it held beyond what was live before.
fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, (PEAK.with(Cell::get) - base).max(0) as usize)
}

/// A compressed stream for the decoder.
#[derive(Clone, Debug)]
enum Stream {
    /// `data` compressed by flate2 or ruzstd: must come back whole.
    Valid { compression: Compression, data: Vec<u8> },
    /// A zstd frame of `blocks` RLE blocks of 128 KiB (a few bytes each): `blocks` × 128 KiB.
    ZstdBomb { blocks: usize },
    /// A gzip stream of `members` members of 1 MiB of zeros (about 1 KiB each).
    GzipBomb { members: usize },
}

impl Stream {
    fn compression(&self) -> Compression {
        match self {
            Stream::Valid { compression, .. } => *compression,
            Stream::ZstdBomb { .. } => Compression::Zstd,
            Stream::GzipBomb { .. } => Compression::Gzip,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Stream::Valid { compression: Compression::Gzip, data } => gzip(data),
            Stream::Valid { data, .. } => zstd(data),
            Stream::ZstdBomb { blocks } => {
                let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58];
                for i in 0..*blocks {
                    let header = u32::from(i + 1 == *blocks) | 1 << 1 | (128 * 1024) << 3;
                    frame.extend_from_slice(&header.to_le_bytes()[..3]);
                    frame.push(0x5a);
                }
                frame
            }
            Stream::GzipBomb { members } => gzip(&vec![0; 1 << 20]).repeat(*members),
        }
    }

    /// What it decompresses to, when it is not mutated.
    fn expected_len(&self) -> usize {
        match self {
            Stream::Valid { data, .. } => data.len(),
            Stream::ZstdBomb { blocks } => blocks * 128 * 1024,
            Stream::GzipBomb { members } => members << 20,
        }
    }
}

fn stream() -> impl Strategy<Value = Stream> {
    let compression = prop_oneof![Just(Compression::Gzip), Just(Compression::Zstd)];
    // Noise, or runs of a few bytes (which compress, and exercise back-references).
    let data = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..3000),
        prop::collection::vec((any::<u8>(), 1usize..5000), 0..20)
            .prop_map(|runs| runs.into_iter().flat_map(|(b, n)| std::iter::repeat_n(b, n)).collect()),
    ];
    prop_oneof![
        6 => (compression, data).prop_map(|(compression, data)| Stream::Valid { compression, data }),
        1 => (1usize..40).prop_map(|blocks| Stream::ZstdBomb { blocks }),
        1 => (1usize..6).prop_map(|members| Stream::GzipBomb { members }),
    ]
}

/// Output beyond this ends a case as passed: the bombs' limits are the readers' business.
const OUTPUT_CAP: usize = 8 << 20;

/// Feeds `bytes` to a decoder `feeds` bytes at a time (cycling through the sizes), as the readers
/// do, checking every step and the output against `expected` as it comes; returns how many
/// bytes came out (up to [`OUTPUT_CAP`]), or the decoder's error. Without `crc`, gzip members'
/// framing is read by Waybill, not zlib (`Inflater::without_crc`).
fn inflate(
    compression: Compression,
    crc: bool,
    bytes: &[u8],
    feeds: &[usize],
    expected: Option<&[u8]>,
) -> Result<Result<usize, String>, TestCaseError> {
    let inflater = Inflater::new(compression).expect("a decoder");
    let mut inflater = if crc { inflater } else { inflater.without_crc() };
    let (mut out, mut total, mut buffered, mut offered) = (Vec::new(), 0, Vec::new(), 0);
    let mut feed = feeds.iter().cycle();
    for _ in 0..10_000_000 {
        let at_end = offered == bytes.len();
        let progress = match inflater.step(&buffered, at_end, &mut out) {
            Ok(progress) => progress,
            Err(e) => {
                prop_assert!(e.to_string().starts_with(&format!("{compression} data is invalid: ")), "{}", e);
                return Ok(Err(e.reason));
            }
        };
        prop_assert!(progress.produced <= STEP, "a step emitted {} bytes", progress.produced);
        prop_assert_eq!(out.len(), progress.produced);
        prop_assert!(progress.consumed <= buffered.len());
        if let Some(expected) = expected {
            prop_assert!(
                expected.get(total..total + out.len()) == Some(&out[..]),
                "the output differs at {}",
                total
            );
        }
        total += out.len();
        out.clear();
        buffered.drain(..progress.consumed);
        if progress.done || total > OUTPUT_CAP {
            return Ok(Ok(total));
        }
        if progress.consumed == 0 && progress.produced == 0 {
            prop_assert!(!at_end, "the decoder made no progress at the end of its input");
            let take = (*feed.next().expect("feeds")).min(bytes.len() - offered);
            buffered.extend_from_slice(&bytes[offered..offered + take]);
            offered += take;
        }
    }
    Err(TestCaseError::fail("the decoder never finished"))
}

#[test]
fn inflater() {
    let strategy = (
        stream(),
        prop::collection::vec(mutation(), 0..4),
        prop::collection::vec(prop_oneof![1usize..64, 64usize..70_000], 1..8),
        any::<bool>(),
    );
    // The most heap a decoder held, gzip and zstd: printed with the run's figures.
    let most = [Cell::new(0), Cell::new(0)];
    fuzz(
        "inflater (gzip, zstd)",
        1500,
        strategy,
        |(stream, mutations, feeds, crc): (Stream, Vec<Mutation>, _, bool)| {
            let compression = stream.compression();
            let bytes = mutated(&stream.bytes(), &mutations);
            let expected = match (&stream, mutations.is_empty()) {
                (Stream::Valid { data, .. }, true) => Some(&data[..]),
                _ => None,
            };
            let (result, held) = peak_heap(|| inflate(compression, crc, &bytes, &feeds, expected));
            // What a decoder may hold: its window (gzip 32 KiB; zstd the frame's, refused above
            // 32 MiB, which ruzstd's buffer may double while it grows), the input buffered (at most
            // one block and one feed), one step of output.
            let zstd = compression == Compression::Zstd;
            most[usize::from(zstd)].set(held.max(most[usize::from(zstd)].get()));
            let window = if zstd { 2 * MAX_ZSTD_WINDOW as usize } else { 64 << 10 };
            prop_assert!(held <= window + (1 << 20), "the decoder held {} bytes", held);
            if mutations.is_empty() {
                let total = result?.map_err(TestCaseError::fail)?;
                prop_assert_eq!(total, stream.expected_len());
            }
            Ok(())
        },
    );
    let [gzip, zstd] = most.map(|m| m.get() >> 10);
    eprintln!("fuzz inflater (gzip, zstd): the most heap a decoder held: gzip {gzip} KiB, zstd {zstd} KiB");
}
