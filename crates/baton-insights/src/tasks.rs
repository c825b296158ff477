//! Task state at `to`, stalled tasks, cycle time and completion (DESIGN.md, "Insight metrics":
//! "Task state at `to`", "Stalled", "Stall rate", "Cycle time", "Completion rate", and the
//! readings on due dates, `created`/`done`/`open`, unassigned tasks and last activity).
//!
//! A report sees a task as it was at `to`: a task created at or after `to` does not exist, and
//! neither does any change or thread message at or after `to`. Every function here therefore
//! takes `to` and reads only what happened strictly before it.
//!
//! Due dates are calendar dates in the workspace zone. A date *starts* at its local midnight
//! resolved in that zone the way jiff's [`Date::to_zoned`] resolves it ("compatible"
//! disambiguation, as the calendars do): where clocks spring forward over midnight, the day
//! starts at the first instant that exists on it (e.g. 01:00); where midnight happens twice,
//! at the earlier one. A date *ends* where the next date starts.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use baton_core::model::TaskStatus;

use crate::dataset::{Dataset, MemberIdx, Task, TaskChange};
use crate::quantile::{nearest_ranks, whole_seconds};
use crate::window::{Thresholds, Window};

/// Where a task stands at a report's `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Done before `to`.
    Done {
        /// When the status in force at `to` was set: the last status change before `to`, or
        /// the creation for a task created done. This is `done_at` for cycle time and on time.
        at: Timestamp,
    },
    /// Cancelled before `to`.
    Cancelled {
        /// As for [`TaskState::Done`].
        at: Timestamp,
    },
    /// Any other status: `todo`, `in_progress`, `blocked`, or reopened after being closed.
    Open,
}

/// The task figures of a report over `[from, to)`. Rates are fractions in `[0, 1]` and durations
/// whole seconds (floored); each is `None` when its population is empty, never 0 or NaN.
/// Serialized as the report's `tasks` object (DESIGN.md: `baton report --format json`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct TaskStats {
    /// Tasks created in `[from, to)`.
    pub created: usize,
    /// Tasks done in `[from, to)` and still done at `to`.
    pub done: usize,
    /// Tasks open at `to`, whenever they were created.
    pub open: usize,
    /// Open tasks that are stalled at `to` (see [`is_stalled`]).
    pub stalled: usize,
    /// `stalled ÷ open`.
    pub stall_rate: Option<f64>,
    /// Tasks created before `to` whose due date (as of `to`) starts in `[from, to)`, whatever
    /// their state: cancelled and open ones count here.
    pub due: usize,
    /// Of `due`, those done (as of `to`) strictly before their due date ended.
    pub done_on_time: usize,
    /// `done_on_time ÷ due`.
    pub completion_rate: Option<f64>,
    /// Median of `done_at − created_at` over the tasks done in the window, wall-clock seconds.
    pub cycle_median_s: Option<i64>,
    /// 90th percentile of the same, wall-clock seconds.
    pub cycle_p90_s: Option<i64>,
    /// Median of the working time from creation to done, in the assignee's calendar at `to`
    /// (the workspace calendar when unassigned), seconds.
    pub cycle_median_working_s: Option<i64>,
    /// 90th percentile of the same working time, seconds.
    pub cycle_p90_working_s: Option<i64>,
}

/// The task's state at `to`, or `None` when it was not created before `to` (it does not exist
/// for that report). Only status changes before `to` count, so a task done at exactly `to` is
/// still open, and one reopened before `to` is open again.
pub fn state_at(task: &Task, to: Timestamp) -> Option<TaskState> {
    (task.created_at < to).then(|| AtTo::of(task, to).state())
}

/// The task's assignee at `to`: the last reassignment before `to`, else the assignee at creation.
pub fn assignee_at(task: &Task, to: Timestamp) -> Option<MemberIdx> {
    AtTo::of(task, to).assignee
}

/// The task's due date at `to`: the last due-date change before `to`, else the one at creation.
pub fn due_at(task: &Task, to: Timestamp) -> Option<Date> {
    AtTo::of(task, to).due
}

/// The latest of the task's creation, its changes before `to` and the messages in its thread
/// before `to` (DESIGN.md: "the latest event on the task or message in its thread before `to`").
pub fn last_activity(data: &Dataset, task: &Task, to: Timestamp) -> Timestamp {
    AtTo::of(task, to).last_activity(last_thread_message(data, task, to))
}

