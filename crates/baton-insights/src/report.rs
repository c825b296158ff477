//! The report: every metric over one window, shaped as DESIGN.md's `baton report --format json`.
//! Field names are a contract; new fields may be added, none renamed.

use serde::Serialize;

use crate::conversations::{self, Bouncing};
use crate::dataset::Dataset;
use crate::people::{self, Isolation, MemberRow};
use crate::tasks;
use crate::window::{Thresholds, Window};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub window: WindowJson,
    pub messages: MessagesJson,
    pub response_time: ResponseTimeJson,
    pub first_response: FirstResponseJson,
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
pub struct MessagesJson {
    pub count: usize,
    pub conversations_active: usize,
    pub responses: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseTimeJson {
    pub median_s: Option<i64>,
    pub p90_s: Option<i64>,
    pub median_working_s: Option<i64>,
    pub p90_working_s: Option<i64>,
    pub within_norm_share: Option<f64>,
    pub awaiting_answer: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirstResponseJson {
    pub count: usize,
    pub median_s: Option<i64>,
    pub p90_s: Option<i64>,
    pub median_working_s: Option<i64>,
    pub p90_working_s: Option<i64>,
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
    let stats = conversations::message_stats(data, window);
    let (response_time, first_response) = conversations::response_stats(data, window, thresholds);
    let (members, isolation) = people::members_and_isolation(data, window, thresholds, &responses);
    Report {
        window: WindowJson { from: window.from().to_string(), to: window.to().to_string() },
        messages: MessagesJson {
            count: stats.count,
            conversations_active: stats.conversations_active,
            responses: stats.responses,
        },
        response_time: ResponseTimeJson {
            median_s: response_time.median_s,
            p90_s: response_time.p90_s,
            median_working_s: response_time.median_working_s,
            p90_working_s: response_time.p90_working_s,
            within_norm_share: response_time.within_norm_share,
            awaiting_answer: response_time.awaiting_answer,
        },
        first_response: FirstResponseJson {
            count: first_response.count,
            median_s: first_response.median_s,
            p90_s: first_response.p90_s,
            median_working_s: first_response.median_working_s,
            p90_working_s: first_response.p90_working_s,
        },
        bouncing_threads: conversations::bouncing_threads(data, window, thresholds)
            .into_iter()
            .map(Into::into)
            .collect(),
        tasks: tasks::task_stats(data, window, thresholds),
        members,
        isolation,
        mode_mix: crate::mode_mix::mode_mix(data, window),
        lagging: crate::lagging::lagging(data, window, thresholds),
    }
}

#[cfg(test)]
mod tests;
