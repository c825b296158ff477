//! A [`Dataset`] from Baton's own event log, so that the numbers about a live workspace and
//! about an imported export come from the same engine.
//!
//! Readings (see docs/metrics.md): every member's calendar is their time zone and working hours
//! as last set; a message counts even if it was deleted later (the exchange happened); a
//! direct conversation has a timeline and threads, named by its export name (imports) or its
//! participants' handles; a message moved into a thread belongs to it for its whole history; a
//! channel's timeline thread (imports) is that channel's timeline; service accounts are not
//! people.

use std::collections::HashMap;

use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};
use baton_core::event::{Change, Event};
use baton_core::text::ends_with_question;
use baton_core::TaskId;
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
    builder.snapshot()
}

/// For each person of a dataset their member id, for each conversation its thread id (`None`
/// for a direct conversation's timeline).
#[derive(Debug, Clone, Default)]
pub struct LogIds {
    pub members: Vec<i64>,
    pub threads: Vec<Option<i64>>,
}

/// Builds a [`Dataset`] event by event, so that a server can keep one and apply only the events
/// committed since its last report instead of reading the whole log each time.
#[derive(Default, Clone)]
pub struct DatasetBuilder {
    workspace_zone: Option<String>,
    people: Vec<(String, String, WorkingHours)>,
    person_of: HashMap<i64, usize>,
    channel_names: HashMap<i64, String>,
    conversations: Vec<Conversation>,
    thread_conversation: HashMap<i64, usize>,
    dm_conversation: HashMap<i64, usize>,
    /// A direct conversation's name for reports, as last set: its export name, else its
    /// participants' handles.
    dm_names: HashMap<i64, String>,
    messages: Vec<Message>,
    projects: HashMap<i64, String>,
    tasks: Vec<Task>,
    task_of: HashMap<i64, usize>,
    origins: Vec<Origin>,
    /// Reply norms in working minutes, as last set: the workspace's and channels' own.
    workspace_norm: Option<i64>,
    channel_norms: HashMap<i64, Option<i64>>,
    huddles: Vec<Huddle>,
    huddle_of: HashMap<i64, usize>,
    /// Conversations whose thread is tagged `decision`, as last tagged.
    decision_threads: std::collections::HashSet<usize>,
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
    fn person(&mut self, member: i64) -> usize {
        if let Some(idx) = self.person_of.get(&member) {
            return *idx;
        }
        self.people.push((format!("member-{member}"), String::new(), WorkingHours::default()));
        self.person_of.insert(member, self.people.len() - 1);
        self.people.len() - 1
    }

