//! Turns, responses, first responses, awaiting answers, handoffs and bouncing threads, exactly
//! as DESIGN.md ("Insight metrics (exact definitions)") defines them.
//!
//! Everything here reads one prefix of [`Dataset::messages`]: the messages before the report's
//! `to`, because a report sees the workspace as it was at `to` and later events do not exist for
//! it. That prefix is walked once, in (time, id) order, with a small fixed state per
//! conversation, so the work is linear in the number of messages and the only allocations are
//! the per-conversation state and the output. Turns and handoffs always start from the
//! conversation's first message, wherever the window starts.
//!
//! The report's walk ([`gather`]) runs in parts on several threads: turns never cross
//! conversations, so each part walks the same messages but follows only its own share of the
//! conversations, and the parts' figures (counts, populations of durations, sets of links) are
//! combined in part order afterwards. Nothing a figure reports depends on the order in which
//! its population was collected, so the numbers are the same for any number of parts.

use std::num::NonZeroUsize;
use std::thread;

use baton_core::calendar::{Calendar, WorkingTimeIndex};
use jiff::{SignedDuration, Timestamp};

use crate::cancel::Cancel;
use crate::dataset::{ConversationKind, Dataset, MemberIdx, Message};
use crate::quantile::{nearest_ranks, whole_seconds};
use crate::window::{Thresholds, Window};

/// A response: a turn followed by a turn of another author in the same conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub conversation: usize,
    /// The author of the turn answered.
    pub asker: MemberIdx,
    pub responder: MemberIdx,
    /// The last message of the turn answered.
    pub asked_at: Timestamp,
    /// The first message of the responding turn.
    pub responded_at: Timestamp,
    pub wall: SignedDuration,
    /// Working time of the responder's calendar between `asked_at` and `responded_at`.
    pub working: SignedDuration,
    /// Whether it answers the conversation's first turn.
    pub first: bool,
}

/// The report's `messages` object over one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MessageStats {
    /// Messages in `[from, to)`.
    pub count: usize,
    /// Threads and timelines with at least one message in `[from, to)`, wherever they started.
    pub conversations_active: usize,
    /// Responses whose responding message is in `[from, to)`.
    pub responses: usize,
}

/// The report's `response_time` object: responses whose responding message is in the window.
///
/// Quantiles are nearest rank over exact durations, then floored to whole seconds; every
/// `Option` is `None` when no response falls in the window (an empty population has no
/// quantile and no share, never 0).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ResponseStats {
    /// Median wall-clock response time, in seconds.
    pub median_s: Option<i64>,
    /// 90th percentile wall-clock response time, in seconds.
    pub p90_s: Option<i64>,
    /// Median working response time (responder's calendar), in seconds.
    pub median_working_s: Option<i64>,
    /// 90th percentile working response time (responder's calendar), in seconds.
    pub p90_working_s: Option<i64>,
    /// Share in [0, 1] of the responses whose exact working time is at most their
    /// conversation's norm.
    pub within_norm_share: Option<f64>,
    /// Turns in the window that ask, are still their conversation's last turn at `to`, and have
    /// waited more than the norm in the workspace calendar.
    pub awaiting_answer: usize,
}

/// The report's `first_response` object: the responses to a conversation's first turn whose
/// responding message is in the window. Same units and `None` rules as [`ResponseStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FirstResponseStats {
    /// How many first responses fall in the window.
    pub count: usize,
    /// Median wall-clock time, in seconds.
    pub median_s: Option<i64>,
    /// 90th percentile wall-clock time, in seconds.
    pub p90_s: Option<i64>,
    /// Median working time (responder's calendar), in seconds.
    pub median_working_s: Option<i64>,
    /// 90th percentile working time (responder's calendar), in seconds.
    pub p90_working_s: Option<i64>,
}

