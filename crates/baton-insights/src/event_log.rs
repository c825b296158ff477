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
use baton_core::event::{kind, Event};
use baton_core::model::TaskStatus;
use baton_core::text::ends_with_question;
use jiff::civil::Date;
use jiff::Timestamp;
use serde_json::Value;

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

fn tagged_decision(tags: &Value) -> bool {
    tags.as_array().is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(DECISION_TAG)))
}

/// A direct conversation's name for reports: its name in the export it came from, else its
/// participants' handles.
fn dm_name(dm: &Value) -> String {
    dm["export_name"].as_str().map_or_else(|| text(&dm["name"]), str::to_string)
}

fn int(value: &Value) -> Option<i64> {
    value.as_i64()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
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
        let p = &event.payload;
        match event.kind.as_str() {
            kind::WORKSPACE_CREATED => self.workspace_zone = p["workspace"]["time_zone"].as_str().map(str::to_string),
            kind::MEMBER_JOINED | kind::MEMBER_UPDATED => {
                let Some(member) = int(&p["member_id"]) else { return };
                let fields = &p["member"];
                // A service account (an import's owner) is not a person: not listed, not
                // counted, unless it ever posts (then it shows under its id).
                if fields["service"].as_bool() == Some(true) && !self.person_of.contains_key(&member) {
                    return;
                }
                let idx = self.person(member);
                let hours = serde_json::from_value(fields["working_hours"].clone()).unwrap_or_default();
                self.people[idx] = (text(&fields["handle"]), text(&fields["time_zone"]), hours);
            }
            kind::CHANNEL_CREATED | kind::CHANNEL_UPDATED => {
                if let Some(channel) = int(&p["channel_id"]) {
                    self.channel_names.insert(channel, text(&p["channel"]["name"]));
                }
            }
            kind::THREAD_CREATED => {
                let Some(thread) = int(&p["thread_id"]) else { return };
                let (origin, channel) = match (int(&p["channel_id"]), int(&p["dm_id"])) {
                    (Some(channel), _) => (Origin::Channel(channel), self.channel_names.get(&channel).cloned()),
                    (None, Some(dm)) => (Origin::Dm(dm), self.dm_names.get(&dm).cloned()),
                    (None, None) => (Origin::Task, None),
                };
                self.origins.push(origin);
                // An imported channel's unthreaded messages: a timeline, which never bounces.
                let timeline = p["thread"]["timeline"].as_bool() == Some(true);
                self.conversations.push(Conversation {
                    kind: if timeline { ConversationKind::Timeline } else { ConversationKind::Thread },
                    channel: channel.unwrap_or_default(),
                    title: if timeline { String::new() } else { text(&p["thread"]["title"]) },
                    direct: matches!(origin, Origin::Dm(_)),
                    channel_id: match origin {
                        Origin::Channel(channel) => Some(channel),
                        _ => None,
                    },
                    resolutions: Vec::new(),
                    norm: None,
                });
                self.thread_conversation.insert(thread, self.conversations.len() - 1);
                if tagged_decision(&p["thread"]["tags"]) {
                    self.decision_threads.insert(self.conversations.len() - 1);
                }
            }
            kind::THREAD_UPDATED => {
                let Some(idx) = int(&p["thread_id"]).and_then(|t| self.thread_conversation.get(&t).copied()) else {
                    return;
                };
                if p["tags"].is_array() {
                    if tagged_decision(&p["tags"]) {
                        self.decision_threads.insert(idx);
                    } else {
                        self.decision_threads.remove(&idx);
                    }
                }
            }
            kind::THREAD_RESOLVED | kind::THREAD_REOPENED => {
                if let Some(idx) = int(&p["thread_id"]).and_then(|t| self.thread_conversation.get(&t)) {
                    self.conversations[*idx].resolutions.push((event.at, event.kind == kind::THREAD_RESOLVED));
                }
            }
            kind::DM_CREATED => {
                let Some(dm) = int(&p["dm_id"]) else { return };
                self.dm_names.insert(dm, dm_name(&p["dm"]));
                self.origins.push(Origin::Dm(dm));
                self.conversations.push(Conversation {
                    kind: ConversationKind::Timeline,
                    channel: dm_name(&p["dm"]),
                    title: String::new(),
                    direct: true,
                    channel_id: None,
                    resolutions: Vec::new(),
                    norm: None,
                });
                self.dm_conversation.insert(dm, self.conversations.len() - 1);
            }
            kind::DM_UPDATED => {
                if let Some(dm) = int(&p["dm_id"]) {
                    self.dm_names.insert(dm, dm_name(&p["dm"]));
                }
            }
            kind::MESSAGE_POSTED => self.message(event),
            // A deleted message is redacted in the log: what its text said (a question, a
            // mention) is gone; that it was posted, by whom and when, stays. A dataset kept up to
            // date event by event reads it as one rebuilt from the redacted log does.
            kind::MESSAGE_DELETED => {
                if let Some(idx) = int(&p["message_id"]).and_then(|id| self.message_idx(id)) {
                    self.messages[idx].mentions_other = false;
                    self.messages[idx].ends_with_question = false;
                }
            }
            // The first reply to a timeline message moved it into the thread it started: like a
            // Slack thread's parent, it belongs to the thread for its whole history.
            kind::MESSAGE_MOVED => {
                let (Some(id), Some(thread)) = (int(&p["message_id"]), int(&p["thread_id"])) else { return };
                let Some(conversation) = self.thread_conversation.get(&thread).copied() else { return };
                if let Some(idx) = self.message_idx(id) {
                    self.messages[idx].conversation = conversation;
                }
            }
            // A check-in's thread collects status answers rather than a discussion: it is read
            // as a timeline, which never bounces.
            kind::CHECKIN_CREATED => {
                if let Some(idx) = int(&p["checkin"]["thread_id"]).and_then(|t| self.thread_conversation.get(&t)) {
                    self.conversations[*idx].kind = ConversationKind::Timeline;
                    self.conversations[*idx].title = String::new();
                }
            }
            kind::HUDDLE_STARTED => {
                if let Some(huddle) = int(&p["huddle_id"]) {
                    let conversation =
                        int(&p["huddle"]["thread_id"]).and_then(|t| self.thread_conversation.get(&t)).copied();
                    self.huddles.push(Huddle { conversation, ..Huddle::default() });
                    self.huddle_of.insert(huddle, self.huddles.len() - 1);
                }
            }
            kind::HUDDLE_JOINED | kind::HUDDLE_LEFT => {
                let (Some(huddle), Some(member)) = (int(&p["huddle_id"]), int(&p["member_id"])) else { return };
                let Some(idx) = self.huddle_of.get(&huddle).copied() else { return };
                let person = self.person(member);
                let stretches = &mut self.huddles[idx].stretches;
                if event.kind == kind::HUDDLE_JOINED {
                    stretches.push((person, event.at, None));
                } else if let Some(open) =
                    stretches.iter_mut().rev().find(|(m, _, left)| *m == person && left.is_none())
                {
                    open.2 = Some(event.at);
                }
            }
            kind::HUDDLE_DECISION_RECORDED => {
                if let Some(idx) = int(&p["huddle_id"]).and_then(|h| self.huddle_of.get(&h)) {
                    self.huddles[*idx].decisions.push(event.at);
                }
            }
            kind::NORM_CHANGED => {
                let minutes = p["reply_within_minutes"].as_i64();
                match int(&p["channel_id"]) {
                    Some(channel) => {
                        self.channel_norms.insert(channel, minutes);
                    }
                    None => self.workspace_norm = minutes.or(self.workspace_norm),
                }
            }
            kind::PROJECT_CREATED | kind::PROJECT_UPDATED => {
                if let Some(project) = int(&p["project_id"]) {
                    self.projects.insert(project, text(&p["project"]["name"]));
                }
            }
            kind::TASK_CREATED => self.task(event),
            kind::TASK_STATUS_CHANGED => {
                if let Some(status) = p["to"].as_str().and_then(TaskStatus::parse) {
                    self.task_change(event, TaskChange::Status(status));
                }
            }
            kind::TASK_ASSIGNED => {
                let assignee = int(&p["to"]).map(|m| self.person(m));
                self.task_change(event, TaskChange::Assigned(assignee));
            }
            kind::TASK_DUE_CHANGED => {
                let due = p["to"].as_str().and_then(|d| d.parse::<Date>().ok());
                self.task_change(event, TaskChange::Due(due));
            }
            kind::TASK_UPDATED => self.task_change(event, TaskChange::Updated),
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

    fn message(&mut self, event: &Event) {
        let fields = &event.payload["message"];
        let (Some(id), Some(author)) = (int(&fields["id"]), int(&fields["author_id"])) else { return };
        let conversation = match (int(&fields["thread_id"]), int(&fields["dm_id"])) {
            (Some(thread), _) => self.thread_conversation.get(&thread).copied(),
            (None, Some(dm)) => self.dm_conversation.get(&dm).copied(),
            (None, None) => None,
        };
        let Some(conversation) = conversation else { return };
        let mentions_other =
            fields["mentions"].as_array().is_some_and(|ids| ids.iter().any(|m| int(m) != Some(author)));
        let author = self.person(author);
        self.messages.push(Message {
            id,
            conversation,
            author,
            at: event.at,
            mentions_other,
            ends_with_question: ends_with_question(fields["body"].as_str().unwrap_or_default()),
        });
    }

    fn task(&mut self, event: &Event) {
        let fields = &event.payload["task"];
        let Some(id) = int(&fields["id"]) else { return };
        let assignee = int(&fields["assignee_id"]).map(|m| self.person(m));
        let conversation = int(&fields["thread_id"]).and_then(|t| self.thread_conversation.get(&t).copied());
        if let Some(idx) = conversation {
            let project = int(&fields["project_id"]).and_then(|p| self.projects.get(&p).cloned()).unwrap_or_default();
            self.conversations[idx].channel = project;
        }
        self.tasks.push(Task {
            id,
            project: int(&fields["project_id"]).and_then(|p| self.projects.get(&p).cloned()).unwrap_or_default(),
            project_id: int(&fields["project_id"]),
            title: text(&fields["title"]),
            created_at: event.at,
            status: fields["status"].as_str().and_then(TaskStatus::parse).unwrap_or(TaskStatus::Todo),
            assignee,
            due: fields["due"].as_str().and_then(|d| d.parse().ok()),
            changes: Vec::new(),
            conversation,
        });
        self.task_of.insert(id, self.tasks.len() - 1);
    }

    fn task_change(&mut self, event: &Event, change: TaskChange) {
        if let Some(idx) = int(&event.payload["task_id"]).and_then(|t| self.task_of.get(&t)) {
            self.tasks[*idx].changes.push((event.at, change));
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
