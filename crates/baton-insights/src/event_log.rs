//! A [`Dataset`] from Baton's own event log, so that the numbers about a live workspace and
//! about an imported export come from the same engine.
//!
//! Readings (see docs/metrics.md): every member's calendar is their time zone and working hours
//! as last set; a message counts even if it was deleted later (the exchange happened); a
//! direct conversation has a timeline and threads, named by its export name (imports) or its
//! participants' handles; a message moved into a thread belongs to it for its whole history; a
//! channel's timeline thread (imports) is that channel's timeline; service accounts are not
//! people.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};
use baton_core::event::{Change, Event};
use baton_core::text::ends_with_question;
use baton_core::TaskId;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::dataset::{Conversation, ConversationKind, Dataset, Huddle, Message, Person, Task, TaskChange};

/// Builds the dataset from events in `seq` order. Events of kinds it does not know are skipped,
/// so that older reports keep working when new kinds appear.
pub fn dataset_from_events(events: &[Event]) -> Dataset {
    dataset_and_origins(events).0
}

/// Where a conversation of Baton's own log lives, so that the API can show each viewer only
/// the conversations they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A thread in this channel.
    Channel(i64),
    /// A task's thread: visible to everyone but guests.
    Task,
    /// This direct conversation: its timeline or one of its threads.
    Dm(i64),
}

/// The dataset, and for each of its conversations where it lives.
pub fn dataset_and_origins(events: &[Event]) -> (Dataset, Vec<Origin>) {
    let mut builder = DatasetBuilder::default();
    for event in events {
        builder.apply(event);
    }
    let Snapshot { data, origins, .. } = builder.snapshot();
    drop(builder);
    let unwrap = |data: Arc<Dataset>| Arc::try_unwrap(data).unwrap_or_else(|shared| (*shared).clone());
    (unwrap(data), Arc::try_unwrap(origins).unwrap_or_else(|shared| (*shared).clone()))
}

/// For each person of a dataset their member id, for each conversation its thread id (`None`
/// for a direct conversation's timeline).
#[derive(Debug, Clone, Default)]
pub struct LogIds {
    pub members: Vec<i64>,
    pub threads: Vec<Option<i64>>,
}

/// The dataset as of the events applied so far, with each conversation's origin and the ids
/// behind its positions. Cloning it clones three `Arc`s.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub data: Arc<Dataset>,
    pub origins: Arc<Vec<Origin>>,
    pub ids: Arc<LogIds>,
}

/// Builds a [`Dataset`] event by event, so that a server can keep one and apply only the events
/// committed since its last report instead of reading the whole log each time.
///
/// The dataset is kept finished (names and norms as last set, messages sorted) behind an `Arc`:
/// a [`Snapshot`] shares it, and the next event writes in place when no snapshot is held, or
/// on a copy when one is (a report still running on it). The copy shares the messages' chunks
/// ([`crate::Messages`]): what it copies is the conversations, tasks and people.
#[derive(Clone)]
pub struct DatasetBuilder {
    data: Arc<Dataset>,
    origins: Arc<Vec<Origin>>,
    ids: Arc<LogIds>,
    /// Messages posted since the last snapshot, in `seq` order: merged into the dataset's
    /// sorted messages all at once by [`DatasetBuilder::snapshot`].
    pending: Vec<Message>,
    workspace_zone: TimeZone,
    /// Each person's time zone as set (empty or unknown: the workspace's) and hours.
    calendars: Vec<(String, WorkingHours)>,
    person_of: HashMap<i64, usize>,
    channel_names: HashMap<i64, String>,
    thread_conversation: HashMap<i64, usize>,
    dm_conversation: HashMap<i64, usize>,
    /// A direct conversation's name for reports, as last set: its export name, else its
    /// participants' handles.
    dm_names: HashMap<i64, String>,
    projects: HashMap<i64, String>,
    task_of: HashMap<i64, usize>,
    /// For each conversation that is a task's thread, the task's project: it is named after
    /// the project, whatever channel it is in.
    task_thread_project: HashMap<usize, i64>,
    /// Reply norms in working minutes, as last set: the workspace's and channels' own.
    workspace_norm: Option<i64>,
    channel_norms: HashMap<i64, Option<i64>>,
    huddle_of: HashMap<i64, usize>,
    /// Conversations whose thread is tagged `decision`, as last tagged.
    decision_threads: HashSet<usize>,
}