/// A bouncing thread: one of the report's `bouncing_threads`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bouncing {
    /// Position in [`Dataset::conversations`].
    pub conversation: usize,
    /// The channel's name as the user sees it.
    pub channel: String,
    /// The thread's title as the user sees it.
    pub thread: String,
    /// Responses in the thread before `to`, over its whole history.
    pub handoffs: u32,
    /// Last message time − first message time (messages before `to`), floored to seconds.
    pub span_s: i64,
}

/// Every response whose responding message is before `to`, ordered by `responded_at`, then by
/// conversation (responses of one conversation at the same instant keep their message order).
///
/// Turns are computed over each conversation's whole history before `to`; messages at or after
/// `to` do not exist, so they neither answer nor split a turn.
pub fn responses(data: &Dataset, to: Timestamp) -> Vec<Response> {
    let calendars = Calendars::new(data);
    let mut responses = Vec::new();
    walk(data, to, Part::WHOLE, |_, handoff, ()| responses.extend(handoff.map(|handoff| handoff.response(&calendars))));
    // The walk yields (time, message id) order; the stable sort only reorders responses of
    // different conversations at the same instant.
    responses.sort_by_key(|response| (response.responded_at, response.conversation));
    responses
}

/// Message counts over `window` (see [`MessageStats`]).
pub fn message_stats(data: &Dataset, window: Window) -> MessageStats {
    let (from, to) = (window.from(), window.to());
    let mut n_responses = 0;
    let walked = walk(data, to, Part::WHOLE, |_, handoff, ()| {
        n_responses += usize::from(handoff.is_some_and(|handoff| handoff.responded_at >= from));
    });
    MessageStats {
        count: messages_in(data, window),
        conversations_active: walked.iter().filter(|(_, tail, _)| tail.is_active(from)).count(),
        responses: n_responses,
    }
}

/// Response times, first responses and awaiting answers over `window` (see [`ResponseStats`]
/// and [`FirstResponseStats`]).
pub fn response_stats(data: &Dataset, window: Window, thresholds: &Thresholds) -> (ResponseStats, FirstResponseStats) {
    let (figures, ()) = gather(data, window, thresholds, window.from(), || ());
    (figures.response_time, figures.first_response)
}

/// The bouncing threads of `window`: threads with a message in the window whose handoffs and
/// span (whole history before `to`) reach [`Thresholds::bouncing_handoffs`] and
/// [`Thresholds::bouncing_span`] (both inclusive) and that are not resolved at `to`.
/// Timelines have no topic to resolve and never bounce.
///
/// Sorted by handoffs, most first; ties by span, longest first (compared exactly, before
/// flooring to seconds); then by conversation index, ascending, so the order is total and the
/// same input always lists the same threads in the same order.
pub fn bouncing_threads(data: &Dataset, window: Window, thresholds: &Thresholds) -> Vec<Bouncing> {
    let walked = walk(data, window.to(), Part::WHOLE, |_, _, ()| {});
    let mut bouncing: Vec<_> = walked
        .iter()
        .filter_map(|(conversation, tail, span)| bouncing_row(data, window, thresholds, conversation, tail, span))
        .collect();
    sort_bouncing(&mut bouncing);
    bouncing.into_iter().map(|(_, row)| row).collect()
}

/// A conversation whose last turn before `to` awaits an answer, exactly as the report counts
/// `awaiting_answer`: who asked, when the turn's last message was posted, and the working time
/// (workspace calendar) it has waited by `to`, which is past the conversation's norm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Awaiting {
    /// Position in [`Dataset::conversations`].
    pub conversation: usize,
    pub asker: MemberIdx,
    pub asked_at: Timestamp,
    pub waited: SignedDuration,
}

/// The conversations awaiting an answer at the end of `window` (see [`Awaiting`]), in
/// conversation order.
pub fn awaiting_answers(data: &Dataset, window: Window, thresholds: &Thresholds) -> Vec<Awaiting> {
    let walked = walk(data, window.to(), Part::WHOLE, |_, _, ()| {});
    walked
        .iter()
        .filter_map(|(conversation, tail, _)| {
            let waited = awaiting(data, window, thresholds, conversation, tail)?;
            Some(Awaiting { conversation, asker: tail.turn_author, asked_at: tail.last_at, waited })
        })
        .collect()
}

