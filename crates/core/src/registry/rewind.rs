//! The chunks a streaming [`BlobSource`](super::BlobSource) still holds after handing them out,
//! so that a chunk the registry did not get can be sent again from its `Range`.
//!
//! A source that reads its blob once, front to back (a download being copied, an archive file,
//! a layer gzip'd on the fly), cannot go back further than what it kept. The window keeps the
//! last `capacity` chunks with their offsets and decides, for every read, whether it is served
//! again from them, read fresh at the current end, or out of reach. Memory stays at `capacity`
//! chunks whatever the blob's size.

use std::collections::VecDeque;

use super::chunk::SourceChunk;
use crate::transport::ChunkBytes;

/// What a read at some offset needs, as the window sees it.
#[derive(Debug)]
pub(crate) enum Next<C> {
    /// Bytes the window still holds: send them again.
    Held(SourceChunk<C>),
    /// Bytes not read yet: the next `want` bytes of the blob, to be handed to [`RewindWindow::keep`].
    Fresh(usize),
}

/// The last chunks handed out, oldest first, with their offsets.
#[derive(Debug)]
pub(crate) struct RewindWindow<C> {
    capacity: usize,
    kept: VecDeque<(u64, SourceChunk<C>)>,
    /// Offset of the next byte not yet handed out.
    position: u64,
}

impl<C> RewindWindow<C> {
    /// A window over a blob read from its first byte, keeping at most `capacity` chunks.
    pub(crate) fn new(capacity: usize) -> RewindWindow<C> {
        RewindWindow { capacity, kept: VecDeque::with_capacity(capacity), position: 0 }
    }

    /// Offset of the next byte not yet handed out.
    pub(crate) fn position(&self) -> u64 {
        self.position
    }

    /// The earliest offset still held (the position itself when nothing is).
    pub(crate) fn floor(&self) -> u64 {
        self.kept.front().map_or(self.position, |(start, _)| *start)
    }

    /// Lets every chunk go (the upload is finished).
    pub(crate) fn clear(&mut self) {
        self.kept.clear();
    }
}

impl<C: ChunkBytes> RewindWindow<C> {
    /// Decides what a read of up to `len` bytes at `offset` of a blob of `size` bytes (unknown:
    /// made on the way) needs;
    /// `None` when the window cannot serve it (before what it holds, or past its position).
    /// Before a fresh read the oldest chunk is let go, so that no more than `capacity` are held
    /// once the new one is kept.
    pub(crate) fn next(&mut self, offset: u64, len: u64, size: Option<u64>) -> Option<Next<C>> {
        if offset < self.position {
            let (start, chunk) =
                self.kept.iter().find(|(start, chunk)| *start <= offset && offset < start + chunk.len)?;
            let skip = usize::try_from(offset - start).ok()?;
            return Some(Next::Held(SourceChunk {
                data: chunk.data.tail(skip),
                len: chunk.len - (offset - start),
            }));
        }
        if offset > self.position {
            return None;
        }
        let want = usize::try_from(size.map_or(len, |size| len.min(size - offset))).ok()?;
        if self.kept.len() >= self.capacity {
            self.kept.pop_front();
        }
        Some(Next::Fresh(want))
    }

    /// Keeps `bytes`, just read at the position, and hands them out as a chunk.
    pub(crate) fn keep(&mut self, bytes: Vec<u8>) -> SourceChunk<C> {
        let chunk = SourceChunk { len: bytes.len() as u64, data: C::from_vec(bytes) };
        self.kept.push_back((self.position, chunk.clone()));
        self.position += chunk.len;
        chunk
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(window: &mut RewindWindow<Vec<u8>>, offset: u64, len: u64, size: u64) -> usize {
        match window.next(offset, len, Some(size)) {
            Some(Next::Fresh(want)) => want,
            other => panic!("a read at {offset} should be fresh: {other:?}"),
        }
    }

    fn held(window: &mut RewindWindow<Vec<u8>>, offset: u64) -> Vec<u8> {
        match window.next(offset, 100, Some(100)) {
            Some(Next::Held(chunk)) => {
                assert_eq!(chunk.len, chunk.data.len() as u64);
                chunk.data
            }
            other => panic!("a read at {offset} should be held: {other:?}"),
        }
    }

    #[test]
    fn one_chunk_window_serves_only_the_last_chunk() {
        let mut w = RewindWindow::new(1);
        assert_eq!(fresh(&mut w, 0, 10, 25), 10);
        w.keep((0..10).collect());
        assert_eq!((w.floor(), w.position()), (0, 10));
        assert_eq!(held(&mut w, 4), (4..10).collect::<Vec<u8>>());
        assert_eq!(fresh(&mut w, 10, 10, 25), 10);
        // The first chunk was let go before the second was read.
        assert_eq!(w.floor(), 10);
        w.keep((10..20).collect());
        assert!(w.next(9, 10, Some(25)).is_none(), "before the window");
        assert!(w.next(21, 10, Some(25)).is_none(), "past the position");
        // The last read is cut at the blob's end.
        assert_eq!(fresh(&mut w, 20, 10, 25), 5);
        w.keep((20..25).collect());
        w.clear();
        assert_eq!(w.floor(), 25);
    }

    #[test]
    fn two_chunk_window_serves_either_chunk() {
        let mut w = RewindWindow::new(2);
        fresh(&mut w, 0, 10, 100);
        w.keep((0..10).collect());
        fresh(&mut w, 10, 10, 100);
        w.keep((10..20).collect());
        assert_eq!(w.floor(), 0);
        assert_eq!(held(&mut w, 3), (3..10).collect::<Vec<u8>>());
        assert_eq!(held(&mut w, 10), (10..20).collect::<Vec<u8>>());
        fresh(&mut w, 20, 10, 100);
        assert_eq!(w.floor(), 10);
        assert!(w.next(3, 10, Some(100)).is_none());
    }
}