impl Default for DatasetBuilder {
    fn default() -> DatasetBuilder {
        let data = Dataset {
            workspace_calendar: Calendar::new(TimeZone::UTC, WorkingHours::default()),
            people: Vec::new(),
            conversations: Vec::new(),
            messages: crate::Messages::default(),
            tasks: Vec::new(),
            huddles: Vec::new(),
            thread_decisions: Vec::new(),
        };
        DatasetBuilder {
            data: Arc::new(data),
            origins: Arc::default(),
            ids: Arc::default(),
            pending: Vec::new(),
            workspace_zone: TimeZone::UTC,
            calendars: Vec::new(),
            person_of: HashMap::new(),
            channel_names: HashMap::new(),
            thread_conversation: HashMap::new(),
            dm_conversation: HashMap::new(),
            dm_names: HashMap::new(),
            projects: HashMap::new(),
            task_of: HashMap::new(),
            task_thread_project: HashMap::new(),
            workspace_norm: None,
            channel_norms: HashMap::new(),
            huddle_of: HashMap::new(),
            decision_threads: HashSet::new(),
        }
    }
}

/// The tag that marks a thread as where a decision was made.
const DECISION_TAG: &str = "decision";

fn tagged_decision(tags: &[String]) -> bool {
    tags.iter().any(|t| t == DECISION_TAG)
}

/// A direct conversation's name for reports: its name in the export it came from, else its
/// participants' handles.
fn dm_name(dm: &baton_core::model::Dm) -> String {
    dm.export_name.clone().unwrap_or_else(|| dm.name.clone())
}

impl DatasetBuilder {
    /// The dataset to write: this builder's own, or a copy of it when a snapshot still shares it.
    fn data(&mut self) -> &mut Dataset {
        Arc::make_mut(&mut self.data)
    }

    fn calendar(&self, zone: &str, hours: &WorkingHours) -> Calendar {
        let zone = parse_time_zone(zone).unwrap_or_else(|_| self.workspace_zone.clone());
        Calendar::new(zone, hours.clone())
    }

    fn person(&mut self, member: i64) -> usize {
        if let Some(idx) = self.person_of.get(&member) {
            return *idx;
        }
        let calendar = self.calendar("", &WorkingHours::default());
        self.calendars.push((String::new(), WorkingHours::default()));
        self.data().people.push(Person { handle: format!("member-{member}"), calendar });
        Arc::make_mut(&mut self.ids).members.push(member);
        self.person_of.insert(member, self.calendars.len() - 1);
        self.calendars.len() - 1
    }

    /// Adds a conversation and says where it lives.
    fn conversation(&mut self, conversation: Conversation, origin: Origin, thread: Option<i64>) -> usize {
        self.data().conversations.push(conversation);
        Arc::make_mut(&mut self.origins).push(origin);
        Arc::make_mut(&mut self.ids).threads.push(thread);
        self.origins.len() - 1
    }

    /// A conversation's reply norm: its channel's own, else the workspace's, as last set.
    fn norm_of(&self, origin: Origin) -> Option<jiff::SignedDuration> {
        let own = match origin {
            Origin::Channel(channel) => self.channel_norms.get(&channel).copied().flatten(),
            _ => None,
        };
        own.or(self.workspace_norm).map(jiff::SignedDuration::from_mins)
    }

    /// Names the conversations `origin` holds `name` (a channel or a direct conversation
    /// renamed), but for tasks' threads, which are named after their projects.
    fn rename(&mut self, origin: Origin, name: &str) {
        let data = Arc::make_mut(&mut self.data);
        for (idx, _) in self.origins.iter().enumerate().filter(|(_, o)| **o == origin) {
            let named_by_project =
                self.task_thread_project.get(&idx).is_some_and(|project| self.projects.contains_key(project));
            if !named_by_project {
                data.conversations[idx].channel = name.to_string();
            }
        }
    }