/// How long the conversation's last turn has waited for an answer, when it awaits one: it asks,
/// it is in the window, and it has waited past the norm. Only a conversation's last turn can be
/// awaiting: any earlier turn is followed by a turn of another author, because turns are maximal.
fn awaiting<T>(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    conversation: usize,
    tail: &Tail<T>,
) -> Option<SignedDuration> {
    if !tail.is_active(window.from()) || !tail.asks() {
        return None;
    }
    let waited = data.workspace_calendar.working_time(tail.last_at, window.to());
    (waited > norm(data, conversation, thresholds)).then_some(waited)
}

/// The conversation figures of a report, from one walk over the messages before `to`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConversationFigures {
    pub messages: MessageStats,
    pub response_time: ResponseStats,
    pub first_response: FirstResponseStats,
    /// As [`bouncing_threads`] lists them.
    pub bouncing: Vec<Bouncing>,
    /// For every conversation (by position), the time of its last message before `to`.
    pub last_message: Vec<Option<Timestamp>>,
}

/// A response as [`gather`] hands it to an [`Accumulate`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reply {
    /// The author of the turn answered.
    pub asker: MemberIdx,
    pub responder: MemberIdx,
    /// The first message of the responding turn.
    pub responded_at: Timestamp,
    /// Working time of the responder's calendar from the last message of the turn answered.
    pub working: SignedDuration,
}

/// What a report collects during [`gather`]'s walk besides the conversation figures: one value
/// per part, each fed that part's messages and responses, then merged in part order.
pub(crate) trait Accumulate: Send + Sized {
    /// What the accumulator needs to know about a conversation for each of its responses. The
    /// walk asks once, at the conversation's first message, and keeps the answer with its own
    /// state of the conversation, which a response reads anyway: looking it up per response
    /// would miss the cache once there are hundreds of thousands of conversations.
    type Tag: Copy + Default;
    fn tag(&self, conversation: usize) -> Self::Tag;
    /// A message before `to` (each message goes to exactly one part).
    fn message(&mut self, message: &Message);
    /// A response whose responding message is in `[since, to)`, `since` as given to [`gather`],
    /// with its conversation's tag.
    fn response(&mut self, reply: &Reply, tag: Self::Tag);
    /// Adds a later part's collection to this one.
    fn merge(&mut self, other: Self);
}

/// Collects nothing.
impl Accumulate for () {
    type Tag = ();
    fn tag(&self, _: usize) {}
    fn message(&mut self, _: &Message) {}
    fn response(&mut self, _: &Reply, (): ()) {}
    fn merge(&mut self, (): ()) {}
}

/// Two collections side by side.
impl<A: Accumulate, B: Accumulate> Accumulate for (A, B) {
    type Tag = (A::Tag, B::Tag);

    fn tag(&self, conversation: usize) -> Self::Tag {
        (self.0.tag(conversation), self.1.tag(conversation))
    }

    fn message(&mut self, message: &Message) {
        self.0.message(message);
        self.1.message(message);
    }

    fn response(&mut self, reply: &Reply, (tag_a, tag_b): Self::Tag) {
        self.0.response(reply, tag_a);
        self.1.response(reply, tag_b);
    }

    fn merge(&mut self, other: Self) {
        self.0.merge(other.0);
        self.1.merge(other.1);
    }
}

/// The report's conversation figures over `window`, and what `accumulator` (called once per
/// part) collects from the messages before `to` and the responses in `[since, to)`
/// (`since <= window.from()`: the isolation span may start before the window).
pub(crate) fn gather<A: Accumulate>(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    since: Timestamp,
    accumulator: impl Fn() -> A + Sync,
) -> (ConversationFigures, A) {
    gather_in_parts(data, window, thresholds, since, accumulator, default_parts(), &Cancel::NEVER)
}

