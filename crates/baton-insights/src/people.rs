//! Collaborators and isolation (DESIGN.md: "Collaborators", "Isolated", and the readings on
//! `members`).
//!
//! A response links exactly two people: the responder and the author of the turn answered. It
//! counts in a span when its responding message falls in that span. Direct conversations link
//! people the same way, so an unanswered message links no one.

use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::conversations::{Accumulate, Reply, Response};
use crate::dataset::{Dataset, MemberIdx, Message};
use crate::window::{Thresholds, Window};

/// One row of the report's `members` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRow {
    /// The member's handle.
    pub name: String,
    /// Messages they authored in the window.
    pub messages: usize,
    /// Distinct other members linked to them by a response in the window.
    pub collaborators: usize,
    /// Active in the last days before `to` with at most one collaborator and no huddle time.
    pub isolated: bool,
    /// Hours spent in huddles in the window.
    pub huddle_hours: f64,
}

/// The report's `isolation` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Isolation {
    /// Members who authored a message in the isolation span.
    pub active: usize,
    pub isolated: usize,
    /// `isolated ÷ active`; `None` when nobody was active.
    pub rate: Option<f64>,
}

/// For each member, the others linked to them by a response whose responding message is in
/// `[from, to)`.
pub fn collaborators(
    responses: &[Response],
    n_people: usize,
    from: Timestamp,
    to: Timestamp,
) -> Vec<BTreeSet<MemberIdx>> {
    let mut linked = vec![BTreeSet::new(); n_people];
    for response in responses.iter().filter(|r| from <= r.responded_at && r.responded_at < to) {
        if response.asker == response.responder {
            continue;
        }
        if let Some(set) = linked.get_mut(response.asker) {
            set.insert(response.responder);
        }
        if let Some(set) = linked.get_mut(response.responder) {
            set.insert(response.asker);
        }
    }
    linked
}

/// Every member's row, sorted by handle in byte order, and the isolation figures.
/// `responses` are those of [`crate::conversations::responses`] for the window's `to`.
pub fn members_and_isolation(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    responses: &[Response],
) -> (Vec<MemberRow>, Isolation) {
    let mut collaboration = Collaboration::new(data, window, thresholds);
    let to = window.to();
    for message in data.messages.iter().take_while(|message| message.at < to) {
        collaboration.message(message);
    }
    for response in responses.iter().filter(|r| r.responded_at < to) {
        collaboration.response(
            &Reply {
                asker: response.asker,
                responder: response.responder,
                responded_at: response.responded_at,
                working: response.working,
            },
            (),
        );
    }
    collaboration.finish(data, thresholds)
}

/// The start of the isolation span `[to − isolation_days, to)`. A window that ends within that
/// many days of the earliest representable instant starts its span there rather than overflow.
pub(crate) fn isolation_span_start(window: Window, thresholds: &Thresholds) -> Timestamp {
    window.to().checked_sub(SignedDuration::from_hours(24 * thresholds.isolation_days)).unwrap_or(Timestamp::MIN)
}

/// What [`members_and_isolation`] collects from the messages and responses before `to`, as an
/// [`Accumulate`] for the report's walk.
pub(crate) struct Collaboration {
    from: Timestamp,
    to: Timestamp,
    span_start: Timestamp,
    /// Messages in the window, by member.
    messages: Vec<usize>,
    /// Whether each member authored a message in the isolation span.
    active: Vec<bool>,
    /// Links (unordered pairs of members, smaller first) by responses in the window and in the
    /// span. Millions of responses link a few tens of thousands of pairs, so a set of pairs
    /// stays small enough for the cache, unlike a list of every response's pair to sort.
    in_window: Links,
    in_span: Links,
}

/// A set of links (pairs of members, smaller first).
type Links = HashSet<(MemberIdx, MemberIdx), BuildHasherDefault<PairHasher>>;

impl Collaboration {
    pub(crate) fn new(data: &Dataset, window: Window, thresholds: &Thresholds) -> Collaboration {
        let n_people = data.people.len();
        Collaboration {
            from: window.from(),
            to: window.to(),
            span_start: isolation_span_start(window, thresholds),
            messages: vec![0; n_people],
            active: vec![false; n_people],
            in_window: Links::default(),
            in_span: Links::default(),
        }
    }