    /// Sets every conversation's norm again (a norm changed).
    fn renorm(&mut self) {
        let norms: Vec<_> = self.origins.iter().map(|o| self.norm_of(*o)).collect();
        for (conversation, norm) in self.data().conversations.iter_mut().zip(norms) {
            conversation.norm = norm;
        }
    }

    /// Brings conversation `idx`'s entry in the thread decisions up to date: a thread tagged
    /// `decision` counts one, when it was first resolved.
    fn redecide(&mut self, idx: usize) {
        let decided = self.decision_threads.contains(&idx);
        let data = self.data();
        data.thread_decisions.retain(|(conversation, _)| *conversation != idx);
        let first = data.conversations[idx].resolutions.iter().find(|(_, resolved)| *resolved).map(|(at, _)| *at);
        if let (true, Some(at)) = (decided, first) {
            let place = data.thread_decisions.partition_point(|entry| *entry < (idx, at));
            data.thread_decisions.insert(place, (idx, at));
        }
    }

    /// Takes one event, in `seq` order; kinds it does not know are skipped.
    pub fn apply(&mut self, event: &Event) {
        match &event.change {
            Change::WorkspaceCreated(p) => {
                self.workspace_zone = parse_time_zone(&p.workspace.time_zone).unwrap_or(TimeZone::UTC);
                let calendars: Vec<Calendar> =
                    self.calendars.iter().map(|(zone, hours)| self.calendar(zone, hours)).collect();
                let zone = self.workspace_zone.clone();
                let data = self.data();
                data.workspace_calendar = Calendar::new(zone, WorkingHours::default());
                for (person, calendar) in data.people.iter_mut().zip(calendars) {
                    person.calendar = calendar;
                }
            }
            Change::MemberJoined(p) | Change::MemberUpdated(p) => {
                let member = p.member_id.0;
                // A service account (an import's owner) is not a person: not listed, not
                // counted, unless it ever posts (then it shows under its id).
                if p.member.service && !self.person_of.contains_key(&member) {
                    return;
                }
                let idx = self.person(member);
                let calendar = self.calendar(&p.member.time_zone, &p.member.working_hours);
                self.calendars[idx] = (p.member.time_zone.clone(), p.member.working_hours.clone());
                self.data().people[idx] = Person { handle: p.member.handle.clone(), calendar };
            }
            Change::ChannelCreated(p) | Change::ChannelUpdated(p) => {
                let channel = p.channel_id.0;
                let renamed = self.channel_names.get(&channel).is_some_and(|name| *name != p.channel.name);
                self.channel_names.insert(channel, p.channel.name.clone());
                if renamed {
                    self.rename(Origin::Channel(channel), &p.channel.name);
                }
            }
            Change::ThreadCreated(p) => {
                let (origin, channel) = match (p.channel_id, p.dm_id) {
                    (Some(channel), _) => (Origin::Channel(channel.0), self.channel_names.get(&channel.0).cloned()),
                    (None, Some(dm)) => (Origin::Dm(dm.0), self.dm_names.get(&dm.0).cloned()),
                    (None, None) => (Origin::Task, None),
                };
                // An imported channel's unthreaded messages: a timeline, which never bounces.
                let timeline = p.thread.timeline;
                let conversation = Conversation {
                    kind: if timeline { ConversationKind::Timeline } else { ConversationKind::Thread },
                    channel: channel.unwrap_or_default(),
                    title: if timeline { String::new() } else { p.thread.title.clone() },
                    direct: matches!(origin, Origin::Dm(_)),
                    channel_id: match origin {
                        Origin::Channel(channel) => Some(channel),
                        _ => None,
                    },
                    resolutions: Vec::new(),
                    norm: self.norm_of(origin),
                };
                let idx = self.conversation(conversation, origin, Some(p.thread_id.0));
                self.thread_conversation.insert(p.thread_id.0, idx);
                if tagged_decision(&p.thread.tags) {
                    self.decision_threads.insert(idx);
                }
            }
            Change::ThreadUpdated(p) => {
                let Some(idx) = self.thread_conversation.get(&p.thread_id.0).copied() else { return };
                if let Some(tags) = &p.tags {
                    if tagged_decision(tags) {
                        self.decision_threads.insert(idx);
                    } else {
                        self.decision_threads.remove(&idx);
                    }
                    self.redecide(idx);
                }
            }
            Change::ThreadResolved(p) | Change::ThreadReopened(p) => {
                if let Some(idx) = self.thread_conversation.get(&p.thread_id.0).copied() {
                    let resolved = matches!(event.change, Change::ThreadResolved(_));
                    self.data().conversations[idx].resolutions.push((event.at, resolved));
                    self.redecide(idx);
                }
            }
            Change::DmCreated(p) => {
                let dm = p.dm_id.0;
                self.dm_names.insert(dm, dm_name(&p.dm));
                let conversation = Conversation {
                    kind: ConversationKind::Timeline,
                    channel: dm_name(&p.dm),
                    title: String::new(),
                    direct: true,
                    channel_id: None,
                    resolutions: Vec::new(),
                    norm: self.norm_of(Origin::Dm(dm)),
                };
                let idx = self.conversation(conversation, Origin::Dm(dm), None);
                self.dm_conversation.insert(dm, idx);
            }
            Change::DmUpdated(p) => {
                let name = dm_name(&p.dm);
                self.dm_names.insert(p.dm_id.0, name.clone());
                self.rename(Origin::Dm(p.dm_id.0), &name);
            }
            Change::MessagePosted(p) => self.message(event.at, &p.message),
            // A deleted message is redacted in the log: what its text said (a question, a
            // mention) is gone; that it was posted, by whom and when, stays. A dataset kept up to
            // date event by event reads it as one rebuilt from the redacted log does.
            Change::MessageDeleted(p) => {
                if let Some(message) = self.message_mut(p.message_id.0) {
                    message.mentions_other = false;
                    message.ends_with_question = false;
                }
            }
            // The first reply to a timeline message moved it into the thread it started: like a
            // Slack thread's parent, it belongs to the thread for its whole history.
            Change::MessageMoved(p) => {
                let Some(conversation) = self.thread_conversation.get(&p.thread_id.0).copied() else { return };
                if let Some(message) = self.message_mut(p.message_id.0) {
                    message.conversation = conversation;
                }
            }
            // A check-in's thread collects status answers rather than a discussion: it is read
            // as a timeline, which never bounces.
            Change::CheckInCreated(p) => {
                if let Some(idx) = self.thread_conversation.get(&p.checkin.thread_id.0).copied() {
                    let conversation = &mut self.data().conversations[idx];
                    conversation.kind = ConversationKind::Timeline;
                    conversation.title = String::new();
                }
            }
            Change::HuddleStarted(p) => {
                let conversation = self.thread_conversation.get(&p.huddle.thread_id.0).copied();
                let huddles = &mut self.data().huddles;
                huddles.push(Huddle { conversation, ..Huddle::default() });
                let idx = huddles.len() - 1;
                self.huddle_of.insert(p.huddle_id.0, idx);
            }
            Change::HuddleJoined(p) | Change::HuddleLeft(p) => {
                let Some(idx) = self.huddle_of.get(&p.huddle_id.0).copied() else { return };
                let person = self.person(p.member_id.0);
                let stretches = &mut self.data().huddles[idx].stretches;
                if matches!(event.change, Change::HuddleJoined(_)) {
                    stretches.push((person, event.at, None));
                } else if let Some(open) =
                    stretches.iter_mut().rev().find(|(m, _, left)| *m == person && left.is_none())
                {
                    open.2 = Some(event.at);
                }
            }
            Change::HuddleDecisionRecorded(p) => {
                if let Some(idx) = self.huddle_of.get(&p.huddle_id.0).copied() {
                    self.data().huddles[idx].decisions.push(event.at);
                }
            }
            Change::NormChanged(p) => {
                match p.channel_id {
                    Some(channel) => {
                        self.channel_norms.insert(channel.0, p.reply_within_minutes);
                    }
                    None => self.workspace_norm = p.reply_within_minutes.or(self.workspace_norm),
                }
                self.renorm();
            }
            Change::ProjectCreated(p) | Change::ProjectUpdated(p) => {
                let project = p.project_id.0;
                let renamed = self.projects.get(&project).is_some_and(|name| *name != p.project.name);
                self.projects.insert(project, p.project.name.clone());
                if renamed {
                    let name = &p.project.name;
                    let data = Arc::make_mut(&mut self.data);
                    for task in data.tasks.iter_mut().filter(|t| t.project_id == Some(project)) {
                        task.project.clone_from(name);
                    }
                    for (conversation, _) in self.task_thread_project.iter().filter(|(_, p)| **p == project) {
                        data.conversations[*conversation].channel.clone_from(name);
                    }
                }
            }
            Change::TaskCreated(p) => self.task(event.at, &p.task),
            Change::TaskStatusChanged(p) => self.task_change(event.at, p.task_id, TaskChange::Status(p.to)),
            Change::TaskAssigned(p) => {
                let assignee = p.to.map(|m| self.person(m.0));
                self.task_change(event.at, p.task_id, TaskChange::Assigned(assignee));
            }
            Change::TaskDueChanged(p) => self.task_change(event.at, p.task_id, TaskChange::Due(p.to)),
            Change::TaskUpdated(p) => self.task_change(event.at, p.task_id, TaskChange::Updated),
            _ => {}
        }
    }

