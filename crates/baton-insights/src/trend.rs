//! Week by week task figures across a report's window, for the trend chart of the HTML report.
//!
//! Each point is [`crate::tasks::task_stats`] over one week of the window, so its numbers are
//! exactly the report's, only over a shorter window: the stall rate is a state at the week's end
//! (stalled ÷ open at that `to`, whenever the tasks were created), and the completion rate is
//! over the tasks whose due date starts in that week.
//!
//! Weeks are 7 × 24 h of wall-clock time from the window's `from` (as [`crate::mode_mix`] counts
//! weeks), not calendar weeks of some zone: a window that starts on a Monday midnight gives
//! Monday-to-Monday weeks in its own offset, and no week is an hour short across a DST change.
//! The last week is cut at the window's `to`, so the weeks tile `[from, to)` exactly.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::dataset::Dataset;
use crate::tasks::task_stats;
use crate::window::{Thresholds, Window};

/// The length of one step of the trend.
const WEEK: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The task figures of one week `[from, to)` of a report's window. Rates are fractions in
/// `[0, 1]`, `None` when their population is empty (no open task at `to`, no task due in the
/// week), never 0 or NaN.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekPoint {
    /// The week's start, RFC 3339 when serialized.
    pub from: Timestamp,
    /// The week's end (exclusive): 7 days after `from`, or the window's `to` for the last week.
    pub to: Timestamp,
    /// `stalled ÷ open` at `to`.
    pub stall_rate: Option<f64>,
    /// `done_on_time ÷ due`.
    pub completion_rate: Option<f64>,
    /// Tasks open at `to`, whenever created.
    pub open: usize,
    /// Of `open`, those stalled at `to`.
    pub stalled: usize,
    /// Tasks (created before `to`) whose due date starts in the week.
    pub due: usize,
    /// Of `due`, those done before their due date ended.
    pub done_on_time: usize,
}

/// The weeks of `window`, in order, each with its task figures (see the module docs). Never
/// empty: a window shorter than a week is one (short) week.
pub fn weekly_trend(data: &Dataset, window: Window, thresholds: &Thresholds) -> Vec<WeekPoint> {
    weeks(window)
        .map(|week| {
            let stats = task_stats(data, week, thresholds);
            WeekPoint {
                from: week.from(),
                to: week.to(),
                stall_rate: stats.stall_rate,
                completion_rate: stats.completion_rate,
                open: stats.open,
                stalled: stats.stalled,
                due: stats.due,
                done_on_time: stats.done_on_time,
            }
        })
        .collect()
}

/// The 7-day steps of `window`, the last one cut at `to`.
fn weeks(window: Window) -> impl Iterator<Item = Window> {
    let to = window.to();
    std::iter::successors(Some(window.from()), move |from| {
        // Past jiff's last instant there is no next week; `to` is before it anyway.
        from.checked_add(WEEK).ok().filter(|next| *next < to)
    })
    .map(move |from| {
        let end = from.checked_add(WEEK).map_or(to, |end| end.min(to));
        Window::new(from, end).expect("every step starts before `to`, and its end is after it or `to`")
    })
}

#[cfg(test)]
mod tests;