    /// Every member's row, sorted by handle in byte order, and the isolation figures.
    pub(crate) fn finish(mut self, data: &Dataset, thresholds: &Thresholds) -> (Vec<MemberRow>, Isolation) {
        let n_people = data.people.len();
        let huddle_time = self.huddles(data);
        let in_window = count_links(&self.in_window, n_people);
        let in_span = count_links(&self.in_span, n_people);
        let mut rows: Vec<MemberRow> = data
            .people
            .iter()
            .enumerate()
            .map(|(idx, person)| MemberRow {
                name: person.handle.clone(),
                messages: self.messages[idx],
                collaborators: in_window[idx],
                isolated: self.active[idx]
                    && in_span[idx] <= thresholds.isolated_max_collaborators
                    && huddle_time[idx].1.is_zero(),
                huddle_hours: huddle_time[idx].0.as_secs_f64() / 3600.0,
            })
            .collect();
        rows.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        let n_active = self.active.iter().filter(|a| **a).count();
        let n_isolated = rows.iter().filter(|r| r.isolated).count();
        let rate = (n_active > 0).then(|| n_isolated as f64 / n_active as f64);
        (rows, Isolation { active: n_active, isolated: n_isolated, rate })
    }
}

impl Collaboration {
    /// Huddles link whoever was in one at the same time (in the window, in the span, as that
    /// shared time falls); returns each member's huddle time in the window and in the span.
    fn huddles(&mut self, data: &Dataset) -> Vec<(SignedDuration, SignedDuration)> {
        let mut time = vec![(SignedDuration::ZERO, SignedDuration::ZERO); data.people.len()];
        let earliest = self.from.min(self.span_start);
        for huddle in &data.huddles {
            let stretches: Vec<_> = huddle.stretches_in(earliest, self.to).collect();
            for (member, start, end) in &stretches {
                let Some(slot) = time.get_mut(*member) else { continue };
                slot.0 += overlap(*start, *end, self.from, self.to);
                slot.1 += overlap(*start, *end, self.span_start, self.to);
            }
            for (i, (a, a_start, a_end)) in stretches.iter().enumerate() {
                for (b, b_start, b_end) in &stretches[i + 1..] {
                    if a == b {
                        continue;
                    }
                    let (start, end) = ((*a_start).max(*b_start), (*a_end).min(*b_end));
                    if start >= end {
                        continue;
                    }
                    let pair = ((*a).min(*b), (*a).max(*b));
                    if !overlap(start, end, self.from, self.to).is_zero() {
                        self.in_window.insert(pair);
                    }
                    if !overlap(start, end, self.span_start, self.to).is_zero() {
                        self.in_span.insert(pair);
                    }
                }
            }
        }
        time
    }
}

/// The length of `[a, b) ∩ [c, d)`.
fn overlap(a: Timestamp, b: Timestamp, c: Timestamp, d: Timestamp) -> SignedDuration {
    let (start, end) = (a.max(c), b.min(d));
    if start < end {
        end.duration_since(start)
    } else {
        SignedDuration::ZERO
    }
}

impl Accumulate for Collaboration {
    type Tag = ();

    fn tag(&self, _: usize) {}

    /// Takes messages before `to`.
    fn message(&mut self, message: &Message) {
        let Some(messages) = self.messages.get_mut(message.author) else { return };
        if message.at >= self.from {
            *messages += 1;
        }
        if message.at >= self.span_start {
            self.active[message.author] = true;
        }
    }

    /// Takes responses before `to`.
    fn response(&mut self, reply: &Reply, (): ()) {
        if reply.asker == reply.responder {
            return;
        }
        let link = (reply.asker.min(reply.responder), reply.asker.max(reply.responder));
        if reply.responded_at >= self.from {
            self.in_window.insert(link);
        }
        if reply.responded_at >= self.span_start {
            self.in_span.insert(link);
        }
    }

    fn merge(&mut self, other: Collaboration) {
        for (mine, theirs) in self.messages.iter_mut().zip(other.messages) {
            *mine += theirs;
        }
        for (mine, theirs) in self.active.iter_mut().zip(other.active) {
            *mine |= theirs;
        }
        self.in_window.extend(other.in_window);
        self.in_span.extend(other.in_span);
    }
}

/// For each of `n_people` members, how many distinct others `links` join them to. A member
/// outside the list still counts as the other end of a link.
fn count_links(links: &Links, n_people: usize) -> Vec<usize> {
    let mut counts = vec![0; n_people];
    for &(a, b) in links {
        for member in [a, b] {
            if let Some(count) = counts.get_mut(member) {
                *count += 1;
            }
        }
    }
    counts
}

/// FxHash (Firefox's and rustc's): a multiply and a rotate per word. The default SipHash resists
/// keys chosen to collide, which positions in the member list cannot be, and costs several
/// times more on the millions of lookups a report makes.
#[derive(Default)]
pub(crate) struct PairHasher {
    hash: u64,
}

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.hash
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

#[cfg(test)]
mod tests;