/// How many parts [`gather`] walks in: one per core, up to [`MAX_PARTS`]. More parts than cores
/// would only walk the messages more often.
pub(crate) fn default_parts() -> usize {
    thread::available_parallelism().map_or(1, NonZeroUsize::get).min(MAX_PARTS)
}

/// How many messages a walk reads between two looks at its [`Cancel`].
const CANCEL_EVERY: usize = 1 << 14;

/// At most this many parts (threads) for [`gather`]: each part reads every message.
const MAX_PARTS: usize = 8;

/// [`gather`] over `n_parts` parts (at least one), the first on the calling thread.
pub(crate) fn gather_in_parts<A: Accumulate>(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    since: Timestamp,
    accumulator: impl Fn() -> A + Sync,
    n_parts: usize,
    cancel: &Cancel,
) -> (ConversationFigures, A) {
    // Indexed over the span where the responses handed on end, and some weeks before it where
    // most of the turns they answer end, within the messages' own span and at most a century
    // (an index holds every working interval of its span); a response reaching further asks
    // its calendar.
    let mut before_to = messages_before(data, window.to());
    let calendars = match (before_to.clone().next(), before_to.next_back()) {
        (Some(first), Some(last)) => {
            let earliest =
                [since.checked_sub(INDEX_LEAD).ok(), Some(first.at), last.at.checked_sub(INDEX_MAX_SPAN).ok()];
            let index_from = earliest.into_iter().flatten().max().unwrap_or(first.at).min(last.at);
            Calendars::new(data).indexed(index_from, last.at)
        }
        _ => Calendars::new(data),
    };
    let run =
        |idx| gather_part(data, window, thresholds, since, &calendars, Part { idx, n: n_parts, cancel }, accumulator());
    let parts: Vec<(PartFigures, A)> = thread::scope(|scope| {
        let others: Vec<_> = (1..n_parts).map(|idx| scope.spawn(move || run(idx))).collect();
        let first = run(0);
        let others =
            others.into_iter().map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        std::iter::once(first).chain(others).collect()
    });
    let mut parts = parts.into_iter();
    let (mut figures, mut accumulated) = parts.next().expect("at least one part");
    for (part_figures, part_accumulated) in parts {
        figures.merge(part_figures);
        accumulated.merge(part_accumulated);
    }
    (figures.finish(data, window, n_parts), accumulated)
}

/// One part's share of [`ConversationFigures`], before the parts are combined.
struct PartFigures {
    n_responses: usize,
    n_within_norm: usize,
    all: Durations,
    first: Durations,
    n_active: usize,
    awaiting_answer: usize,
    /// Bouncing rows with their exact spans, unsorted.
    bouncing: Vec<(SignedDuration, Bouncing)>,
    /// The last message before `to` of each conversation of the part, by part slot.
    last_message: Vec<Vec<Option<Timestamp>>>,
}

impl PartFigures {
    fn merge(&mut self, other: PartFigures) {
        self.n_responses += other.n_responses;
        self.n_within_norm += other.n_within_norm;
        self.all.append(other.all);
        self.first.append(other.first);
        self.n_active += other.n_active;
        self.awaiting_answer += other.awaiting_answer;
        self.bouncing.extend(other.bouncing);
        self.last_message.extend(other.last_message);
    }

    fn finish(mut self, data: &Dataset, window: Window, n_parts: usize) -> ConversationFigures {
        let n_first = self.first.wall.len();
        let all = self.all.quantiles();
        let first = self.first.quantiles();
        sort_bouncing(&mut self.bouncing);
        // Part p holds conversations p, p + n, p + 2n, … at slots 0, 1, 2, …
        let n_conversations = data.conversations.len();
        let last_message = (0..n_conversations)
            .map(|conversation| {
                self.last_message[conversation % n_parts].get(conversation / n_parts).copied().flatten()
            })
            .collect();
        ConversationFigures {
            messages: MessageStats {
                count: messages_in(data, window),
                conversations_active: self.n_active,
                responses: self.n_responses,
            },
            response_time: ResponseStats {
                median_s: all.median_s,
                p90_s: all.p90_s,
                median_working_s: all.median_working_s,
                p90_working_s: all.p90_working_s,
                within_norm_share: (self.n_responses > 0).then(|| self.n_within_norm as f64 / self.n_responses as f64),
                awaiting_answer: self.awaiting_answer,
            },
            first_response: FirstResponseStats {
                count: n_first,
                median_s: first.median_s,
                p90_s: first.p90_s,
                median_working_s: first.median_working_s,
                p90_working_s: first.p90_working_s,
            },
            bouncing: self.bouncing.into_iter().map(|(_, row)| row).collect(),
            last_message,
        }
    }
}

