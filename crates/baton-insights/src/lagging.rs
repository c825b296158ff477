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
use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::conversations::{join, responses, Accumulate, Reply, Response, PARALLEL_MIN_LEN};
use crate::dataset::{Dataset, MemberIdx, Message};
use crate::quantile::{nearest_ranks, whole_seconds};
use crate::tasks::{ratio, task_facts, thread_last_messages, TaskFacts, TaskState};
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
    let groups = Groups::of(data, window.to());
    let mut tally = LaggingTally::new(&groups, data, window);
    for response in all_responses {
        let group = groups.group_of(response.conversation);
        tally.response(
            &Reply {
                asker: response.asker,
                responder: response.responder,
                responded_at: response.responded_at,
                working: response.working,
            },
            group,
        );
    }
    let facts = task_facts(data, window, thresholds, &thread_last_messages(data, window.to()));
    tally.finish(data, &facts)
}

/// Who the rows are, as positions: every channel and project name gets an index once, so a
/// response adds to its rows through two array lookups rather than map searches by name.
pub(crate) struct Groups<'a> {
    channel_names: Vec<&'a str>,
    project_names: Vec<&'a str>,
    /// For each task (by position) created before `to`, its project's index.
    task_project: Vec<Option<u32>>,
    /// For each conversation (by position, and past the list for a task thread pointing
    /// there), whose rows its responses count for.
    of_conversation: Vec<Group>,
    /// The project indices of the threads, each thread's a run (see [`Group::Projects`]).
    thread_projects: Vec<u32>,
}

/// What identifies a channel's or a project's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RowKey<'a> {
    Id(i64),
    Name(&'a str),
}

/// Whose rows a conversation's responses count for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Group {
    #[default]
    /// A direct conversation: no channel, no project.
    Neither,
    Channel(u32),
    /// A task's thread: the distinct projects of its tasks, `thread_projects[start..end]`.
    Projects {
        start: u32,
        end: u32,
    },
}

impl<'a> Groups<'a> {
    /// The groups as of `to`: a thread belongs to the projects of its tasks created before `to`.
    pub(crate) fn of(data: &'a Dataset, to: Timestamp) -> Groups<'a> {
        let mut project_names = Vec::new();
        let mut project_idx: HashMap<RowKey<'a>, u32> = HashMap::new();
        // A row is a channel or project by id when the data has ids (a rename stays one row, two
        // channels of one name stay two), else by name; it shows the name.
        let intern =
            |key: RowKey<'a>, name: &'a str, names: &mut Vec<&'a str>, index: &mut HashMap<RowKey<'a>, u32>| {
                *index.entry(key).or_insert_with(|| {
                    names.push(name);
                    index_u32(names.len() - 1)
                })
            };
        let mut threads: Vec<(usize, u32)> = Vec::new();
        let task_project = data
            .tasks
            .iter()
            .map(|task| {
                (task.created_at < to).then(|| {
                    let key = task.project_id.map_or(RowKey::Name(&task.project), RowKey::Id);
                    let project = intern(key, &task.project, &mut project_names, &mut project_idx);
                    threads.extend(task.conversation.map(|conversation| (conversation, project)));
                    project
                })
            })
            .collect();
        // A thread shared by tasks of two projects counts once for each.
        threads.sort_unstable();
        threads.dedup();
        let n_slots = threads.iter().map(|&(conversation, _)| conversation + 1).max().unwrap_or(0);
        let mut of_conversation = vec![Group::Neither; data.conversations.len().max(n_slots)];
        let mut channel_names = Vec::new();
        let mut channel_idx: HashMap<RowKey<'a>, u32> = HashMap::new();
        for (group, conversation) in of_conversation.iter_mut().zip(&data.conversations) {
            if !conversation.direct {
                let key = conversation.channel_id.map_or(RowKey::Name(&conversation.channel), RowKey::Id);
                *group = Group::Channel(intern(key, &conversation.channel, &mut channel_names, &mut channel_idx));
            }
        }
        let thread_projects: Vec<u32> = threads.iter().map(|&(_, project)| project).collect();
        let mut start = 0;
        for run in threads.chunk_by(|a, b| a.0 == b.0) {
            let end = start + run.len();
            of_conversation[run[0].0] = Group::Projects { start: index_u32(start), end: index_u32(end) };
            start = end;
        }
        Groups { channel_names, project_names, task_project, of_conversation, thread_projects }
    }

    /// The group of `conversation`; neither channel nor project past the list.
    fn group_of(&self, conversation: usize) -> Group {
        self.of_conversation.get(conversation).copied().unwrap_or(Group::Neither)
    }
}

/// A list position as `u32`; lists here are far shorter than 2³² (they index tasks, channels
/// and conversations held in memory).
fn index_u32(idx: usize) -> u32 {
    u32::try_from(idx).expect("fewer than 2^32 rows")
}

/// The working response times of each row, as an [`Accumulate`] for the report's walk.
///
/// Each response's time is appended with its row to one list rather than pushed onto its
/// row's own list: with tens of thousands of channels, every push onto a row list missed the
/// cache, while appending to one list streams. The lists are sorted into rows once, at the end.
pub(crate) struct LaggingTally<'g> {
    groups: &'g Groups<'g>,
    from: Timestamp,
    n_people: usize,
    /// (row, working time) per response and row: rows `0..n_channels` are the channels, then
    /// come the projects. One list per part, in part order.
    by_row: Vec<Vec<RowTime>>,
    /// (member, working time) per response, by responder; one list per part.
    by_member: Vec<Vec<RowTime>>,
}