/// Whether the task is open at `to` and has had no activity for at least
/// `thresholds.stalled_after` of working time (inclusive, exact to the nanosecond) in the
/// calendar of its assignee at `to`, or the workspace calendar when unassigned.
pub fn is_stalled(data: &Dataset, task: &Task, to: Timestamp, thresholds: &Thresholds) -> bool {
    if task.created_at >= to {
        return false;
    }
    let at_to = AtTo::of(task, to);
    at_to.state() == TaskState::Open && {
        let since = at_to.last_activity(last_thread_message(data, task, to));
        data.calendar_of(at_to.assignee).working_time(since, to) >= thresholds.stalled_after
    }
}

/// Positions in [`Dataset::tasks`] of the tasks stalled at the window's `to`, in ascending order.
/// Stalling is a state at `to`, so `from` plays no part: an old task can be stalled.
pub fn stalled_tasks(data: &Dataset, window: Window, thresholds: &Thresholds) -> Vec<usize> {
    let facts = task_facts(data, window, thresholds, &thread_last_messages(data, window.to()));
    facts.iter().enumerate().filter(|(_, facts)| facts.is_some_and(|facts| facts.stalled)).map(|(idx, _)| idx).collect()
}

/// The task figures over `window` (see [`TaskStats`] for each one's definition).
pub fn task_stats(data: &Dataset, window: Window, thresholds: &Thresholds) -> TaskStats {
    stats_of(&task_facts(data, window, thresholds, &thread_last_messages(data, window.to())))
}

/// A task as a report over a window sees it at `to`: what [`TaskStats`] and the lagging rows
/// count, computed once per report for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskFacts {
    pub state: TaskState,
    /// The assignee at `to`.
    pub assignee: Option<MemberIdx>,
    pub created_in_window: bool,
    /// Open at `to` and stalled (see [`is_stalled`]).
    pub stalled: bool,
    /// `None` when its due date (as of `to`) does not start in the window; else whether it was
    /// done on time.
    pub due: Option<bool>,
    /// For a task done in the window: wall-clock and working time (assignee's calendar) from
    /// creation to done.
    pub cycle: Option<(SignedDuration, SignedDuration)>,
}

/// For each task of [`Dataset::tasks`] (by position), its [`TaskFacts`], or `None` when it was
/// not created before `to`. `thread_last` holds, for each conversation, the time of its last
/// message before `to`.
pub(crate) fn task_facts(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    thread_last: &[Option<Timestamp>],
) -> Vec<Option<TaskFacts>> {
    let to = window.to();
    let zone = data.workspace_calendar.zone();
    data.tasks
        .iter()
        .map(|task| {
            if task.created_at >= to {
                return None;
            }
            let at_to = AtTo::of(task, to);
            let state = at_to.state();
            let cycle = match state {
                TaskState::Done { at } if window.contains(at) => Some((
                    at.duration_since(task.created_at),
                    data.calendar_of(at_to.assignee).working_time(task.created_at, at),
                )),
                _ => None,
            };
            Some(TaskFacts {
                state,
                assignee: at_to.assignee,
                created_in_window: window.contains(task.created_at),
                stalled: stalled_with(data, &at_to, thread_last, task, to, thresholds),
                due: due_in_window(at_to.due, zone, window, state),
                cycle,
            })
        })
        .collect()
}

/// [`TaskStats`] from the facts of every task.
pub(crate) fn stats_of(facts: &[Option<TaskFacts>]) -> TaskStats {
    let mut stats = TaskStats::default();
    let mut cycles_wall = Vec::new();
    let mut cycles_working = Vec::new();
    for facts in facts.iter().flatten() {
        stats.created += usize::from(facts.created_in_window);
        if let Some((wall, working)) = facts.cycle {
            stats.done += 1;
            cycles_wall.push(wall);
            cycles_working.push(working);
        }
        if facts.state == TaskState::Open {
            stats.open += 1;
            stats.stalled += usize::from(facts.stalled);
        }
        if let Some(on_time) = facts.due {
            stats.due += 1;
            stats.done_on_time += usize::from(on_time);
        }
    }
    stats.stall_rate = ratio(stats.stalled, stats.open);
    stats.completion_rate = ratio(stats.done_on_time, stats.due);
    [stats.cycle_median_s, stats.cycle_p90_s] =
        nearest_ranks(&mut cycles_wall, [0.5, 0.9]).map(|q| q.map(whole_seconds));
    [stats.cycle_median_working_s, stats.cycle_p90_working_s] =
        nearest_ranks(&mut cycles_working, [0.5, 0.9]).map(|q| q.map(whole_seconds));
    stats
}