/// One part of [`gather`]: the walk over the conversations of `part`.
fn gather_part<A: Accumulate>(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    since: Timestamp,
    calendars: &Calendars,
    part: Part,
    mut accumulated: A,
) -> (PartFigures, A) {
    let (from, to) = (window.from(), window.to());
    let mut n_responses = 0;
    let mut n_within_norm = 0;
    let mut all = Durations::default();
    let mut first = Durations::default();
    // Per conversation, the accumulator's tag and the conversation's norm, read once from the
    // conversation list at its first message and then kept with the walk's state of it.
    let walked = walk(data, to, part, |message, handoff, state: &mut Option<(A::Tag, SignedDuration)>| {
        let (tag, norm) = *state.get_or_insert_with(|| {
            (accumulated.tag(message.conversation), norm(data, message.conversation, thresholds))
        });
        accumulated.message(message);
        let Some(handoff) = handoff.filter(|handoff| handoff.responded_at >= since) else { return };
        let working = calendars.working_time(handoff.responder, handoff.asked_at, handoff.responded_at);
        if handoff.responded_at >= from {
            let wall = handoff.responded_at.duration_since(handoff.asked_at);
            n_responses += 1;
            n_within_norm += usize::from(working <= norm);
            all.push(wall, working);
            if handoff.first {
                first.push(wall, working);
            }
        }
        accumulated.response(
            &Reply { asker: handoff.asker, responder: handoff.responder, responded_at: handoff.responded_at, working },
            tag,
        );
    });
    let mut n_active = 0;
    let mut awaiting_answer = 0;
    let mut bouncing = Vec::new();
    for (slot, tail, span) in walked.iter() {
        let conversation = part.conversation(slot);
        n_active += usize::from(tail.is_active(from));
        awaiting_answer += usize::from(awaiting(data, window, thresholds, conversation, tail).is_some());
        bouncing.extend(bouncing_row(data, window, thresholds, conversation, tail, span));
    }
    let last_message = vec![walked.tails.iter().map(|tail| tail.as_ref().map(|tail| tail.last_at)).collect()];
    let figures =
        PartFigures { n_responses, n_within_norm, all, first, n_active, awaiting_answer, bouncing, last_message };
    (figures, accumulated)
}

/// The bouncing row of a thread with its exact span, when it bounces (see [`bouncing_threads`]).
fn bouncing_row(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    conversation_idx: usize,
    tail: &Tail<impl Copy>,
    span: SignedDuration,
) -> Option<(SignedDuration, Bouncing)> {
    let conversation = &data.conversations[conversation_idx];
    let bounces = conversation.kind == ConversationKind::Thread
        && tail.is_active(window.from())
        && tail.handoffs >= thresholds.bouncing_handoffs
        && span >= thresholds.bouncing_span
        && !resolved_at(&conversation.resolutions, window.to());
    bounces.then(|| {
        let row = Bouncing {
            conversation: conversation_idx,
            channel: conversation.channel.clone(),
            thread: conversation.title.clone(),
            handoffs: tail.handoffs,
            span_s: whole_seconds(span),
        };
        (span, row)
    })
}

/// Most handoffs first, then longest exact span, then conversation index: a total order.
fn sort_bouncing(bouncing: &mut [(SignedDuration, Bouncing)]) {
    bouncing.sort_by(|(span_a, a), (span_b, b)| {
        b.handoffs.cmp(&a.handoffs).then(span_b.cmp(span_a)).then(a.conversation.cmp(&b.conversation))
    });
}

