//! Turns, responses, first responses, awaiting answers, handoffs and bouncing threads, exactly
//! as DESIGN.md ("Insight metrics (exact definitions)") defines them.
//!
//! Everything here reads one prefix of [`Dataset::messages`]: the messages before the report's
//! `to`, because a report sees the workspace as it was at `to` and later events do not exist for
//! it. That prefix is walked once, in (time, id) order, with a small fixed state per
//! conversation, so the work is linear in the number of messages and the only allocations are
//! the per-conversation state and the output. Turns and handoffs always start from the
//! conversation's first message, wherever the window starts.

use jiff::{SignedDuration, Timestamp};

use crate::dataset::{ConversationKind, Dataset, MemberIdx, Message};
use crate::quantile::{nearest_rank, whole_seconds};
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
    let mut responses = Vec::new();
    walk(data, to, |handoff| responses.push(handoff.response(data)));
    // The walk yields (time, message id) order; the stable sort only reorders responses of
    // different conversations at the same instant.
    responses.sort_by_key(|response| (response.responded_at, response.conversation));
    responses
}

/// Message counts over `window` (see [`MessageStats`]).
pub fn message_stats(data: &Dataset, window: Window) -> MessageStats {
    let (from, to) = (window.from(), window.to());
    let mut n_responses = 0;
    let tails = walk(data, to, |handoff| n_responses += usize::from(handoff.responded_at >= from));
    MessageStats {
        count: messages_before(data, to).len() - messages_before(data, from).len(),
        // A conversation's last message before `to` is in the window exactly when any is.
        conversations_active: tails.iter().flatten().filter(|tail| tail.last_at >= from).count(),
        responses: n_responses,
    }
}

/// Response times, first responses and awaiting answers over `window` (see [`ResponseStats`]
/// and [`FirstResponseStats`]).
pub fn response_stats(data: &Dataset, window: Window, thresholds: &Thresholds) -> (ResponseStats, FirstResponseStats) {
    let (from, to) = (window.from(), window.to());
    let mut all = Durations::default();
    let mut first = Durations::default();
    let mut n_within_norm = 0usize;
    let tails = walk(data, to, |handoff| {
        if handoff.responded_at < from {
            return;
        }
        let response = handoff.response(data);
        n_within_norm += usize::from(response.working <= norm(data, response.conversation, thresholds));
        all.push(&response);
        if response.first {
            first.push(&response);
        }
    });
    // Only a conversation's last turn can be awaiting: any earlier turn is followed by a turn of
    // another author, because turns are maximal.
    let awaiting_answer = tails
        .iter()
        .enumerate()
        .filter_map(|(conversation, tail)| tail.as_ref().map(|tail| (conversation, tail)))
        .filter(|(_, tail)| tail.last_at >= from && tail.asks())
        .filter(|(conversation, tail)| {
            data.workspace_calendar.working_time(tail.last_at, to) > norm(data, *conversation, thresholds)
        })
        .count();
    let n_responses = all.wall.len();
    let all = all.quantiles();
    let within_norm_share = (n_responses > 0).then(|| n_within_norm as f64 / n_responses as f64);
    let response_stats = ResponseStats {
        median_s: all.median_s,
        p90_s: all.p90_s,
        median_working_s: all.median_working_s,
        p90_working_s: all.p90_working_s,
        within_norm_share,
        awaiting_answer,
    };
    let n_first = first.wall.len();
    let first = first.quantiles();
    let first_stats = FirstResponseStats {
        count: n_first,
        median_s: first.median_s,
        p90_s: first.p90_s,
        median_working_s: first.median_working_s,
        p90_working_s: first.p90_working_s,
    };
    (response_stats, first_stats)
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
    let (from, to) = (window.from(), window.to());
    let tails = walk(data, to, |_| {});
    let mut bouncing: Vec<(SignedDuration, Bouncing)> = tails
        .iter()
        .enumerate()
        .filter_map(|(conversation_idx, tail)| {
            let tail = tail.as_ref()?;
            let conversation = &data.conversations[conversation_idx];
            let span = tail.last_at.duration_since(tail.first_at);
            let bounces = conversation.kind == ConversationKind::Thread
                && tail.last_at >= from
                && tail.handoffs >= thresholds.bouncing_handoffs
                && span >= thresholds.bouncing_span
                && !resolved_at(&conversation.resolutions, to);
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
        })
        .collect();
    bouncing.sort_by(|(span_a, a), (span_b, b)| {
        b.handoffs.cmp(&a.handoffs).then(span_b.cmp(span_a)).then(a.conversation.cmp(&b.conversation))
    });
    bouncing.into_iter().map(|(_, row)| row).collect()
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
    fn response(self, data: &Dataset) -> Response {
        Response {
            conversation: self.conversation,
            asker: self.asker,
            responder: self.responder,
            asked_at: self.asked_at,
            responded_at: self.responded_at,
            wall: self.responded_at.duration_since(self.asked_at),
            working: data.calendar_of(Some(self.responder)).working_time(self.asked_at, self.responded_at),
            first: self.first,
        }
    }
}

/// What the walk knows about a conversation after its last message before `to`: its current
/// (last) turn, its first message and its handoffs so far.
#[derive(Debug, Clone, Copy)]
struct Tail {
    first_at: Timestamp,
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
}

impl Tail {
    fn start(message: &Message) -> Tail {
        Tail {
            first_at: message.at,
            last_at: message.at,
            turn_author: message.author,
            first_turn: true,
            turn_mentions_other: message.mentions_other,
            last_ends_with_question: message.ends_with_question,
            handoffs: 0,
        }
    }

    /// DESIGN: a turn asks when one of its messages mentions another member or its last
    /// message ends in `?`.
    fn asks(&self) -> bool {
        self.turn_mentions_other || self.last_ends_with_question
    }
}

/// Walks the messages before `to` once, calling `on_handoff` for every response in (time,
/// message id) order of the responding message, and returns each conversation's [`Tail`]
/// (`None` for a conversation with no message before `to`), indexed like
/// [`Dataset::conversations`].
fn walk(data: &Dataset, to: Timestamp, mut on_handoff: impl FnMut(Handoff)) -> Vec<Option<Tail>> {
    let mut tails: Vec<Option<Tail>> = vec![None; data.conversations.len()];
    for message in messages_before(data, to) {
        let Some(tail) = &mut tails[message.conversation] else {
            tails[message.conversation] = Some(Tail::start(message));
            continue;
        };
        if message.author != tail.turn_author {
            on_handoff(Handoff {
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
    }
    tails
}

/// The messages before `at`: a prefix, since messages are sorted by (time, id).
fn messages_before(data: &Dataset, at: Timestamp) -> &[Message] {
    &data.messages[..data.messages.partition_point(|message| message.at < at)]
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
    fn push(&mut self, response: &Response) {
        self.wall.push(response.wall);
        self.working.push(response.working);
    }

    fn quantiles(mut self) -> Quantiles {
        self.wall.sort_unstable();
        self.working.sort_unstable();
        let seconds = |sorted: &[SignedDuration], q: f64| nearest_rank(sorted, q).map(whole_seconds);
        Quantiles {
            median_s: seconds(&self.wall, 0.5),
            p90_s: seconds(&self.wall, 0.9),
            median_working_s: seconds(&self.working, 0.5),
            p90_working_s: seconds(&self.working, 0.9),
        }
    }
}

#[cfg(test)]
mod tests;