    /// Takes one event, in `seq` order; kinds it does not know are skipped.
    pub fn apply(&mut self, event: &Event) {
        match &event.change {
            Change::WorkspaceCreated(p) => self.workspace_zone = Some(p.workspace.time_zone.clone()),
            Change::MemberJoined(p) | Change::MemberUpdated(p) => {
                let member = p.member_id.0;
                // A service account (an import's owner) is not a person: not listed, not
                // counted, unless it ever posts (then it shows under its id).
                if p.member.service && !self.person_of.contains_key(&member) {
                    return;
                }
                let idx = self.person(member);
                self.people[idx] =
                    (p.member.handle.clone(), p.member.time_zone.clone(), p.member.working_hours.clone());
            }
            Change::ChannelCreated(p) | Change::ChannelUpdated(p) => {
                self.channel_names.insert(p.channel_id.0, p.channel.name.clone());
            }
            Change::ThreadCreated(p) => {
                let (origin, channel) = match (p.channel_id, p.dm_id) {
                    (Some(channel), _) => (Origin::Channel(channel.0), self.channel_names.get(&channel.0).cloned()),
                    (None, Some(dm)) => (Origin::Dm(dm.0), self.dm_names.get(&dm.0).cloned()),
                    (None, None) => (Origin::Task, None),
                };
                self.origins.push(origin);
                // An imported channel's unthreaded messages: a timeline, which never bounces.
                let timeline = p.thread.timeline;
                self.conversations.push(Conversation {
                    kind: if timeline { ConversationKind::Timeline } else { ConversationKind::Thread },
                    channel: channel.unwrap_or_default(),
                    title: if timeline { String::new() } else { p.thread.title.clone() },
                    direct: matches!(origin, Origin::Dm(_)),
                    channel_id: match origin {
                        Origin::Channel(channel) => Some(channel),
                        _ => None,
                    },
                    resolutions: Vec::new(),
                    norm: None,
                });
                self.thread_conversation.insert(p.thread_id.0, self.conversations.len() - 1);
                if tagged_decision(&p.thread.tags) {
                    self.decision_threads.insert(self.conversations.len() - 1);
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
                }
            }
            Change::ThreadResolved(p) | Change::ThreadReopened(p) => {
                if let Some(idx) = self.thread_conversation.get(&p.thread_id.0) {
                    let resolved = matches!(event.change, Change::ThreadResolved(_));
                    self.conversations[*idx].resolutions.push((event.at, resolved));
                }
            }
            Change::DmCreated(p) => {
                let dm = p.dm_id.0;
                self.dm_names.insert(dm, dm_name(&p.dm));
                self.origins.push(Origin::Dm(dm));
                self.conversations.push(Conversation {
                    kind: ConversationKind::Timeline,
                    channel: dm_name(&p.dm),
                    title: String::new(),
                    direct: true,
                    channel_id: None,
                    resolutions: Vec::new(),
                    norm: None,
                });
                self.dm_conversation.insert(dm, self.conversations.len() - 1);
            }
            Change::DmUpdated(p) => {
                self.dm_names.insert(p.dm_id.0, dm_name(&p.dm));
            }
            Change::MessagePosted(p) => self.message(event.at, &p.message),
            // A deleted message is redacted in the log: what its text said (a question, a
            // mention) is gone; that it was posted, by whom and when, stays. A dataset kept up to
            // date event by event reads it as one rebuilt from the redacted log does.
            Change::MessageDeleted(p) => {
                if let Some(idx) = self.message_idx(p.message_id.0) {
                    self.messages[idx].mentions_other = false;
                    self.messages[idx].ends_with_question = false;
                }
            }
            // The first reply to a timeline message moved it into the thread it started: like a
            // Slack thread's parent, it belongs to the thread for its whole history.
            Change::MessageMoved(p) => {
                let Some(conversation) = self.thread_conversation.get(&p.thread_id.0).copied() else { return };
                if let Some(idx) = self.message_idx(p.message_id.0) {
                    self.messages[idx].conversation = conversation;
                }
            }
            // A check-in's thread collects status answers rather than a discussion: it is read
            // as a timeline, which never bounces.
            Change::CheckInCreated(p) => {
                if let Some(idx) = self.thread_conversation.get(&p.checkin.thread_id.0) {
                    self.conversations[*idx].kind = ConversationKind::Timeline;
                    self.conversations[*idx].title = String::new();
                }
            }
            Change::HuddleStarted(p) => {
                let conversation = self.thread_conversation.get(&p.huddle.thread_id.0).copied();
                self.huddles.push(Huddle { conversation, ..Huddle::default() });
                self.huddle_of.insert(p.huddle_id.0, self.huddles.len() - 1);
            }
            Change::HuddleJoined(p) | Change::HuddleLeft(p) => {
                let Some(idx) = self.huddle_of.get(&p.huddle_id.0).copied() else { return };
                let person = self.person(p.member_id.0);
                let stretches = &mut self.huddles[idx].stretches;
                if matches!(event.change, Change::HuddleJoined(_)) {
                    stretches.push((person, event.at, None));
                } else if let Some(open) =
                    stretches.iter_mut().rev().find(|(m, _, left)| *m == person && left.is_none())
                {
                    open.2 = Some(event.at);
                }
            }
            Change::HuddleDecisionRecorded(p) => {
                if let Some(idx) = self.huddle_of.get(&p.huddle_id.0) {
                    self.huddles[*idx].decisions.push(event.at);
                }
            }
            Change::NormChanged(p) => match p.channel_id {
                Some(channel) => {
                    self.channel_norms.insert(channel.0, p.reply_within_minutes);
                }
                None => self.workspace_norm = p.reply_within_minutes.or(self.workspace_norm),
            },
            Change::ProjectCreated(p) | Change::ProjectUpdated(p) => {
                self.projects.insert(p.project_id.0, p.project.name.clone());
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

    /// Where message `id` is in the messages so far.
    fn message_idx(&self, id: i64) -> Option<usize> {
        // Messages arrive in `seq` order, which is id order: search, then make sure.
        match self.messages.binary_search_by_key(&id, |m| m.id) {
            Ok(idx) => Some(idx),
            Err(_) => self.messages.iter().rposition(|m| m.id == id),
        }
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
        self.messages.push(Message {
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
        let project = self.projects.get(&project_id).cloned().unwrap_or_default();
        if let Some(idx) = conversation {
            self.conversations[idx].channel.clone_from(&project);
        }
        self.tasks.push(Task {
            id: task.id.0,
            project,
            project_id: Some(project_id),
            title: task.title.clone(),
            created_at: at,
            status: task.status,
            assignee,
            due: task.due,
            changes: Vec::new(),
            conversation,
        });
        self.task_of.insert(task.id.0, self.tasks.len() - 1);
    }

    fn task_change(&mut self, at: Timestamp, task: TaskId, change: TaskChange) {
        if let Some(idx) = self.task_of.get(&task.0) {
            self.tasks[*idx].changes.push((at, change));
        }
    }

    /// The times of the messages and task events applied so far, as [`Dataset::activity`]
    /// gives them, without copying the dataset.
    pub fn activity(&self) -> impl Iterator<Item = Timestamp> + '_ {
        crate::dataset::activity(&self.messages, &self.tasks)
    }

    /// The dataset as of the events applied so far, and each conversation's origin.
    pub fn snapshot(&self) -> (Dataset, Vec<Origin>) {
        (self.clone().finish(), self.origins.clone())
    }

    /// Baton's ids behind the dataset's positions, for turning findings into actions.
    pub fn ids(&self) -> LogIds {
        let mut members = vec![0; self.people.len()];
        for (member, idx) in &self.person_of {
            members[*idx] = *member;
        }
        let mut threads = vec![None; self.conversations.len()];
        for (thread, idx) in &self.thread_conversation {
            threads[*idx] = Some(*thread);
        }
        LogIds { members, threads }
    }

    fn finish(self) -> Dataset {
        let zone_of = |name: &str| parse_time_zone(name).ok();
        let workspace_zone = self.workspace_zone.as_deref().and_then(zone_of).unwrap_or(jiff::tz::TimeZone::UTC);
        let people = self
            .people
            .into_iter()
            .map(|(handle, zone, hours)| {
                let zone = zone_of(&zone).unwrap_or_else(|| workspace_zone.clone());
                Person { handle, calendar: Calendar::new(zone, hours) }
            })
            .collect();
        // A conversation in a channel follows the channel's norm, else the workspace's, as last
        // set; direct conversations and task threads follow the workspace's.
        let mut conversations = self.conversations;
        for (conversation, origin) in conversations.iter_mut().zip(&self.origins) {
            // Names as last set: a channel renamed after its threads began is one channel.
            let latest = match origin {
                Origin::Dm(dm) => self.dm_names.get(dm),
                Origin::Channel(channel) => self.channel_names.get(channel),
                Origin::Task => None,
            };
            if let Some(name) = latest {
                conversation.channel.clone_from(name);
            }
            let own = match origin {
                Origin::Channel(channel) => self.channel_norms.get(channel).copied().flatten(),
                _ => None,
            };
            conversation.norm = own.or(self.workspace_norm).map(jiff::SignedDuration::from_mins);
        }
        let mut tasks = self.tasks;
        for task in &mut tasks {
            task.changes.sort_by_key(|(at, _)| *at);
            // A project's name as last set; its tasks' threads are named after it.
            if let Some(name) = task.project_id.and_then(|p| self.projects.get(&p)) {
                task.project.clone_from(name);
                if let Some(conversation) = task.conversation {
                    conversations[conversation].channel.clone_from(name);
                }
            }
        }
        let mut thread_decisions: Vec<(usize, jiff::Timestamp)> = self
            .decision_threads
            .iter()
            .filter_map(|idx| {
                let resolved = conversations[*idx].resolutions.iter().find(|(_, resolved)| *resolved)?;
                Some((*idx, resolved.0))
            })
            .collect();
        thread_decisions.sort_unstable();
        let mut data = Dataset {
            workspace_calendar: Calendar::new(workspace_zone, WorkingHours::default()),
            people,
            conversations,
            huddles: self.huddles,
            thread_decisions,
            messages: self.messages,
            tasks,
        };
        data.sort_messages();
        data
    }
}

#[cfg(test)]
mod tests;
