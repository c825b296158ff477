//! A dataset's messages, kept in shared chunks: a server keeps one dataset behind an `Arc` and
//! extends it as events arrive, and a report still running on the dataset before the extension
//! must keep its own. With one `Vec`, that meant copying every message (hundreds of megabytes
//! at ten million) whenever a report was running; with chunks, the new dataset shares every
//! chunk the new messages do not touch, and copies at most the last one.

use std::sync::Arc;

use jiff::Timestamp;

use crate::dataset::Message;

/// Messages per chunk: big enough that walking them is walking a slice, small enough that
/// copying one on write costs little (a few megabytes).
#[cfg(not(test))]
const CHUNK: usize = 1 << 16;
/// In this crate's tests, every metric's test data crosses chunk boundaries.
#[cfg(test)]
const CHUNK: usize = 3;

/// Messages in the order the metrics read them: sorted by (time, id), once
/// [`Messages::sort`] or [`Messages::extend_sorted`] has run.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    /// None empty; all but the last full.
    chunks: Vec<Arc<Vec<Message>>>,
    len: usize,
}

impl Messages {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every message, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Message> + Clone + '_ {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }

    /// The first `n` messages, in order (all of them when `n` is past the end).
    pub fn prefix(&self, n: usize) -> impl DoubleEndedIterator<Item = &Message> + Clone + '_ {
        let n = n.min(self.len);
        let (full, rest) = (n / CHUNK, n % CHUNK);
        let whole = self.chunks[..full].iter().flat_map(|chunk| chunk.iter());
        let part = self.chunks.get(full).map(|chunk| &chunk[..rest]).unwrap_or_default();
        whole.chain(part)
    }

    /// The messages before `at`: a prefix, since they are sorted by time.
    pub fn before(&self, at: Timestamp) -> impl DoubleEndedIterator<Item = &Message> + Clone + '_ {
        self.prefix(self.count_before(at))
    }

    /// How many messages are before `at`.
    pub fn count_before(&self, at: Timestamp) -> usize {
        self.partition_point(|message| message.at < at)
    }

    /// The index of the first message for which `pred` is false, `pred` being true for a
    /// prefix and false after it (as [`slice::partition_point`]).
    pub fn partition_point(&self, mut pred: impl FnMut(&Message) -> bool) -> usize {
        // The chunks whose last message is in the prefix are wholly in it.
        let whole = self.chunks.partition_point(|chunk| chunk.last().is_some_and(&mut pred));
        match self.chunks.get(whole) {
            Some(chunk) => whole * CHUNK + chunk.partition_point(pred),
            None => self.len,
        }
    }

    pub fn get(&self, idx: usize) -> Option<&Message> {
        self.chunks.get(idx / CHUNK).and_then(|chunk| chunk.get(idx % CHUNK))
    }

    /// The message at `idx`, copying its chunk first if another dataset shares it.
    pub fn get_mut(&mut self, idx: usize) -> Option<&mut Message> {
        let chunk = self.chunks.get_mut(idx / CHUNK)?;
        Arc::make_mut(chunk).get_mut(idx % CHUNK)
    }

    /// Where the message with this id is. Messages are in id order as well as in time order
    /// when they arrived live, so a binary search finds it; an import's older messages are
    /// found by a scan from the end.
    pub fn position_of(&self, id: i64) -> Option<usize> {
        let idx = self.partition_point(|message| message.id < id);
        if self.get(idx).is_some_and(|message| message.id == id) {
            return Some(idx);
        }
        let from_end = self.iter().rev().position(|message| message.id == id)?;
        Some(self.len - 1 - from_end)
    }

    /// Adds a message at the end, wherever it belongs in time (see [`Messages::sort`]).
    pub fn push(&mut self, message: Message) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Arc::make_mut(last).push(message),
            _ => self.chunks.push(Arc::new(vec![message])),
        }
        self.len += 1;
    }

    /// Sorts every message by (time, id).
    pub fn sort(&mut self) {
        let mut all: Vec<Message> = self.iter().cloned().collect();
        all.sort_by_key(|m| (m.at, m.id));
        *self = Messages::from(all);
    }

    /// Adds `new` to messages sorted by (time, id), keeping them sorted. Messages later than
    /// every one already here (the usual case: a live workspace's new posts) only fill the last
    /// chunk and add new ones; older ones (an import of old history) rebuild the chunks from
    /// the first they belong in.
    pub fn extend_sorted(&mut self, mut new: Vec<Message>) {
        new.sort_by_key(|m| (m.at, m.id));
        let Some(first) = new.first() else { return };
        let key = (first.at, first.id);
        let keep = self.chunks.partition_point(|chunk| chunk.last().is_some_and(|m| (m.at, m.id) <= key));
        if keep < self.chunks.len() {
            let mut tail: Vec<Message> = self.chunks.drain(keep..).flat_map(|chunk| chunk.to_vec()).collect();
            self.len -= tail.len();
            tail.extend(new);
            // Two sorted runs: the stable sort merges them in linear time.
            tail.sort_by_key(|m| (m.at, m.id));
            new = tail;
        }
        self.len += new.len();
        let mut new = new.into_iter();
        if let Some(last) = self.chunks.last_mut().filter(|last| last.len() < CHUNK) {
            let room = CHUNK - last.len();
            Arc::make_mut(last).extend(new.by_ref().take(room));
        }
        loop {
            let chunk: Vec<Message> = new.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            self.chunks.push(Arc::new(chunk));
        }
    }

    /// Whether this and `other` share the chunk at `idx` (the same allocation): for tests of
    /// what an extension copies.
    #[cfg(test)]
    fn shares_chunk(&self, other: &Messages, idx: usize) -> bool {
        match (self.chunks.get(idx), other.chunks.get(idx)) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<Vec<Message>> for Messages {
    /// The messages in the order given.
    fn from(all: Vec<Message>) -> Messages {
        let len = all.len();
        let mut chunks = Vec::with_capacity(len.div_ceil(CHUNK));
        let mut all = all.into_iter();
        loop {
            let chunk: Vec<Message> = all.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(Arc::new(chunk));
        }
        Messages { chunks, len }
    }
}

impl std::ops::Index<usize> for Messages {
    type Output = Message;

    fn index(&self, idx: usize) -> &Message {
        &self.chunks[idx / CHUNK][idx % CHUNK]
    }
}

impl FromIterator<Message> for Messages {
    fn from_iter<I: IntoIterator<Item = Message>>(iter: I) -> Messages {
        Messages::from(iter.into_iter().collect::<Vec<_>>())
    }
}

#[cfg(test)]
mod tests;