    /// The message with this id, wherever it is: among the pending ones (in `seq` order, which
    /// is id order, so searched first) or in the dataset.
    fn message_mut(&mut self, id: i64) -> Option<&mut Message> {
        let pending = match self.pending.binary_search_by_key(&id, |m| m.id) {
            Ok(idx) => Some(idx),
            Err(_) => self.pending.iter().rposition(|m| m.id == id),
        };
        if let Some(idx) = pending {
            return self.pending.get_mut(idx);
        }
        let idx = self.data.messages.position_of(id)?;
        self.data().messages.get_mut(idx)
    }

    fn message(&mut self, at: Timestamp, message: &baton_core::model::Message) {
        let conversation = match (message.thread_id, message.dm_id) {
            (Some(thread), _) => self.thread_conversation.get(&thread.0).copied(),
            (None, Some(dm)) => self.dm_conversation.get(&dm.0).copied(),
            (None, None) => None,
        };
        let Some(conversation) = conversation else { return };
        let mentions_other = message.mentions.iter().any(|m| *m != message.author_id);
        let author = self.person(message.author_id.0);
        self.pending.push(Message {
            id: message.id.0,
            conversation,
            author,
            at,
            mentions_other,
            ends_with_question: ends_with_question(&message.body),
        });
    }

    fn task(&mut self, at: Timestamp, task: &baton_core::model::Task) {
        let project_id = task.project_id.0;
        let assignee = task.assignee_id.map(|m| self.person(m.0));
        let conversation = self.thread_conversation.get(&task.thread_id.0).copied();
        let project = self.projects.get(&project_id).cloned();
        if let Some(idx) = conversation {
            self.task_thread_project.insert(idx, project_id);
            if let Some(name) = &project {
                self.data().conversations[idx].channel.clone_from(name);
            }
        }
        let task = Task {
            id: task.id.0,
            project: project.unwrap_or_default(),
            project_id: Some(project_id),
            title: task.title.clone(),
            created_at: at,
            status: task.status,
            assignee,
            due: task.due,
            changes: Vec::new(),
            conversation,
        };
        let id = task.id;
        let tasks = &mut self.data().tasks;
        tasks.push(task);
        let idx = tasks.len() - 1;
        self.task_of.insert(id, idx);
    }

    fn task_change(&mut self, at: Timestamp, task: TaskId, change: TaskChange) {
        if let Some(idx) = self.task_of.get(&task.0).copied() {
            // In time order; a change at the same time as others goes after them.
            let changes = &mut self.data().tasks[idx].changes;
            let place = changes.partition_point(|(other, _)| *other <= at);
            changes.insert(place, (at, change));
        }
    }

    /// The dataset as of the events applied so far, with each conversation's origin and the
    /// ids behind it: the messages posted since the last snapshot are merged in first.
    pub fn snapshot(&mut self) -> Snapshot {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            self.data().messages.extend_sorted(pending);
        }
        Snapshot { data: Arc::clone(&self.data), origins: Arc::clone(&self.origins), ids: Arc::clone(&self.ids) }
    }
}

#[cfg(test)]
mod tests;
