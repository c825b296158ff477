//! What the metrics read: people with their calendars, conversations with their messages, and
//! tasks with their history, built from Baton's event log or from an import. Metrics see only
//! what happened before a report's `to`; the dataset itself holds the whole history.

use baton_core::calendar::Calendar;
use baton_core::model::TaskStatus;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

/// A member's position in [`Dataset::people`].
pub type MemberIdx = usize;

/// A member: their handle (the name reports use) and working-time calendar.
#[derive(Debug, Clone)]
pub struct Person {
    pub handle: String,
    pub calendar: Calendar,
}

/// A thread (a titled topic, a task's thread, an imported thread) or a timeline (the unthreaded
/// messages of one channel or direct conversation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationKind {
    Thread,
    Timeline,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub kind: ConversationKind,
    /// The channel's name as the user sees it; for a direct conversation, its name.
    pub channel: String,
    /// The channel's id in the workspace, when it is one's: what rows group by, so that a
    /// renamed channel stays one row and two channels of one name stay two. `None` for a direct
    /// conversation, a task's thread and data without ids (grouped by name).
    pub channel_id: Option<i64>,
    /// The thread's title as the user sees it (a Slack thread: the first 80 characters of its
    /// parent's text); empty for a timeline.
    pub title: String,
    /// Whether it is a direct conversation (or a direct conversation's timeline).
    pub direct: bool,
    /// Resolved (`true`) and reopened (`false`), in time order; a thread is resolved at `to`
    /// when the last change before `to` is `true`.
    pub resolutions: Vec<(Timestamp, bool)>,
    /// The channel's reply norm in working time; `None` uses [`crate::Thresholds::default_norm`].
    pub norm: Option<SignedDuration>,
}

/// A message: only what the metrics need.
#[derive(Debug, Clone)]
pub struct Message {
    /// Orders messages with the same time (turns are ordered by (time, id)).
    pub id: i64,
    /// Position in [`Dataset::conversations`].
    pub conversation: usize,
    pub author: MemberIdx,
    pub at: Timestamp,
    /// It mentions a member other than its author (a person, not `@here` or a group).
    pub mentions_other: bool,
    /// Its text ends in `?`, trailing whitespace ignored.
    pub ends_with_question: bool,
}

/// Something that happened to a task after it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskChange {
    Status(TaskStatus),
    Assigned(Option<MemberIdx>),
    Due(Option<Date>),
    /// Any other event on the task (an edit); messages in its thread are found through
    /// [`Task::conversation`].
    Updated,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: i64,
    pub project: String,
    /// The project's id in the workspace, as [`Conversation::channel_id`] is for channels.
    pub project_id: Option<i64>,
    pub title: String,
    pub created_at: Timestamp,
    /// Status, assignee and due date when created.
    pub status: TaskStatus,
    pub assignee: Option<MemberIdx>,
    pub due: Option<Date>,
    /// Later changes, in time order.
    pub changes: Vec<(Timestamp, TaskChange)>,
    /// Its discussion thread, a position in [`Dataset::conversations`].
    pub conversation: Option<usize>,
}

/// Everything a report reads.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The workspace's zone with the default hours: due dates, unassigned tasks, awaiting.
    pub workspace_calendar: Calendar,
    pub people: Vec<Person>,
    pub conversations: Vec<Conversation>,
    /// Sorted by (time, id).
    pub messages: crate::messages::Messages,
    pub tasks: Vec<Task>,
    /// Huddles: who was in each when, and when its decisions were recorded.
    pub huddles: Vec<Huddle>,
    /// Decisions made in threads: a thread tagged `decision` counts one, when it was first
    /// resolved (the conversation, and that instant).
    pub thread_decisions: Vec<(usize, Timestamp)>,
}

/// A huddle as the metrics read it.
#[derive(Debug, Clone, Default)]
pub struct Huddle {
    /// Each stretch someone was in it: the member, when they joined, and when they left
    /// (`None` while still in; a report counts it up to its `to`).
    pub stretches: Vec<(MemberIdx, Timestamp, Option<Timestamp>)>,
    /// When each of its decisions was recorded.
    pub decisions: Vec<Timestamp>,
    /// The thread it was held on, a position in [`Dataset::conversations`] (filters keep a
    /// huddle with its thread).
    pub conversation: Option<usize>,
}

impl Huddle {
    /// Each stretch clipped to `[from, to)` (end `None` read as `to`), dropping empty ones.
    pub fn stretches_in(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (MemberIdx, Timestamp, Timestamp)> + '_ {
        self.stretches.iter().filter_map(move |(member, joined, left)| {
            let start = (*joined).max(from);
            let end = left.unwrap_or(to).min(to);
            (start < end).then_some((*member, start, end))
        })
    }
}

impl Dataset {
    /// The calendar of a member, or the workspace's for nobody.
    pub fn calendar_of(&self, member: Option<MemberIdx>) -> &Calendar {
        member.and_then(|m| self.people.get(m)).map_or(&self.workspace_calendar, |p| &p.calendar)
    }

    /// When something happened: every message's time and every task event's (created, and
    /// each later change), in no particular order. What the default window looks for.
    pub fn activity(&self) -> impl Iterator<Item = Timestamp> + '_ {
        activity(&self.messages, &self.tasks)
    }

    /// Sorts messages by (time, id), as the metrics expect.
    pub fn sort_messages(&mut self) {
        self.messages.sort();
    }
}

/// Messages' and task events' times (see [`Dataset::activity`]).
pub(crate) fn activity<'a>(
    messages: &'a crate::messages::Messages,
    tasks: &'a [Task],
) -> impl Iterator<Item = Timestamp> + 'a {
    let task_events = tasks.iter().flat_map(|t| std::iter::once(t.created_at).chain(t.changes.iter().map(|c| c.0)));
    messages.iter().map(|m| m.at).chain(task_events)
}
