//! The report: every metric over one window, shaped as DESIGN.md's `baton report --format json`.
//! Field names are a contract; new fields may be added, none renamed.

use serde::Serialize;

use crate::cancel::{Cancel, Cancelled};
use crate::conversations::{self, Bouncing, FirstResponseStats, MessageStats, ResponseStats};
use crate::dataset::Dataset;
use crate::lagging::{Groups, LaggingTally};
use crate::people::{self, Collaboration, Isolation, MemberRow};
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
///
/// The figures that need turns come from one walk over the messages
/// ([`conversations::gather`], split by conversation over the cores), which also feeds the
/// lagging and collaboration tallies, so no part of the report walks the messages again or
/// recomputes a response's working time.
pub fn report(data: &Dataset, window: Window, thresholds: &Thresholds) -> Report {
    match report_in_parts(data, window, thresholds, conversations::default_parts(), &Cancel::NEVER) {
        Ok(report) => report,
        Err(Cancelled) => unreachable!("a report that cannot be cancelled was"),
    }
}

/// [`report`], stopped early once `cancel` is cancelled.
pub fn report_until(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    cancel: &Cancel,
) -> Result<Report, Cancelled> {
    report_in_parts(data, window, thresholds, conversations::default_parts(), cancel)
}

/// [`report`] with the walk in `n_parts` parts (tests check that the count changes nothing).
fn report_in_parts(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    n_parts: usize,
    cancel: &Cancel,
) -> Result<Report, Cancelled> {
    let groups = Groups::of(data, window.to());
    // Responses from the start of the isolation span on feed the collaborators; the span may
    // start before the window.
    let since = people::isolation_span_start(window, thresholds).min(window.from());
    let (figures, (lagging_tally, collaboration)) = conversations::gather_in_parts(
        data,
        window,
        thresholds,
        since,
        || (LaggingTally::new(&groups, data, window), Collaboration::new(data, window, thresholds)),
        n_parts,
        cancel,
    );
    // A cancelled walk stopped early: its figures are partial.
    cancel.check()?;
    let task_facts = tasks::task_facts(data, window, thresholds, &figures.last_message);
    let (members, isolation) = collaboration.finish(data, thresholds);
    cancel.check()?;
    Ok(Report {
        window: WindowJson { from: window.from().to_string(), to: window.to().to_string() },
        messages: figures.messages,
        response_time: figures.response_time,
        first_response: figures.first_response,
        bouncing_threads: figures.bouncing.into_iter().map(Into::into).collect(),
        tasks: tasks::stats_of(&task_facts),
        members,
        isolation,
        mode_mix: crate::mode_mix::mode_mix(data, window),
        lagging: lagging_tally.finish(data, &task_facts),
    })
}

#[cfg(test)]
mod tests;