/// A response before its durations are computed: working time is the expensive part, so only
/// the callers that need it pay for it.
#[derive(Debug, Clone, Copy)]
struct Handoff {
    conversation: usize,
    asker: MemberIdx,
    responder: MemberIdx,
    asked_at: Timestamp,
    responded_at: Timestamp,
    first: bool,
}

impl Handoff {
    fn response(self, calendars: &Calendars) -> Response {
        Response {
            conversation: self.conversation,
            asker: self.asker,
            responder: self.responder,
            asked_at: self.asked_at,
            responded_at: self.responded_at,
            wall: self.responded_at.duration_since(self.asked_at),
            working: calendars.working_time(self.responder, self.asked_at, self.responded_at),
            first: self.first,
        }
    }
}

/// What the walk knows about a conversation after its last message before `to`: its current
/// (last) turn and its handoffs so far; and `T`, what the walk's visitor keeps about it.
///
/// The walk reads and writes a random conversation's tail per message, and at millions of
/// messages over hundreds of thousands of conversations nearly every access misses the cache:
/// a tail is kept to one cache line (the report's fits in 64 bytes) and aligned to it, so that
/// a message costs one miss, not two.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
struct Tail<T = ()> {
    /// The last message, which is also the last message of the last turn.
    last_at: Timestamp,
    turn_author: MemberIdx,
    /// Whether the last turn is the conversation's first.
    first_turn: bool,
    /// Some message of the last turn mentions a member other than its author.
    turn_mentions_other: bool,
    /// The last message ends in `?`.
    last_ends_with_question: bool,
    handoffs: u32,
    visitor: T,
}

impl<T: Default> Tail<T> {
    fn start(message: &Message) -> Tail<T> {
        Tail {
            last_at: message.at,
            turn_author: message.author,
            first_turn: true,
            turn_mentions_other: message.mentions_other,
            last_ends_with_question: message.ends_with_question,
            handoffs: 0,
            visitor: T::default(),
        }
    }
}

impl<T> Tail<T> {
    /// DESIGN: a turn asks when one of its messages mentions another member or its last
    /// message ends in `?`.
    fn asks(&self) -> bool {
        self.turn_mentions_other || self.last_ends_with_question
    }

    /// Whether the conversation has a message in a window starting at `from` (its last message
    /// before `to` is in the window exactly when any is).
    fn is_active(&self, from: Timestamp) -> bool {
        self.last_at >= from
    }
}

/// A share of the conversations: those whose position is `idx` modulo `n`. Interleaving
/// spreads long and short conversations evenly over the parts.
#[derive(Debug, Clone, Copy)]
struct Part<'a> {
    idx: usize,
    n: usize,
    /// The walk over the part stops early once this is cancelled (what it returns is then
    /// partial, and thrown away).
    cancel: &'a Cancel,
}

impl Part<'_> {
    const WHOLE: Part<'static> = Part { idx: 0, n: 1, cancel: &Cancel::NEVER };

    fn contains(self, conversation: usize) -> bool {
        conversation % self.n == self.idx
    }

    /// The position in the part's state of a conversation of the part.
    fn slot(self, conversation: usize) -> usize {
        conversation / self.n
    }

    /// The conversation at `slot`.
    fn conversation(self, slot: usize) -> usize {
        slot * self.n + self.idx
    }

    /// How many of `n_conversations` conversations the part holds.
    fn len(self, n_conversations: usize) -> usize {
        n_conversations.saturating_sub(self.idx).div_ceil(self.n)
    }
}

/// What [`walk`] knows at the end about each conversation of its part, by [`Part::slot`].
struct Walked<T> {
    /// `None` for a conversation with no message before `to`.
    tails: Vec<Option<Tail<T>>>,
    /// The time of the first message, where there is a tail. Kept apart from the tails, which
    /// the walk reads per message, because only the span of a thread needs it.
    first_at: Vec<Timestamp>,
}

