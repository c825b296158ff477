//! Lagging (DESIGN.md, "Insight metrics": "channels, projects and members ranked by stall rate,
//! p90 working response time and completion rate").
//!
//! DESIGN names the three figures but not what each row's population is; the readings here:
//!
//! - **Responses** are those of [`crate::conversations::responses`] whose responding message is
//!   in `[from, to)`, with their working time in the responder's calendar; p90 is nearest rank
//!   over exact durations, then floored to whole seconds.
//! - **Tasks** are those created before `to`; stall rate is stalled ÷ open at `to` and completion
//!   rate is done on time ÷ due in the window, exactly as [`crate::tasks::task_stats`] defines
//!   them, only over a row's tasks.
//! - A **channel** row groups every conversation with that [`crate::Conversation::channel`] name
//!   (threads and timelines alike); a task's thread belongs to its project, not to a channel,
//!   and direct conversations are not channels: neither has a channel row. Its p90 is over the responses in those conversations. A channel has
//!   no tasks, so its stall and completion rates are `None`.
//! - A **project** row groups the tasks with that [`crate::Task::project`]. Its stall and
//!   completion rates are over those tasks; its p90 is over the responses in their threads
//!   ([`crate::Task::conversation`]; a thread shared by tasks of two projects counts for both).
//! - A **member** row covers the tasks assigned to them at `to` (stall rate over the open ones,
//!   completion over the ones due in the window; unassigned tasks belong to no member) and the
//!   responses where they are the responder.
//!
//! Each list holds only rows with at least one figure, worst first: stall rate descending, then
//! p90 working response time descending, then completion rate ascending (a missing figure sorts
//! after every present one at each step), then name in byte order.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use jiff::SignedDuration;
use serde::Serialize;

use crate::conversations::{responses, Response};
use crate::dataset::{Dataset, MemberIdx};
use crate::quantile::{nearest_rank, whole_seconds};
use crate::tasks::{assignee_at, due_at, due_in_window, ratio, stalled_tasks, state_at, TaskState};
use crate::window::{Thresholds, Window};

/// The report's `lagging` object: three lists, each sorted worst first (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lagging {
    pub channels: Vec<LaggingRow>,
    pub projects: Vec<LaggingRow>,
    pub members: Vec<LaggingRow>,
}

/// One channel, project or member. Rates are fractions in `[0, 1]`; every figure is `None` when
/// its population is empty, never 0 or NaN.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaggingRow {
    /// The channel's name, the project's name or the member's handle.
    pub name: String,
    /// The member's position in [`Dataset::people`] for a member row, so that a caller can
    /// filter rows by visibility; `None` for channels and projects, which their name identifies.
    #[serde(skip)]
    pub member: Option<MemberIdx>,
    /// Stalled ÷ open at `to`, over the row's tasks.
    pub stall_rate: Option<f64>,
    /// 90th percentile working response time of the row's responses in the window, seconds.
    pub p90_working_s: Option<i64>,
    /// Done on time ÷ due in the window, over the row's tasks.
    pub completion_rate: Option<f64>,
}

/// The lagging channels, projects and members over `window` (see the module docs).
pub fn lagging(data: &Dataset, window: Window, thresholds: &Thresholds) -> Lagging {
    lagging_with(data, window, thresholds, &responses(data, window.to()))
}