/// A task's status, assignee and due date as of `to`, read in one pass over its changes.
struct AtTo {
    created_at: Timestamp,
    status: TaskStatus,
    /// When `status` was set: the last status change before `to`, else the creation.
    status_at: Timestamp,
    assignee: Option<MemberIdx>,
    due: Option<Date>,
    /// The last change of any kind before `to`.
    last_change: Option<Timestamp>,
}

impl AtTo {
    fn of(task: &Task, to: Timestamp) -> AtTo {
        let mut at_to = AtTo {
            created_at: task.created_at,
            status: task.status,
            status_at: task.created_at,
            assignee: task.assignee,
            due: task.due,
            last_change: None,
        };
        // Filtered rather than cut at the first change at or after `to`, so a change list that
        // is out of order still never leaks the future.
        for (at, change) in task.changes.iter().filter(|(at, _)| *at < to) {
            match change {
                TaskChange::Status(status) => (at_to.status, at_to.status_at) = (*status, *at),
                TaskChange::Assigned(assignee) => at_to.assignee = *assignee,
                TaskChange::Due(due) => at_to.due = *due,
                TaskChange::Updated => {}
            }
            at_to.last_change = at_to.last_change.max(Some(*at));
        }
        at_to
    }

    fn state(&self) -> TaskState {
        match self.status {
            TaskStatus::Done => TaskState::Done { at: self.status_at },
            TaskStatus::Cancelled => TaskState::Cancelled { at: self.status_at },
            TaskStatus::Todo | TaskStatus::InProgress | TaskStatus::Blocked => TaskState::Open,
        }
    }

    /// The latest of creation, the last change and `thread_last` (the last message in the
    /// task's thread before `to`).
    fn last_activity(&self, thread_last: Option<Timestamp>) -> Timestamp {
        // `None` orders before every `Some`, so the `max` of the options is the later activity.
        self.last_change.max(thread_last).map_or(self.created_at, |latest| latest.max(self.created_at))
    }
}

/// [`is_stalled`] for a task already read at `to`, with the thread's last messages precomputed
/// so a report costs one pass over the messages rather than one per task.
fn stalled_with(
    data: &Dataset,
    at_to: &AtTo,
    thread_last: &[Option<Timestamp>],
    task: &Task,
    to: Timestamp,
    thresholds: &Thresholds,
) -> bool {
    at_to.state() == TaskState::Open && {
        let thread_last = task.conversation.and_then(|conversation| thread_last.get(conversation).copied().flatten());
        let since = at_to.last_activity(thread_last);
        data.calendar_of(at_to.assignee).working_time(since, to) >= thresholds.stalled_after
    }
}

/// The time of the last message before `to` in the task's thread.
fn last_thread_message(data: &Dataset, task: &Task, to: Timestamp) -> Option<Timestamp> {
    let conversation = task.conversation?;
    data.messages.before(to).rev().find(|m| m.conversation == conversation).map(|m| m.at)
}

/// For every conversation (by position), the time of its last message before `to`.
pub(crate) fn thread_last_messages(data: &Dataset, to: Timestamp) -> Vec<Option<Timestamp>> {
    // Sized by the messages too, so a message naming a conversation past the list still counts
    // as activity, as it does for [`last_activity`].
    let n_conversations =
        data.messages.iter().map(|m| m.conversation + 1).max().unwrap_or(0).max(data.conversations.len());
    let mut last = vec![None; n_conversations];
    for message in data.messages.iter().filter(|m| m.at < to) {
        last[message.conversation] = last[message.conversation].max(Some(message.at));
    }
    last
}

/// The instant `date` starts in `zone`: its midnight, resolved with "compatible"
/// disambiguation (see the module docs). `None` only at the ends of jiff's range.
/// Whether a task with this due date (as of `to`) and state counts in `due` for `window`
/// (`None` when not) and, if it does, whether it was done on time.
pub(crate) fn due_in_window(due: Option<Date>, zone: &TimeZone, window: Window, state: TaskState) -> Option<bool> {
    let due = due?;
    if !window.contains(start_of(due, zone)?) {
        return None;
    }
    let TaskState::Done { at } = state else { return Some(false) };
    // A date at the end of jiff's range has no representable end: nothing is late for it.
    let due_end = due.tomorrow().ok().and_then(|next| start_of(next, zone));
    Some(due_end.is_none_or(|end| at < end))
}

fn start_of(date: Date, zone: &TimeZone) -> Option<Timestamp> {
    date.to_zoned(zone.clone()).ok().map(|zoned| zoned.timestamp())
}

pub(crate) fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests;
