//! The report: every metric over one window, shaped as DESIGN.md's `baton report --format json`.
//! Field names are a contract; new fields may be added, none renamed.

use serde::Serialize;

use crate::conversations::{self, Bouncing, FirstResponseStats, MessageStats, ResponseStats};
use crate::dataset::Dataset;
use crate::people::{self, Isolation, MemberRow};
use crate::tasks;
use crate::window::{Thresholds, Window};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub window: WindowJson,
    pub messages: MessageStats,
    pub response_time: ResponseStats,
    pub first_response: FirstResponseStats,
    pub bouncing_threads: Vec<BouncingJson>,
    pub tasks: tasks::TaskStats,
    pub members: Vec<MemberRow>,
    pub isolation: Isolation,
    pub mode_mix: crate::mode_mix::ModeMix,
    pub lagging: crate::lagging::Lagging,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowJson {
    /// RFC 3339.
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BouncingJson {
    /// Position in [`Dataset::conversations`], so that a caller can filter by visibility.
    #[serde(skip)]
    pub conversation: usize,
    pub channel: String,
    pub thread: String,
    pub handoffs: u32,
    pub span_s: i64,
}

impl From<Bouncing> for BouncingJson {
    fn from(b: Bouncing) -> BouncingJson {
        BouncingJson {
            conversation: b.conversation,
            channel: b.channel,
            thread: b.thread,
            handoffs: b.handoffs,
            span_s: b.span_s,
        }
    }
}

/// Computes every metric of the report over `window`.
pub fn report(data: &Dataset, window: Window, thresholds: &Thresholds) -> Report {
    let responses = conversations::responses(data, window.to());
    let (response_time, first_response) = conversations::response_stats(data, window, thresholds);
    let (members, isolation) = people::members_and_isolation(data, window, thresholds, &responses);
    Report {
        window: WindowJson { from: window.from().to_string(), to: window.to().to_string() },
        messages: conversations::message_stats(data, window),
        response_time,
        first_response,
        bouncing_threads: conversations::bouncing_threads(data, window, thresholds)
            .into_iter()
            .map(Into::into)
            .collect(),
        tasks: tasks::task_stats(data, window, thresholds),
        members,
        isolation,
        mode_mix: crate::mode_mix::mode_mix(data, window),
        lagging: crate::lagging::lagging_with(data, window, thresholds, &responses),
    }
}

#[cfg(test)]
mod tests;