impl<T> Walked<T> {
    /// The tails of the part's conversations that have one, with their slot and the span from
    /// their first to their last message before `to`.
    fn iter(&self) -> impl Iterator<Item = (usize, &Tail<T>, SignedDuration)> {
        self.tails.iter().zip(&self.first_at).enumerate().filter_map(|(slot, (tail, first_at))| {
            tail.as_ref().map(|tail| (slot, tail, tail.last_at.duration_since(*first_at)))
        })
    }
}

/// Walks the messages before `to` once, in (time, message id) order, calling `visit` for every
/// message of the `part`'s conversations with the response it makes when it starts a turn that
/// answers another, and with the visitor's own state of the conversation (`T::default()` at
/// first); returns what it knows about each of them at the end.
fn walk<T: Copy + Default>(
    data: &Dataset,
    to: Timestamp,
    part: Part,
    mut visit: impl FnMut(&Message, Option<Handoff>, &mut T),
) -> Walked<T> {
    let n_slots = part.len(data.conversations.len());
    let mut tails: Vec<Option<Tail<T>>> = vec![None; n_slots];
    let mut first_at = vec![Timestamp::UNIX_EPOCH; n_slots];
    for (n, message) in messages_before(data, to).enumerate() {
        if n % CANCEL_EVERY == 0 && part.cancel.is_cancelled() {
            break;
        }
        if !part.contains(message.conversation) {
            continue;
        }
        let slot_idx = part.slot(message.conversation);
        let slot = &mut tails[slot_idx];
        let Some(tail) = slot else {
            let tail = slot.insert(Tail::start(message));
            first_at[slot_idx] = message.at;
            visit(message, None, &mut tail.visitor);
            continue;
        };
        let mut handoff = None;
        if message.author != tail.turn_author {
            handoff = Some(Handoff {
                conversation: message.conversation,
                asker: tail.turn_author,
                responder: message.author,
                asked_at: tail.last_at,
                responded_at: message.at,
                first: tail.first_turn,
            });
            tail.turn_author = message.author;
            tail.first_turn = false;
            tail.turn_mentions_other = false;
            tail.handoffs = tail.handoffs.saturating_add(1);
        }
        tail.last_at = message.at;
        tail.turn_mentions_other |= message.mentions_other;
        tail.last_ends_with_question = message.ends_with_question;
        visit(message, handoff, &mut tail.visitor);
    }
    Walked { tails, first_at }
}

/// The messages before `at`: a prefix, since messages are sorted by (time, id).
fn messages_before(data: &Dataset, at: Timestamp) -> impl DoubleEndedIterator<Item = &Message> + Clone + '_ {
    data.messages.before(at)
}

/// How many messages are in `window`.
fn messages_in(data: &Dataset, window: Window) -> usize {
    data.messages.count_before(window.to()) - data.messages.count_before(window.from())
}

/// The conversation's reply norm in working time.
fn norm(data: &Dataset, conversation: usize, thresholds: &Thresholds) -> SignedDuration {
    data.conversations[conversation].norm.unwrap_or(thresholds.default_norm)
}

/// Whether the last resolution change before `to` resolved the thread; no change means open.
fn resolved_at(resolutions: &[(Timestamp, bool)], to: Timestamp) -> bool {
    let n_before = resolutions.partition_point(|(at, _)| *at < to);
    n_before > 0 && resolutions[n_before - 1].1
}

/// `a()` and `b()`, on two threads when `parallel` (the caller's judgement that the work is
/// worth a thread), else one after the other.
pub(crate) fn join<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        return (a(), b());
    }
    thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        (a.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), b)
    })
}

/// Populations from this size on are worth a second thread in [`join`] (a thread costs tens of
/// microseconds; selecting over a million durations, milliseconds).
pub(crate) const PARALLEL_MIN_LEN: usize = 100_000;