impl<'g> LaggingTally<'g> {
    pub(crate) fn new(groups: &'g Groups<'g>, data: &Dataset, window: Window) -> LaggingTally<'g> {
        LaggingTally {
            groups,
            from: window.from(),
            n_people: data.people.len(),
            by_row: vec![Vec::new()],
            by_member: vec![Vec::new()],
        }
    }

    /// The lagging lists, from the responses taken and the facts of every task.
    pub(crate) fn finish(self, data: &Dataset, facts: &[Option<TaskFacts>]) -> Lagging {
        let n_channels = self.groups.channel_names.len();
        let n_rows = n_channels + self.groups.project_names.len();
        let parallel = self.by_member.iter().map(Vec::len).sum::<usize>() >= PARALLEL_MIN_LEN;
        let (row_p90, member_p90) =
            join(parallel, || p90_by_row(&self.by_row, n_rows), || p90_by_row(&self.by_member, self.n_people));
        let mut row_p90 = row_p90.into_iter();
        let channels: Vec<Tally> = row_p90.by_ref().take(n_channels).map(Tally::of).collect();
        let mut projects: Vec<Tally> = row_p90.map(Tally::of).collect();
        let mut members: Vec<Tally> = member_p90.into_iter().map(Tally::of).collect();
        for (facts, project) in facts.iter().zip(&self.groups.task_project) {
            let (Some(facts), Some(project)) = (facts, project) else { continue };
            let figures = TaskFigures { open: facts.state == TaskState::Open, stalled: facts.stalled, due: facts.due };
            projects[*project as usize].add_task(figures);
            if let Some(tally) = facts.assignee.and_then(|member| members.get_mut(member)) {
                tally.add_task(figures);
            }
        }
        let named = |tallies: Vec<Tally>, names: &[&str]| {
            ranked(tallies.into_iter().zip(names).map(|(tally, name)| tally.row((*name).to_owned(), None)))
        };
        Lagging {
            channels: named(channels, &self.groups.channel_names),
            projects: named(projects, &self.groups.project_names),
            members: ranked(
                members
                    .into_iter()
                    .zip(&data.people)
                    .enumerate()
                    .map(|(member_idx, (tally, person))| tally.row(person.handle.clone(), Some(member_idx))),
            ),
        }
    }
}

impl Accumulate for LaggingTally<'_> {
    type Tag = Group;

    fn tag(&self, conversation: usize) -> Group {
        self.groups.group_of(conversation)
    }

    fn message(&mut self, _: &Message) {}

    /// Takes the responses from `from` on.
    fn response(&mut self, reply: &Reply, group: Group) {
        if reply.responded_at < self.from {
            return;
        }
        let by_row = self.by_row.last_mut().expect("a list of this part");
        match group {
            Group::Channel(channel) => by_row.push(RowTime::new(channel, reply.working)),
            Group::Projects { start, end } => {
                let n_channels = index_u32(self.groups.channel_names.len());
                for &project in &self.groups.thread_projects[start as usize..end as usize] {
                    by_row.push(RowTime::new(n_channels + project, reply.working));
                }
            }
            Group::Neither => {}
        }
        if reply.responder < self.n_people {
            let by_member = self.by_member.last_mut().expect("a list of this part");
            by_member.push(RowTime::new(index_u32(reply.responder), reply.working));
        }
    }

    fn merge(&mut self, mut other: LaggingTally<'_>) {
        self.by_row.append(&mut other.by_row);
        self.by_member.append(&mut other.by_member);
    }
}

/// A working time and its row, in 16 bytes where `(u32, SignedDuration)` takes 24 (the
/// duration's 12 bytes are padded to 16): a report holds two of these per response.
#[derive(Debug, Clone, Copy)]
struct RowTime {
    seconds: i64,
    nanoseconds: i32,
    row: u32,
}

impl RowTime {
    fn new(row: u32, duration: SignedDuration) -> RowTime {
        RowTime { seconds: duration.as_secs(), nanoseconds: duration.subsec_nanos(), row }
    }

    fn duration(self) -> SignedDuration {
        SignedDuration::new(self.seconds, self.nanoseconds)
    }
}

/// For each of `n_rows` rows, the p90 (nearest rank) of the durations `lists` give it.
fn p90_by_row(lists: &[Vec<RowTime>], n_rows: usize) -> Vec<Option<SignedDuration>> {
    // A counting sort by row into one buffer, each row a run of it.
    let mut starts = vec![0usize; n_rows + 1];
    for time in lists.iter().flatten() {
        starts[time.row as usize + 1] += 1;
    }
    for row in 0..n_rows {
        starts[row + 1] += starts[row];
    }
    let mut next = starts.clone();
    let mut by_row = vec![SignedDuration::ZERO; starts[n_rows]];
    for time in lists.iter().flatten() {
        by_row[next[time.row as usize]] = time.duration();
        next[time.row as usize] += 1;
    }
    starts.windows(2).map(|run| nearest_ranks(&mut by_row[run[0]..run[1]], [0.9])[0]).collect()
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
    /// The p90 of the exact working response times.
    p90_working: Option<SignedDuration>,
}

impl Tally {
    fn of(p90_working: Option<SignedDuration>) -> Tally {
        Tally { p90_working, ..Tally::default() }
    }

    fn add_task(&mut self, figures: TaskFigures) {
        self.n_open += usize::from(figures.open);
        self.n_stalled += usize::from(figures.open && figures.stalled);
        if let Some(on_time) = figures.due {
            self.n_due += 1;
            self.n_done_on_time += usize::from(on_time);
        }
    }

    fn row(self, name: String, member: Option<MemberIdx>) -> LaggingRow {
        LaggingRow {
            name,
            member,
            stall_rate: ratio(self.n_stalled, self.n_open),
            p90_working_s: self.p90_working.map(whole_seconds),
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