/// [`lagging`] over responses already computed for the window's `to` (the report has them).
pub fn lagging_with(data: &Dataset, window: Window, thresholds: &Thresholds, all_responses: &[Response]) -> Lagging {
    let to = window.to();
    let mut channels: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut projects: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut members: Vec<Tally> = data.people.iter().map(|_| Tally::default()).collect();

    let stalled: BTreeSet<usize> = stalled_tasks(data, window, thresholds).into_iter().collect();
    let mut thread_projects: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    for (task_idx, task) in data.tasks.iter().enumerate() {
        let Some(state) = state_at(task, to) else { continue };
        if let Some(conversation) = task.conversation {
            thread_projects.entry(conversation).or_default().insert(&task.project);
        }
        let figures = TaskFigures {
            open: state == TaskState::Open,
            stalled: stalled.contains(&task_idx),
            due: due_in_window(due_at(task, to), data.workspace_calendar.zone(), window, state),
        };
        projects.entry(&task.project).or_default().add_task(figures);
        if let Some(tally) = assignee_at(task, to).and_then(|member| members.get_mut(member)) {
            tally.add_task(figures);
        }
    }

    for response in all_responses.iter().filter(|response| response.responded_at >= window.from()) {
        let in_channel = |c: &&crate::Conversation| !c.direct && !thread_projects.contains_key(&response.conversation);
        if let Some(conversation) = data.conversations.get(response.conversation).filter(in_channel) {
            channels.entry(&conversation.channel).or_default().working.push(response.working);
        }
        for project in thread_projects.get(&response.conversation).into_iter().flatten() {
            projects.entry(project).or_default().working.push(response.working);
        }
        if let Some(tally) = members.get_mut(response.responder) {
            tally.working.push(response.working);
        }
    }

    Lagging {
        channels: ranked(channels.into_iter().map(|(name, tally)| tally.row(name.to_owned(), None))),
        projects: ranked(projects.into_iter().map(|(name, tally)| tally.row(name.to_owned(), None))),
        members: ranked(
            members
                .into_iter()
                .zip(&data.people)
                .enumerate()
                .map(|(member_idx, (tally, person))| tally.row(person.handle.clone(), Some(member_idx))),
        ),
    }
}

/// What one task adds to the rows it belongs to.
#[derive(Debug, Clone, Copy)]
struct TaskFigures {
    open: bool,
    stalled: bool,
    /// `None` when its due date (as of `to`) does not start in the window; else whether it was
    /// done on time.
    due: Option<bool>,
}

/// The populations behind one row.
#[derive(Debug, Default)]
struct Tally {
    n_open: usize,
    n_stalled: usize,
    n_due: usize,
    n_done_on_time: usize,
    /// Exact working response times.
    working: Vec<SignedDuration>,
}

impl Tally {
    fn add_task(&mut self, figures: TaskFigures) {
        self.n_open += usize::from(figures.open);
        self.n_stalled += usize::from(figures.open && figures.stalled);
        if let Some(on_time) = figures.due {
            self.n_due += 1;
            self.n_done_on_time += usize::from(on_time);
        }
    }

    fn row(mut self, name: String, member: Option<MemberIdx>) -> LaggingRow {
        self.working.sort_unstable();
        LaggingRow {
            name,
            member,
            stall_rate: ratio(self.n_stalled, self.n_open),
            p90_working_s: nearest_rank(&self.working, 0.9).map(whole_seconds),
            completion_rate: ratio(self.n_done_on_time, self.n_due),
        }
    }
}

/// The rows with at least one figure, worst first.
fn ranked(rows: impl Iterator<Item = LaggingRow>) -> Vec<LaggingRow> {
    let mut rows: Vec<LaggingRow> = rows
        .filter(|row| row.stall_rate.is_some() || row.p90_working_s.is_some() || row.completion_rate.is_some())
        .collect();
    rows.sort_by(worst_first);
    rows
}

fn worst_first(a: &LaggingRow, b: &LaggingRow) -> Ordering {
    present_first(a.stall_rate, b.stall_rate, |a, b| b.total_cmp(a))
        .then_with(|| present_first(a.p90_working_s, b.p90_working_s, |a, b| b.cmp(a)))
        .then_with(|| present_first(a.completion_rate, b.completion_rate, f64::total_cmp))
        .then_with(|| a.name.as_bytes().cmp(b.name.as_bytes()))
}

/// Orders two optional figures by `order`, a missing one after any present one.
fn present_first<T>(a: Option<T>, b: Option<T>, order: impl Fn(&T, &T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => order(&a, &b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Whether the task (in `state` at `to`) was done on time, or `None` when its due date as of
/// `to` does not start in the window: the "due" and "done on time" of
/// [`crate::tasks::TaskStats`], one task at a time (a date starts at its midnight in the
/// workspace zone, "compatible" disambiguation, and ends where the next date starts).
#[cfg(test)]
mod tests;