/// The people's calendars with duplicates folded: people mostly share a few calendars (a zone
/// and the default hours), and asking one calendar per zone keeps its transition table in cache
/// where thousands of copies would each miss it. Calendars with the same zone and hours compute
/// the same working time, so which copy answers does not matter.
struct Calendars<'a> {
    distinct: Vec<&'a Calendar>,
    /// An index of each of `distinct` over one span, or none.
    indexes: Vec<WorkingTimeIndex<'a>>,
    /// For each person, the position of their calendar in `distinct`.
    of_person: Vec<usize>,
    workspace: &'a Calendar,
}

/// How long before the responses [`gather`] hands on the calendars' indexes start: most turns
/// are answered within weeks.
const INDEX_LEAD: SignedDuration = SignedDuration::from_hours(24 * 60);

/// The longest span [`gather`] indexes the calendars over.
const INDEX_MAX_SPAN: SignedDuration = SignedDuration::from_hours(24 * 36_525);

impl<'a> Calendars<'a> {
    fn new(data: &'a Dataset) -> Calendars<'a> {
        let mut distinct: Vec<&Calendar> = Vec::new();
        // Candidates by zone name, so that thousands of people cost a few comparisons each.
        let mut by_zone: std::collections::HashMap<Option<&str>, Vec<usize>> = std::collections::HashMap::new();
        let of_person = data
            .people
            .iter()
            .map(|person| {
                let calendar = &person.calendar;
                let candidates = by_zone.entry(calendar.zone().iana_name()).or_default();
                let same = candidates.iter().copied().find(|&idx| {
                    let other = distinct[idx];
                    other.zone() == calendar.zone() && other.hours() == calendar.hours()
                });
                same.unwrap_or_else(|| {
                    distinct.push(calendar);
                    candidates.push(distinct.len() - 1);
                    distinct.len() - 1
                })
            })
            .collect();
        Calendars { distinct, indexes: Vec::new(), of_person, workspace: &data.workspace_calendar }
    }

    /// The same calendars, each indexed over `[from, to]` (see [`WorkingTimeIndex`]): a report's
    /// millions of responses then cost a lookup each instead of the calendar arithmetic.
    fn indexed(mut self, from: Timestamp, to: Timestamp) -> Calendars<'a> {
        self.indexes = self.distinct.iter().map(|calendar| calendar.index(from, to)).collect();
        self
    }

    /// The working time in `member`'s calendar, or the workspace's for someone not in the list
    /// (as [`Dataset::calendar_of`]).
    fn working_time(&self, member: MemberIdx, from: Timestamp, to: Timestamp) -> SignedDuration {
        let Some(&idx) = self.of_person.get(member) else { return self.workspace.working_time(from, to) };
        match self.indexes.get(idx) {
            Some(index) => index.working_time(from, to),
            None => self.distinct[idx].working_time(from, to),
        }
    }
}

/// Exact wall-clock and working durations of a population of responses.
#[derive(Debug, Default)]
struct Durations {
    wall: Vec<SignedDuration>,
    working: Vec<SignedDuration>,
}

/// Nearest-rank quantiles of a [`Durations`], floored to whole seconds.
struct Quantiles {
    median_s: Option<i64>,
    p90_s: Option<i64>,
    median_working_s: Option<i64>,
    p90_working_s: Option<i64>,
}

impl Durations {
    fn push(&mut self, wall: SignedDuration, working: SignedDuration) {
        self.wall.push(wall);
        self.working.push(working);
    }

    fn append(&mut self, mut other: Durations) {
        self.wall.append(&mut other.wall);
        self.working.append(&mut other.working);
    }

    fn quantiles(mut self) -> Quantiles {
        let parallel = self.wall.len() >= PARALLEL_MIN_LEN;
        let (wall, working) = join(
            parallel,
            || nearest_ranks(&mut self.wall, [0.5, 0.9]),
            || nearest_ranks(&mut self.working, [0.5, 0.9]),
        );
        let [median_s, p90_s] = wall.map(|q| q.map(whole_seconds));
        let [median_working_s, p90_working_s] = working.map(|q| q.map(whole_seconds));
        Quantiles { median_s, p90_s, median_working_s, p90_working_s }
    }
}

#[cfg(test)]
mod tests;
