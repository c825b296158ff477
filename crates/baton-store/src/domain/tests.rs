//! The rules on an in-memory transaction: no database, only what the domain reads and records.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use baton_core::calendar::WorkingHours;
use baton_core::event::Change;
use baton_core::model::{
    Channel, Dm, Member, Message, Priority, Project, Reaction, Role, Task, TaskStatus, Thread, Visibility, Workspace,
};
use baton_core::model::{Huddle, HuddleItem, HuddleParticipation};
use baton_core::{ChannelId, DmId, HuddleId, MemberId, MessageId, ProjectId, TaskId, ThreadId};
use jiff::Timestamp;
use serde_json::Value;

use super::*;
use crate::command::{MessageTarget, ThreadHome};

/// A workspace held in maps: members, channels and who is in which, and every change recorded.
#[derive(Default)]
struct Memory {
    members: BTreeMap<MemberId, Member>,
    channels: BTreeMap<ChannelId, Channel>,
    in_channel: BTreeSet<(ChannelId, MemberId)>,
    projects: BTreeMap<ProjectId, Project>,
    tasks: BTreeMap<TaskId, Task>,
    threads: BTreeMap<ThreadId, Thread>,
    in_dm: BTreeSet<(DmId, MemberId)>,
    dms: BTreeMap<DmId, Dm>,
    messages: BTreeMap<MessageId, Message>,
    followers: BTreeSet<(ThreadId, MemberId)>,
    read_marks: BTreeMap<(MemberId, MessageTarget), MessageId>,
    redacted: Vec<MessageId>,
    imported: bool,
    norms: BTreeMap<Option<ChannelId>, i64>,
    huddles: BTreeMap<HuddleId, (Huddle, Option<ProjectId>)>,
    items: i64,
    recorded: Vec<(Change, Scope, Option<MemberId>)>,
    scheduled: Vec<(String, MemberId, Timestamp, Value)>,
    notified: Vec<(MemberId, String, Value)>,
    notifications: Vec<baton_core::model::Notification>,
    /// When the command happens, if not at [`Memory::at`]'s default.
    now: Option<Timestamp>,
    invites: Vec<(MemberId, String)>,
    sessions: Vec<(MemberId, String)>,
    sessions_ended: Vec<MemberId>,
    passwords: BTreeMap<MemberId, String>,
    /// A workspace not set up yet: `workspace` answers `set_up` until it is.
    fresh: bool,
    set_up: Option<Workspace>,
    actor: Option<MemberId>,
    fired: BTreeMap<i64, Value>,
    checkins: BTreeMap<i64, baton_core::model::CheckIn>,
    /// Every ask, by check-in, in the order asked.
    asks: Vec<(i64, baton_core::model::CheckInAsk)>,
    digest_marks: BTreeMap<i64, Timestamp>,
    /// `(check-in, member, task, asked)`: what the advisor put on a check-in prompt.
    checkin_items: Vec<(i64, MemberId, TaskId, bool)>,
    /// Who moved which task when: what the SQL backend reads from the log's actors.
    task_moves: Vec<(MemberId, Timestamp, TaskId)>,
}

impl Memory {
    fn with_members(roles: &[Role]) -> Memory {
        let mut memory = Memory::default();
        for (n, role) in roles.iter().enumerate() {
            let id = MemberId(n as i64 + 1);
            memory.members.insert(
                id,
                Member {
                    id,
                    handle: format!("m{}", id.0),
                    display_name: String::new(),
                    email: None,
                    role: *role,
                    time_zone: "UTC".into(),
                    working_hours: WorkingHours::default(),
                    active: true,
                    service: false,
                    created_at: Timestamp::UNIX_EPOCH,
                },
            );
        }
        memory
    }

    /// The kinds of change recorded, notifications aside (`notified` has those).
    fn kinds(&self) -> Vec<&str> {
        let kinds = self.recorded.iter().map(|(change, _, _)| change.kind());
        kinds.filter(|kind| *kind != "notification.delivered").collect()
    }
}

#[async_trait]
impl Tx for Memory {
    fn at(&self) -> Timestamp {
        self.now.unwrap_or_else(|| "2024-05-01T10:00:00Z".parse().unwrap())
    }

    fn is_live(&self) -> bool {
        !self.imported
    }

    async fn dm_members(&mut self, dm: DmId) -> Result<Vec<MemberId>> {
        Ok(self.in_dm.iter().filter(|(d, _)| *d == dm).map(|(_, m)| *m).collect())
    }

    async fn dm_of(&mut self, people: &[MemberId]) -> Result<Option<Dm>> {
        Ok(self
            .dms
            .values()
            .find(|dm| {
                let mut ids = dm.member_ids.clone();
                ids.sort();
                ids == people
            })
            .cloned())
    }

    async fn followers(&mut self, thread: ThreadId) -> Result<Vec<MemberId>> {
        Ok(self.followers.iter().filter(|(t, _)| *t == thread).map(|(_, m)| *m).collect())
    }

    async fn message(&mut self, id: MessageId) -> Result<Option<Message>> {
        Ok(self.messages.get(&id).cloned())
    }

    async fn members_by_handle(&mut self, handles: &[String]) -> Result<Vec<MemberId>> {
        Ok(handles.iter().filter_map(|h| self.members.values().find(|m| &m.handle == h).map(|m| m.id)).collect())
    }

    async fn advice_decided(&mut self, key: &str) -> Result<bool> {
        Ok(self.recorded.iter().any(|(change, _, _)| match change {
            Change::AdviceAccepted(d) | Change::AdviceDismissed(d) => d.key == key,
            _ => false,
        }))
    }

    async fn checkin(&mut self, id: i64) -> Result<Option<baton_core::model::CheckIn>> {
        Ok(self.checkins.get(&id).cloned())
    }

    async fn insert_checkin(&mut self, checkin: &baton_core::model::CheckIn) -> Result<i64> {
        let id = self.checkins.len() as i64 + 1;
        self.checkins.insert(id, baton_core::model::CheckIn { id, ..checkin.clone() });
        Ok(id)
    }

    async fn add_ask(&mut self, checkin: i64, member: MemberId, day: jiff::civil::Date, at: Timestamp) -> Result<bool> {
        if self.asks.iter().any(|(c, a)| *c == checkin && a.member_id == member && a.day == day) {
            return Ok(false);
        }
        let ask = baton_core::model::CheckInAsk { member_id: member, day, asked_at: at, answer_message_id: None };
        self.asks.push((checkin, ask));
        Ok(true)
    }

    async fn last_answered_ask(&mut self, checkin: i64, member: MemberId) -> Result<Option<Timestamp>> {
        let answered = self.asks.iter().filter(|(c, a)| *c == checkin && a.member_id == member);
        Ok(answered.filter(|(_, a)| a.answer_message_id.is_some()).map(|(_, a)| a.asked_at).max())
    }

    async fn answer_ask(&mut self, checkin: i64, member: MemberId, message: MessageId) -> Result<()> {
        let open = self.asks.iter_mut().filter(|(c, a)| *c == checkin && a.member_id == member);
        if let Some((_, ask)) = open.filter(|(_, a)| a.answer_message_id.is_none()).max_by_key(|(_, a)| a.asked_at) {
            ask.answer_message_id = Some(message);
        }
        Ok(())
    }

    async fn asks_between(
        &mut self,
        checkin: i64,
        after: Option<Timestamp>,
        up_to: Timestamp,
    ) -> Result<Vec<baton_core::model::CheckInAsk>> {
        let within =
            |a: &baton_core::model::CheckInAsk| after.is_none_or(|after| a.asked_at > after) && a.asked_at <= up_to;
        Ok(self.asks.iter().filter(|(c, a)| *c == checkin && within(a)).map(|(_, a)| a.clone()).collect())
    }

    async fn digest_mark(&mut self, checkin: i64) -> Result<Option<Timestamp>> {
        Ok(self.digest_marks.get(&checkin).copied())
    }

    async fn set_digest_mark(&mut self, checkin: i64, to: Timestamp) -> Result<()> {
        self.digest_marks.insert(checkin, to);
        Ok(())
    }

    async fn activity_since(
        &mut self,
        member: MemberId,
        since: Timestamp,
        except: ThreadId,
    ) -> Result<checkins::Activity> {
        let posted = self.messages.values().filter(|m| m.author_id == member && m.created_at > since);
        let threads: BTreeSet<ThreadId> = posted.filter_map(|m| m.thread_id).filter(|t| *t != except).collect();
        let moved = self.task_moves.iter().filter(|(by, at, _)| *by == member && *at > since);
        let tasks: BTreeSet<TaskId> = moved.map(|(_, _, task)| *task).collect();
        Ok(checkins::Activity { threads: threads.into_iter().collect(), tasks_moved: tasks.into_iter().collect() })
    }

    async fn add_checkin_item(&mut self, checkin: i64, member: MemberId, task: TaskId) -> Result<()> {
        self.checkin_items.push((checkin, member, task, false));
        Ok(())
    }

    async fn take_checkin_items(&mut self, checkin: i64, member: MemberId, _at: Timestamp) -> Result<Vec<TaskId>> {
        let mut taken = Vec::new();
        for (c, m, task, asked) in &mut self.checkin_items {
            if *c == checkin && *m == member && !*asked {
                *asked = true;
                taken.push(*task);
            }
        }
        Ok(taken)
    }

    async fn redact(&mut self, message: MessageId) -> Result<()> {
        self.redacted.push(message);
        Ok(())
    }

    async fn mark_read(&mut self, member: MemberId, target: MessageTarget, up_to: MessageId) -> Result<()> {
        let mark = self.read_marks.entry((member, target)).or_insert(up_to);
        *mark = (*mark).max(up_to);
        Ok(())
    }

    async fn member(&mut self, id: MemberId) -> Result<Option<Member>> {
        Ok(self.members.get(&id).cloned())
    }

    async fn channel(&mut self, id: ChannelId, member: MemberId) -> Result<Option<Channel>> {
        let is_member = self.in_channel.contains(&(id, member));
        Ok(self.channels.get(&id).map(|c| Channel { is_member, ..c.clone() }))
    }

    async fn channels_named(&mut self, name: &str, member: MemberId) -> Result<Vec<Channel>> {
        let ids: Vec<ChannelId> = self.channels.values().filter(|c| c.name == name).map(|c| c.id).collect();
        let mut found = Vec::new();
        for id in ids {
            found.extend(self.channel(id, member).await?);
        }
        Ok(found)
    }

    async fn thread(&mut self, id: ThreadId) -> Result<Option<Thread>> {
        Ok(self.threads.get(&id).cloned())
    }

    async fn timeline_of(&mut self, channel: ChannelId) -> Result<Option<ThreadId>> {
        Ok(self.threads.values().find(|t| t.timeline && t.channel_id == Some(channel)).map(|t| t.id))
    }

    async fn in_dm(&mut self, dm: DmId, member: MemberId) -> Result<bool> {
        Ok(self.in_dm.contains(&(dm, member)))
    }

    async fn reply_norm(&mut self, channel: Option<ChannelId>) -> Result<i64> {
        let own = channel.and_then(|c| self.norms.get(&Some(c)).copied());
        Ok(own.or(self.norms.get(&None).copied()).unwrap_or(240))
    }

    async fn workspace(&mut self) -> Result<Option<Workspace>> {
        if self.fresh {
            return Ok(self.set_up.clone());
        }
        let created_at = Timestamp::UNIX_EPOCH;
        Ok(Some(Workspace { id: 1, name: "W".into(), time_zone: "Europe/Berlin".into(), created_at }))
    }

    async fn mark_fired(&mut self, id: i64, outcome: &Value) -> Result<()> {
        self.fired.insert(id, outcome.clone());
        Ok(())
    }

    async fn answered(&mut self, message: &Message) -> Result<bool> {
        let same_place = |m: &&Message| m.thread_id == message.thread_id && m.dm_id == message.dm_id;
        let later = |m: &&Message| (m.created_at, m.id) > (message.created_at, message.id);
        Ok(self.messages.values().filter(same_place).filter(later).any(|m| m.author_id != message.author_id))
    }

    fn act_as(&mut self, member: MemberId) {
        self.actor = Some(member);
    }

    async fn create_workspace(&mut self, name: &str, time_zone: &str) -> Result<Workspace> {
        let made = Workspace { id: 1, name: name.into(), time_zone: time_zone.into(), created_at: self.at() };
        self.set_up = Some(made.clone());
        Ok(made)
    }

    async fn project_named(&mut self, name: &str) -> Result<Option<ProjectId>> {
        Ok(self.projects.values().find(|p| p.name == name && !p.archived).map(|p| p.id))
    }

    async fn huddle(&mut self, id: HuddleId) -> Result<Option<Huddle>> {
        Ok(self.huddles.get(&id).map(|(h, _)| h.clone()))
    }

    async fn huddle_project(&mut self, id: HuddleId) -> Result<Option<ProjectId>> {
        Ok(self.huddles.get(&id).and_then(|(_, p)| *p))
    }

    async fn project(&mut self, id: ProjectId) -> Result<Option<Project>> {
        Ok(self.projects.get(&id).cloned())
    }

    async fn task(&mut self, id: TaskId) -> Result<Option<Task>> {
        Ok(self.tasks.get(&id).cloned())
    }

    async fn next_id(&mut self, kind: IdKind) -> Result<i64> {
        Ok(match kind {
            IdKind::Channel => self.channels.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::Project => self.projects.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::Task => self.tasks.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::Thread => self.threads.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::Message => self.messages.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::Dm => self.dms.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::Huddle => self.huddles.keys().last().map_or(1, |id| id.0 + 1),
            IdKind::HuddleItem => self.items + 1,
        })
    }

    async fn job(&mut self, id: i64) -> Result<Option<baton_core::model::Job>> {
        let Some((kind, member, at, payload)) = self.scheduled.get(id as usize - 1).cloned() else { return Ok(None) };
        let cancelled =
            self.recorded.iter().any(|(change, _, _)| matches!(change, Change::JobCancelled(j) if j.job_id == id));
        Ok(Some(baton_core::model::Job {
            id,
            kind,
            member_id: member,
            due_at: at,
            payload,
            created_at: Timestamp::UNIX_EPOCH,
            fired_at: self.fired.contains_key(&id).then_some(at),
            cancelled_at: cancelled.then_some(at),
            outcome: self.fired.get(&id).cloned(),
        }))
    }

    async fn schedule(&mut self, kind: &str, member: MemberId, at: Timestamp, payload: &Value) -> Result<i64> {
        self.scheduled.push((kind.to_string(), member, at, payload.clone()));
        Ok(self.scheduled.len() as i64)
    }

    async fn insert_member(&mut self, member: &crate::command::NewMember) -> Result<MemberId> {
        if self.members.values().any(|m| m.handle == member.handle || m.email.as_deref() == Some(&member.email)) {
            return Err(Error::conflict("a member with this handle or e-mail already exists"));
        }
        let id = MemberId(self.members.keys().last().map_or(1, |id| id.0 + 1));
        let added = Member {
            id,
            handle: member.handle.clone(),
            display_name: member.display_name.clone(),
            email: Some(member.email.clone()),
            role: member.role,
            time_zone: member.time_zone.clone(),
            working_hours: member.working_hours.clone(),
            active: true,
            service: member.service,
            created_at: self.at(),
        };
        self.members.insert(id, added);
        Ok(id)
    }

    async fn add_invite(&mut self, member: MemberId, token_hash: &str) -> Result<()> {
        self.invites.push((member, token_hash.to_string()));
        Ok(())
    }

    async fn active_owners(&mut self) -> Result<i64> {
        Ok(self.members.values().filter(|m| m.role == Role::Owner && m.active).count() as i64)
    }

    async fn update_member(&mut self, id: MemberId, change: &members::MemberChange<'_>) -> Result<()> {
        let member = self.members.get_mut(&id).expect("the domain reads a member before it changes one");
        if let Some(name) = change.display_name {
            member.display_name = name.to_string();
        }
        if let Some(zone) = change.time_zone {
            member.time_zone = zone.to_string();
        }
        if let Some(hours) = change.working_hours {
            member.working_hours = hours.clone();
        }
        member.role = change.role.unwrap_or(member.role);
        member.active = change.active.unwrap_or(member.active);
        Ok(())
    }

    async fn revoke_access(&mut self, member: MemberId) -> Result<()> {
        self.sessions_ended.push(member);
        self.sessions.retain(|(m, _)| *m != member);
        self.invites.retain(|(m, _)| *m != member);
        Ok(())
    }

    async fn add_session(&mut self, member: MemberId, token_hash: &str) -> Result<()> {
        self.sessions.push((member, token_hash.to_string()));
        Ok(())
    }

    async fn remove_session(&mut self, token_hash: &str) -> Result<()> {
        self.sessions.retain(|(_, hash)| hash != token_hash);
        Ok(())
    }

    async fn end_sessions(&mut self, member: MemberId) -> Result<()> {
        self.sessions_ended.push(member);
        self.sessions.retain(|(m, _)| *m != member);
        Ok(())
    }

    async fn use_invite(&mut self, member: MemberId, token_hash: &str) -> Result<bool> {
        let before = self.invites.len();
        self.invites.retain(|(m, hash)| !(*m == member && hash == token_hash));
        Ok(self.invites.len() < before)
    }

    async fn set_password(&mut self, member: MemberId, password_hash: &str) -> Result<()> {
        self.passwords.insert(member, password_hash.to_string());
        Ok(())
    }

    async fn unread_notifications(&mut self, member: MemberId) -> Result<Vec<i64>> {
        let unread = self.notifications.iter().filter(|n| n.member_id == member);
        Ok(unread.filter(|n| n.delivered_at.is_some() && n.read_at.is_none()).map(|n| n.id).collect())
    }

    async fn set_notifications_read(&mut self, ids: &[i64]) -> Result<()> {
        let at = self.at();
        for notification in self.notifications.iter_mut().filter(|n| ids.contains(&n.id)) {
            notification.read_at = Some(at);
        }
        Ok(())
    }

    async fn add_notification(
        &mut self,
        member: MemberId,
        why: &str,
        about: &Value,
        urgent: bool,
        deliver_at: Timestamp,
    ) -> Result<i64> {
        self.notified.push((member, why.to_string(), about.clone()));
        let id = self.notifications.len() as i64 + 1;
        self.notifications.push(baton_core::model::Notification {
            id,
            member_id: member,
            kind: why.to_string(),
            payload: about.clone(),
            urgent,
            created_at: self.at(),
            deliver_at,
            delivered_at: None,
            read_at: None,
        });
        Ok(id)
    }

    async fn mark_delivered(&mut self, id: i64) -> Result<Option<baton_core::model::Notification>> {
        let at = self.at();
        let Some(found) = self.notifications.iter_mut().find(|n| n.id == id && n.delivered_at.is_none()) else {
            return Ok(None);
        };
        found.delivered_at = Some(at);
        Ok(Some(found.clone()))
    }

    async fn record(&mut self, change: Change, scope: Scope, also_for: Option<MemberId>) -> Result<()> {
        match &change {
            Change::ChannelCreated(c) | Change::ChannelUpdated(c) => {
                let shared = &c.channel;
                self.channels.insert(
                    c.channel_id,
                    Channel {
                        id: shared.id,
                        name: shared.name.clone(),
                        visibility: shared.visibility,
                        topic: shared.topic.clone(),
                        created_by: shared.created_by,
                        created_at: shared.created_at,
                        archived: shared.archived,
                        is_member: false,
                    },
                );
            }
            Change::ChannelMemberAdded(m) => {
                self.in_channel.insert((m.channel_id, m.member_id));
            }
            Change::ChannelMemberRemoved(m) => {
                self.in_channel.remove(&(m.channel_id, m.member_id));
            }
            Change::ThreadCreated(t) => {
                self.threads.insert(t.thread_id, t.thread.clone());
                self.followers.insert((t.thread_id, t.thread.created_by));
            }
            Change::DmCreated(d) | Change::DmUpdated(d) => {
                for member in &d.dm.member_ids {
                    self.in_dm.insert((d.dm_id, *member));
                }
                self.dms.insert(d.dm_id, d.dm.clone());
            }
            Change::MessagePosted(p) => {
                if let Some(thread) = p.message.thread_id {
                    self.followers.insert((thread, p.message.author_id));
                }
                self.messages.insert(p.message.id, p.message.clone());
            }
            Change::MessageEdited(e) => {
                let at = self.at();
                let message = self.messages.get_mut(&e.message_id).unwrap();
                message.body.clone_from(&e.body);
                message.mentions.clone_from(&e.mentions);
                message.edited_at = Some(at);
            }
            Change::MessageDeleted(d) => {
                let message = self.messages.get_mut(&d.message_id).unwrap();
                message.body.clear();
                message.mentions.clear();
                message.deleted = true;
            }
            Change::MessageMoved(m) => {
                let message = self.messages.get_mut(&m.message_id).unwrap();
                message.thread_id = Some(m.thread_id);
                message.dm_id = None;
                self.followers.insert((m.thread_id, message.author_id));
            }
            Change::HuddleStarted(h) => {
                self.huddles.insert(h.huddle_id, (h.huddle.clone(), h.project_id));
            }
            Change::HuddleJoined(p) => {
                let stretch = HuddleParticipation { member_id: p.member_id, joined_at: p.at, left_at: None };
                self.huddles.get_mut(&p.huddle_id).unwrap().0.participants.push(stretch);
            }
            Change::HuddleLeft(p) => {
                let huddle = &mut self.huddles.get_mut(&p.huddle_id).unwrap().0;
                for stretch in huddle.participants.iter_mut().filter(|s| s.member_id == p.member_id) {
                    stretch.left_at = stretch.left_at.or(Some(p.at));
                }
            }
            Change::HuddleDecisionRecorded(d) => {
                self.items = d.item_id;
                let item = HuddleItem {
                    id: d.item_id,
                    text: d.text.clone(),
                    assignee_id: None,
                    due: None,
                    task_id: None,
                    created_by: MemberId(1),
                    created_at: Timestamp::UNIX_EPOCH,
                };
                self.huddles.get_mut(&d.huddle_id).unwrap().0.decisions.push(item);
            }
            Change::HuddleActionItemAdded(a) => {
                self.items = a.item_id;
                let item = HuddleItem {
                    id: a.item_id,
                    text: a.title.clone(),
                    assignee_id: a.assignee_id,
                    due: a.due,
                    task_id: None,
                    created_by: MemberId(1),
                    created_at: Timestamp::UNIX_EPOCH,
                };
                self.huddles.get_mut(&a.huddle_id).unwrap().0.action_items.push(item);
            }
            Change::HuddleEnded(e) => {
                let at = self.at();
                let huddle = &mut self.huddles.get_mut(&e.huddle_id).unwrap().0;
                huddle.ended_at = Some(at);
                huddle.summary_message_id = Some(e.summary_message_id);
                huddle.action_items.clone_from(&e.action_items);
            }
            Change::NormChanged(n) => match n.reply_within_minutes {
                Some(minutes) => {
                    self.norms.insert(n.channel_id, minutes);
                }
                None => {
                    self.norms.remove(&n.channel_id);
                }
            },
            Change::ReactionAdded(r) => {
                let message = self.messages.get_mut(&r.message_id).unwrap();
                message.reactions.push(Reaction { emoji: r.emoji.clone(), members: vec![r.member_id] });
            }
            Change::ReactionRemoved(r) => {
                let message = self.messages.get_mut(&r.message_id).unwrap();
                message.reactions.retain(|x| !(x.emoji == r.emoji && x.members.contains(&r.member_id)));
            }
            Change::ThreadUpdated(u) => {
                let thread = self.threads.get_mut(&u.thread_id).unwrap();
                if let Some(title) = &u.title {
                    thread.title.clone_from(title);
                    thread.display_title = None;
                }
                if let Some(tags) = &u.tags {
                    thread.tags.clone_from(tags);
                }
                if let Some(shown) = &u.display_title {
                    thread.display_title.clone_from(shown);
                }
            }
            Change::ThreadResolved(t) => self.threads.get_mut(&t.thread_id).unwrap().resolved = true,
            Change::ThreadReopened(t) => self.threads.get_mut(&t.thread_id).unwrap().resolved = false,
            Change::ProjectCreated(p) | Change::ProjectUpdated(p) => {
                self.projects.insert(p.project_id, p.project.clone());
            }
            Change::TaskCreated(t) => {
                self.tasks.insert(t.task_id, t.task.clone());
            }
            Change::TaskUpdated(u) => {
                let task = self.tasks.get_mut(&u.task_id).unwrap();
                task.title = u.title.clone().unwrap_or(task.title.clone());
                task.description = u.description.clone().unwrap_or(task.description.clone());
                task.priority = u.priority.unwrap_or(task.priority);
            }
            Change::TaskAssigned(a) => self.tasks.get_mut(&a.task_id).unwrap().assignee_id = a.to,
            Change::TaskDueChanged(d) => self.tasks.get_mut(&d.task_id).unwrap().due = d.to,
            Change::TaskStatusChanged(s) => self.tasks.get_mut(&s.task_id).unwrap().status = s.to,
            _ => {}
        }
        self.recorded.push((change, scope, also_for));
        Ok(())
    }
}

const OWNER: Viewer = Viewer { member: MemberId(1), role: Role::Owner };
const ADMIN: Viewer = Viewer { member: MemberId(2), role: Role::Admin };
const ANA: Viewer = Viewer { member: MemberId(3), role: Role::Member };
const GUEST: Viewer = Viewer { member: MemberId(4), role: Role::Guest };

fn workspace() -> Memory {
    Memory::with_members(&[Role::Owner, Role::Admin, Role::Member, Role::Guest, Role::Member])
}

async fn private(tx: &mut Memory, by: &Viewer, name: &str) -> ChannelId {
    let created = channels::create(tx, by, name, Visibility::Private, "", &[]).await.unwrap();
    created.id
}

#[tokio::test]
async fn a_new_channel_is_recorded_with_its_members_each_once_in_its_own_scope() {
    let mut tx = workspace();
    let members = [ANA.member, MemberId(5), ANA.member, OWNER.member];
    let answer = channels::create(&mut tx, &OWNER, "plans", Visibility::Public, "t", &members).await.unwrap();
    assert!(answer.is_member);
    assert_eq!(tx.kinds(), ["channel.created", "channel.member_added", "channel.member_added", "channel.member_added"]);
    assert!(tx.recorded.iter().all(|(_, scope, also)| *scope == Scope::Channel(ChannelId(1)) && also.is_none()));
}

#[tokio::test]
async fn guests_neither_create_channels_nor_are_added_by_members() {
    let mut tx = workspace();
    let refused = channels::create(&mut tx, &GUEST, "g", Visibility::Public, "", &[]).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let refused = channels::create(&mut tx, &ANA, "c", Visibility::Public, "", &[GUEST.member]).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    channels::create(&mut tx, &ADMIN, "c", Visibility::Public, "", &[GUEST.member]).await.unwrap();
}

/// The admin is not in the private channel: to them it does not exist, by id or by name.
#[tokio::test]
async fn a_private_channel_is_hidden_from_an_admin_outside_it_even_by_its_name() {
    let mut tx = workspace();
    let secret = private(&mut tx, &ANA, "secret").await;
    let hidden = channels::update(&mut tx, &ADMIN, secret, &None, &Some("x".into()), None).await.unwrap_err();
    assert!(matches!(hidden, Error::NotFound { .. }), "{hidden:?}");
    let hidden = channels::add_member(&mut tx, &ADMIN, secret, ADMIN.member).await.unwrap_err();
    assert!(matches!(hidden, Error::NotFound { .. }), "{hidden:?}");
    // The name is free for whoever cannot see the channel that has it, and taken for who can.
    channels::create(&mut tx, &ADMIN, "secret", Visibility::Public, "", &[]).await.unwrap();
    let taken = private(&mut tx, &ANA, "other").await;
    let refused = channels::update(&mut tx, &ANA, taken, &Some("secret".into()), &None, None).await.unwrap_err();
    assert!(matches!(refused, Error::Conflict { .. }), "{refused:?}");
}

#[tokio::test]
async fn only_its_creator_or_an_admin_renames_a_channel_or_removes_others() {
    let mut tx = workspace();
    let made =
        channels::create(&mut tx, &OWNER, "c", Visibility::Public, "", &[ANA.member, MemberId(5)]).await.unwrap();
    let id = made.id;
    let refused = channels::update(&mut tx, &ANA, id, &Some("mine".into()), &None, None).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let refused = channels::remove_member(&mut tx, &ANA, id, MemberId(5)).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    // Anyone may leave.
    channels::remove_member(&mut tx, &ANA, id, ANA.member).await.unwrap();
    let (change, scope, also) = tx.recorded.last().unwrap();
    assert_eq!((change.kind(), *scope, *also), ("channel.member_removed", Scope::Channel(id), Some(ANA.member)));
    let gone = channels::remove_member(&mut tx, &ADMIN, id, ANA.member).await.unwrap_err();
    assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
    let renamed = channels::update(&mut tx, &ADMIN, id, &Some("renamed".into()), &None, Some(true)).await.unwrap();
    assert_eq!((renamed.name.as_str(), renamed.archived), ("renamed", true));
}

#[tokio::test]
async fn joining_twice_records_once_and_a_guest_adds_only_themself() {
    let mut tx = workspace();
    let made = channels::create(&mut tx, &OWNER, "c", Visibility::Public, "", &[GUEST.member]).await.unwrap();
    let id = made.id;
    let before = tx.recorded.len();
    channels::add_member(&mut tx, &ANA, id, ANA.member).await.unwrap();
    channels::add_member(&mut tx, &ANA, id, ANA.member).await.unwrap();
    assert_eq!(tx.recorded.len(), before + 1);
    let refused = channels::add_member(&mut tx, &GUEST, id, MemberId(5)).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
}

fn fields<'a>(title: &'a str, assignee: Option<MemberId>, due: Option<&str>) -> tasks::TaskFields<'a> {
    tasks::TaskFields {
        title,
        description: "",
        assignee,
        status: TaskStatus::Todo,
        due: due.map(|d| d.parse().unwrap()),
        priority: Priority::Normal,
    }
}

async fn project(tx: &mut Memory) -> ProjectId {
    let made = tasks::create_project(tx, &OWNER, "Launch", "").await.unwrap();
    made.id
}

/// A task begins with its thread, for every member but guests; its assignee hears of it (unless
/// they made it), and a future due date schedules a reminder at the start of that day in the
/// workspace's zone.
#[tokio::test]
async fn a_new_task_has_its_thread_notifies_its_assignee_and_schedules_its_due_day() {
    let mut tx = workspace();
    let launch = project(&mut tx).await;
    let made = tasks::create_task(&mut tx, &OWNER, launch, fields("ship", Some(ANA.member), Some("2024-05-03")))
        .await
        .unwrap();
    assert_eq!(&tx.kinds()[1..], ["thread.created", "task.created"]);
    let task_changes = tx.recorded.iter().filter(|(change, _, _)| change.kind() != "notification.delivered");
    assert!(task_changes.clone().all(|(_, scope, _)| *scope == Scope::Internal));
    assert_eq!(task_changes.count(), 3);
    assert_eq!(made.thread_id, ThreadId(1));
    assert_eq!(tx.notified.len(), 1);
    assert_eq!((tx.notified[0].0, tx.notified[0].1.as_str()), (ANA.member, "assigned"));
    let (kind, owner, at, _) = &tx.scheduled[0];
    assert_eq!((kind.as_str(), *owner), ("due_soon", OWNER.member));
    assert_eq!(*at, "2024-05-02T22:00:00Z".parse::<Timestamp>().unwrap(), "midnight in Berlin");
    // Assigning oneself notifies nobody; a due date already begun schedules nothing.
    tasks::create_task(&mut tx, &ANA, launch, fields("mine", Some(ANA.member), Some("2024-05-01"))).await.unwrap();
    assert_eq!((tx.notified.len(), tx.scheduled.len()), (1, 1));
}

#[tokio::test]
async fn guests_neither_see_nor_make_projects_and_tasks() {
    let mut tx = workspace();
    let launch = project(&mut tx).await;
    let refused = tasks::create_project(&mut tx, &GUEST, "mine", "").await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let refused = tasks::create_task(&mut tx, &GUEST, launch, fields("t", None, None)).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let hidden = tasks::update_project(&mut tx, &GUEST, launch, &Some("x".into()), &None, None).await.unwrap_err();
    assert!(matches!(hidden, Error::NotFound { .. }), "{hidden:?}");
}

/// An update records only what changed, each as its own event, and a refused part (an
/// inactive assignee) leaves everything unrecorded.
#[tokio::test]
async fn an_update_records_what_changed_and_nothing_when_refused() {
    let mut tx = workspace();
    let launch = project(&mut tx).await;
    let made = tasks::create_task(&mut tx, &OWNER, launch, fields("ship", None, None)).await.unwrap();
    let id = made.id;
    let before = tx.recorded.len();
    let none = None;
    let same = tasks::TaskChange {
        title: &none,
        description: &none,
        assignee: Some(None),
        status: Some(TaskStatus::Todo),
        due: Some(None),
        priority: None,
    };
    tasks::update_task(&mut tx, &ANA, id, same).await.unwrap();
    assert_eq!(tx.recorded.len(), before, "nothing changed, nothing recorded");
    tx.members.get_mut(&MemberId(5)).unwrap().active = false;
    let title = Some("ship it".to_string());
    let refused = tasks::TaskChange {
        title: &title,
        description: &none,
        assignee: Some(Some(MemberId(5))),
        status: Some(TaskStatus::InProgress),
        due: None,
        priority: None,
    };
    let gone = tasks::update_task(&mut tx, &ANA, id, refused).await.unwrap_err();
    assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
    assert_eq!(tx.recorded.len(), before, "a refused update records nothing");
    let change = tasks::TaskChange {
        title: &title,
        description: &none,
        assignee: Some(Some(OWNER.member)),
        status: Some(TaskStatus::InProgress),
        due: None,
        priority: None,
    };
    let after = tasks::update_task(&mut tx, &ANA, id, change).await.unwrap();
    assert_eq!(&tx.kinds()[before..], ["task.updated", "task.assigned", "task.status_changed"]);
    assert_eq!((after.title.as_str(), after.status), ("ship it", TaskStatus::InProgress));
    assert_eq!(tx.notified.last().unwrap().0, OWNER.member);
}

/// A thread is read as its home is: the admin outside a private channel cannot touch its
/// threads, nobody outside a direct conversation reaches its threads, guests no task's thread.
#[tokio::test]
async fn a_thread_is_as_private_as_its_home() {
    let mut tx = workspace();
    let secret = private(&mut tx, &ANA, "secret").await;
    let thread = threads::create(&mut tx, &ANA, ThreadHome::Channel(secret), "plans", &[]).await.unwrap();
    for outsider in [ADMIN, OWNER, GUEST] {
        let hidden = threads::update(&mut tx, &outsider, thread.id, &Some("x".into()), &None, None).await.unwrap_err();
        assert!(matches!(hidden, Error::NotFound { .. }), "{outsider:?}: {hidden:?}");
    }
    tx.in_dm.insert((DmId(9), ANA.member));
    let refused = threads::create(&mut tx, &ADMIN, ThreadHome::Dm(DmId(9)), "ours", &[]).await.unwrap_err();
    assert!(matches!(refused, Error::NotFound { .. }), "{refused:?}");
    let ours = threads::create(&mut tx, &ANA, ThreadHome::Dm(DmId(9)), "ours", &[]).await.unwrap();
    assert_eq!(tx.recorded.last().unwrap().1, Scope::Dm(DmId(9)));
    let hidden = threads::readable(&mut tx, &ADMIN, ours.id).await.unwrap_err();
    assert!(matches!(hidden, Error::NotFound { .. }), "{hidden:?}");
    let launch = project(&mut tx).await;
    let task = tasks::create_task(&mut tx, &OWNER, launch, fields("t", None, None)).await.unwrap();
    let task_thread = task.thread_id;
    assert!(threads::readable(&mut tx, &ANA, task_thread).await.is_ok());
    assert!(threads::readable(&mut tx, &GUEST, task_thread).await.is_err());
}

#[tokio::test]
async fn an_archived_channel_takes_no_new_thread_and_a_timeline_is_opened_once() {
    let mut tx = workspace();
    let made = channels::create(&mut tx, &OWNER, "old", Visibility::Public, "", &[]).await.unwrap();
    let old = made.id;
    let first = threads::open_timeline(&mut tx, &OWNER, old).await.unwrap();
    assert!(first.timeline);
    assert_eq!(threads::open_timeline(&mut tx, &ADMIN, old).await.unwrap().id, first.id);
    let refused = threads::open_timeline(&mut tx, &ANA, old).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    channels::update(&mut tx, &OWNER, old, &None, &None, Some(true)).await.unwrap();
    let refused = threads::create(&mut tx, &ANA, ThreadHome::Channel(old), "late", &[]).await.unwrap_err();
    assert!(matches!(refused, Error::Conflict { .. }), "{refused:?}");
}

/// Resolving a resolved thread records nothing; a display title equal to the title is cleared
/// (recorded as `null`), and a new title clears an import's display title.
#[tokio::test]
async fn resolution_and_titles_record_only_real_changes() {
    let mut tx = workspace();
    let made = channels::create(&mut tx, &OWNER, "c", Visibility::Public, "", &[]).await.unwrap();
    let home = ThreadHome::Channel(made.id);
    let thread = threads::create(&mut tx, &ANA, home, "_*launch*_", &[]).await.unwrap();
    threads::update(&mut tx, &ANA, thread.id, &None, &None, Some(true)).await.unwrap();
    let before = tx.recorded.len();
    threads::update(&mut tx, &ANA, thread.id, &None, &None, Some(true)).await.unwrap();
    assert_eq!(tx.recorded.len(), before);
    let refused = threads::set_display_title(&mut tx, &ANA, thread.id, "launch").await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let shown = threads::set_display_title(&mut tx, &ADMIN, thread.id, "launch").await.unwrap();
    assert_eq!(shown.display_title.as_deref(), Some("launch"));
    let same = threads::set_display_title(&mut tx, &ADMIN, thread.id, "_*launch*_").await.unwrap();
    assert_eq!(same.display_title, None);
    let Change::ThreadUpdated(update) = &tx.recorded.last().unwrap().0 else { panic!() };
    assert_eq!(update.display_title, Some(None));
    threads::set_display_title(&mut tx, &ADMIN, thread.id, "launch").await.unwrap();
    let renamed = threads::update(&mut tx, &ANA, thread.id, &Some("Launch".into()), &None, None).await.unwrap();
    assert_eq!((renamed.title.as_str(), renamed.display_title), ("Launch", None));
}

fn text(body: &str) -> baton_core::text::MessageText {
    baton_core::text::MessageText::new(body.to_string())
}

/// A mention notifies only who may read where it was said: the admin outside a private
/// channel hears nothing of it, nor does a mentioned member outside a direct conversation.
/// Followers hear of replies; the author, deactivated members and imported history never.
#[tokio::test]
async fn a_message_notifies_only_who_may_read_it() {
    let mut tx = workspace();
    let secret = private(&mut tx, &ANA, "secret").await;
    channels::add_member(&mut tx, &ANA, secret, MemberId(5)).await.unwrap();
    let thread = threads::create(&mut tx, &ANA, ThreadHome::Channel(secret), "plans", &[]).await.unwrap();
    messages::post(&mut tx, &ANA, MessageTarget::Thread(thread.id), &text("hi @m2 and @m5 and @m3"), false)
        .await
        .unwrap();
    let heard: Vec<(i64, &str)> = tx.notified.iter().map(|(m, why, _)| (m.0, why.as_str())).collect();
    assert_eq!(heard, [(5, "mention")], "not the admin (m2), not the author (m3)");
    let m5 = Viewer { member: MemberId(5), role: Role::Member };
    messages::post(&mut tx, &m5, MessageTarget::Thread(thread.id), &text("sure"), false).await.unwrap();
    assert_eq!(tx.notified.last().map(|(m, why, _)| (m.0, why.as_str())), Some((3, "reply")));
    let dm = dms::open(&mut tx, &ANA, &[MemberId(5)], None).await.unwrap();
    let before = tx.notified.len();
    messages::post(&mut tx, &ANA, MessageTarget::Dm(dm.id), &text("just us, @m2"), false).await.unwrap();
    let heard: Vec<(i64, &str)> = tx.notified[before..].iter().map(|(m, why, _)| (m.0, why.as_str())).collect();
    assert_eq!(heard, [(5, "dm")], "the mentioned admin is outside the conversation");
    tx.members.get_mut(&MemberId(5)).unwrap().active = false;
    messages::post(&mut tx, &ANA, MessageTarget::Dm(dm.id), &text("still there?"), false).await.unwrap();
    tx.members.get_mut(&MemberId(5)).unwrap().active = true;
    tx.imported = true;
    messages::post(&mut tx, &ANA, MessageTarget::Dm(dm.id), &text("from the export"), false).await.unwrap();
    assert_eq!(tx.notified.len(), before + 1, "nobody inactive, nothing imported");
}

/// A reply to a timeline message starts a thread beside it, titled with its first characters,
/// and moves it in; a deleted one cannot be replied to.
#[tokio::test]
async fn a_reply_to_a_timeline_message_starts_a_thread_and_moves_it_in() {
    let mut tx = workspace();
    let dm = dms::open(&mut tx, &ANA, &[MemberId(5)], Some("D1")).await.unwrap();
    let long = "x".repeat(100);
    let first = messages::post(&mut tx, &ANA, MessageTarget::Dm(dm.id), &text(&long), false).await.unwrap();
    let m5 = Viewer { member: MemberId(5), role: Role::Member };
    let reply = messages::reply(&mut tx, &m5, first.id, &text("yes"), false).await.unwrap();
    let thread = tx.threads.get(&reply.thread_id.unwrap()).unwrap().clone();
    assert_eq!((thread.dm_id, thread.title.chars().count()), (Some(dm.id), 80));
    let kinds = tx.kinds();
    assert_eq!(&kinds[kinds.len() - 3..], ["thread.created", "message.moved", "message.posted"]);
    assert_eq!(tx.messages[&first.id].thread_id, Some(thread.id));
    let gone = messages::post(&mut tx, &ANA, MessageTarget::Dm(dm.id), &text("oops"), false).await.unwrap();
    messages::delete(&mut tx, &ANA, gone.id).await.unwrap();
    let refused = messages::reply(&mut tx, &m5, gone.id, &text("?"), false).await.unwrap_err();
    assert!(matches!(refused, Error::Conflict { .. }), "{refused:?}");
    let outsider = messages::reply(&mut tx, &ADMIN, first.id, &text("me too"), false).await.unwrap_err();
    assert!(matches!(outsider, Error::NotFound { .. }), "{outsider:?}");
}

/// Only its author edits a message; its author or an admin deletes it, once: the deletion
/// redacts and is recorded a single time.
#[tokio::test]
async fn edits_are_the_authors_and_a_deletion_redacts_once() {
    let mut tx = workspace();
    let made = channels::create(&mut tx, &OWNER, "c", Visibility::Public, "", &[]).await.unwrap();
    let home = ThreadHome::Channel(made.id);
    let thread = threads::create(&mut tx, &ANA, home, "t", &[]).await.unwrap();
    let posted = messages::post(&mut tx, &ANA, MessageTarget::Thread(thread.id), &text("draft"), false).await.unwrap();
    let refused = messages::edit(&mut tx, &ADMIN, posted.id, &text("mine now")).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let edited = messages::edit(&mut tx, &ANA, posted.id, &text("final @m5")).await.unwrap();
    assert_eq!((edited.body.as_str(), edited.mentions.as_slice()), ("final @m5", &[MemberId(5)][..]));
    let refused =
        messages::delete(&mut tx, &Viewer { member: MemberId(5), role: Role::Member }, posted.id).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    messages::delete(&mut tx, &ADMIN, posted.id).await.unwrap();
    messages::delete(&mut tx, &ANA, posted.id).await.unwrap();
    assert_eq!(tx.redacted, [posted.id]);
    assert_eq!(tx.kinds().iter().filter(|k| **k == "message.deleted").count(), 1);
    let refused = messages::edit(&mut tx, &ANA, posted.id, &text("back")).await.unwrap_err();
    assert!(matches!(refused, Error::Conflict { .. }), "{refused:?}");
}

#[tokio::test]
async fn a_reaction_is_recorded_only_when_it_changes_something() {
    let mut tx = workspace();
    let dm = dms::open(&mut tx, &ANA, &[MemberId(5)], None).await.unwrap();
    let posted = messages::post(&mut tx, &ANA, MessageTarget::Dm(dm.id), &text("lunch"), false).await.unwrap();
    let before = tx.kinds().len();
    messages::react(&mut tx, &ANA, posted.id, "tada", false).await.unwrap();
    messages::react(&mut tx, &ANA, posted.id, "tada", true).await.unwrap();
    messages::react(&mut tx, &ANA, posted.id, "tada", true).await.unwrap();
    messages::react(&mut tx, &ANA, posted.id, "tada", false).await.unwrap();
    assert_eq!(&tx.kinds()[before..], ["reaction.added", "reaction.removed"]);
    let outsider = messages::react(&mut tx, &ADMIN, posted.id, "eyes", true).await.unwrap_err();
    assert!(matches!(outsider, Error::NotFound { .. }), "{outsider:?}");
}

/// One conversation per set of people; an export's name is taken once; at most nine people;
/// read marks need read access and never move back.
#[tokio::test]
async fn direct_conversations_are_one_per_set_of_people() {
    let mut tx = workspace();
    let first = dms::open(&mut tx, &ANA, &[MemberId(5)], None).await.unwrap();
    assert_eq!(first.name, "m3,m5");
    let m5 = Viewer { member: MemberId(5), role: Role::Member };
    let again = dms::open(&mut tx, &m5, &[ANA.member, MemberId(5)], Some("D1")).await.unwrap();
    assert_eq!((again.id, again.export_name.as_deref()), (first.id, Some("D1")));
    let kept = dms::open(&mut tx, &ANA, &[MemberId(5)], Some("D2")).await.unwrap();
    assert_eq!(kept.export_name.as_deref(), Some("D1"));
    assert_eq!(tx.kinds().iter().filter(|k| k.starts_with("dm.")).count(), 2, "created, then named once");
    let crowd: Vec<MemberId> = (1..=10).map(MemberId).collect();
    for member in 6..=10 {
        tx.members.insert(MemberId(member), Member { id: MemberId(member), ..tx.members[&MemberId(5)].clone() });
    }
    let refused = dms::open(&mut tx, &ANA, &crowd, None).await.unwrap_err();
    assert!(matches!(refused, Error::Invalid { .. }), "{refused:?}");
    let refused = dms::open(&mut tx, &ANA, &[], None).await.unwrap_err();
    assert!(matches!(refused, Error::Invalid { .. }), "{refused:?}");
    let target = MessageTarget::Dm(first.id);
    messages::mark_read(&mut tx, &ANA, target, MessageId(7)).await.unwrap();
    messages::mark_read(&mut tx, &ANA, target, MessageId(3)).await.unwrap();
    assert_eq!(tx.read_marks[&(ANA.member, target)], MessageId(7));
    let outsider = messages::mark_read(&mut tx, &ADMIN, target, MessageId(7)).await.unwrap_err();
    assert!(matches!(outsider, Error::NotFound { .. }), "{outsider:?}");
}

/// A follow-up falls due after the norm's working minutes of the workspace's calendar (Berlin,
/// Monday to Friday 9 to 17): a message at Friday 16:00 with a two-hour channel norm is due
/// Monday at 10:00. Only admins set the workspace's norm.
#[tokio::test]
async fn a_follow_up_counts_working_time_from_the_message() {
    let mut tx = workspace();
    let made = channels::create(&mut tx, &ANA, "c", Visibility::Public, "", &[]).await.unwrap();
    let id = made.id;
    norms::set(&mut tx, &ANA, Some(id), Some(120)).await.unwrap();
    let refused = norms::set(&mut tx, &ANA, None, Some(60)).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let thread = threads::create(&mut tx, &ANA, ThreadHome::Channel(id), "t", &[]).await.unwrap();
    let posted = messages::post(&mut tx, &ANA, MessageTarget::Thread(thread.id), &text("ok?"), false).await.unwrap();
    tx.messages.get_mut(&posted.id).unwrap().created_at = "2024-05-03T14:00:00Z".parse().unwrap();
    norms::follow_up(&mut tx, &ANA, posted.id, MemberId(5), None).await.unwrap();
    let (kind, owner, due, payload) = tx.scheduled.last().unwrap();
    assert_eq!((kind.as_str(), *owner, payload["within_minutes"].as_i64()), ("no_reply", ANA.member, Some(120)));
    assert_eq!(*due, "2024-05-06T08:00:00Z".parse::<Timestamp>().unwrap(), "Monday 10:00 in Berlin");
    let (_, scope, also) = tx.recorded.last().unwrap();
    assert_eq!((*scope, *also), (Scope::Private, Some(ANA.member)));
}

#[tokio::test]
async fn a_slot_records_whom_it_puts_outside_their_hours() {
    let mut tx = workspace();
    tx.members.get_mut(&MemberId(5)).unwrap().time_zone = "America/New_York".into();
    let start: Timestamp = "2024-05-06T12:00:00Z".parse().unwrap();
    let end: Timestamp = "2024-05-06T13:00:00Z".parse().unwrap();
    let booked = norms::book_slot(&mut tx, &ANA, &[ANA.member, MemberId(5)], start, end).await.unwrap();
    assert_eq!(booked.outside_working_hours, [MemberId(5)], "08:00 in New York, 12:00 UTC for Ana");
    let refused = norms::book_slot(&mut tx, &ANA, &[ANA.member], end, start).await.unwrap_err();
    assert!(matches!(refused, Error::Invalid { .. }), "{refused:?}");
}

fn start_on(thread: ThreadId, invite: &[MemberId], opens_at: Option<Timestamp>) -> huddles::Start<'_> {
    huddles::Start {
        on: crate::command::HuddleOn::Thread(thread),
        title: &None,
        call_link: &None,
        agenda: "",
        invite,
        project: None,
        join: true,
        opens_at,
    }
}

/// A huddle in a private channel: an invited admin outside it hears nothing; its action items
/// become tasks that do not name the channel's thread, in the "Action items" project; the
/// summary goes into the thread and the end records which task each item became.
#[tokio::test]
async fn a_private_huddle_keeps_its_place_to_itself() {
    let mut tx = workspace();
    let secret = private(&mut tx, &ANA, "secret").await;
    let thread = threads::create(&mut tx, &ANA, ThreadHome::Channel(secret), "the merger", &[]).await.unwrap();
    let huddle = huddles::start(&mut tx, &ANA, start_on(thread.id, &[ADMIN.member], None)).await.unwrap();
    assert_eq!((huddle.title.as_str(), huddle.participants.len()), ("the merger", 1));
    assert!(tx.notified.is_empty(), "the admin outside the channel is not told");
    huddles::add_item(&mut tx, &ANA, huddle.id, "call the bank", Some((Some(ANA.member), None))).await.unwrap();
    huddles::add_item(&mut tx, &ANA, huddle.id, "go ahead", None).await.unwrap();
    let ended = huddles::end(&mut tx, &ANA, huddle.id).await.unwrap();
    assert!(ended.ended_at.is_some() && ended.participants.iter().all(|p| p.left_at.is_some()));
    let task = ended.action_items[0].task_id.expect("the action item became a task");
    let made = &tx.tasks[&task];
    assert!(!made.description.contains("merger"), "{}", made.description);
    assert_eq!(tx.projects[&made.project_id].name, "Action items");
    let summary = &tx.messages[&ended.summary_message_id.unwrap()];
    assert!(summary.body.contains("go ahead") && summary.body.contains(&format!("(task {task})")), "{}", summary.body);
    let again = huddles::join(&mut tx, &ANA, huddle.id).await.unwrap_err();
    assert!(matches!(again, Error::Conflict { .. }), "{again:?}");
}

/// A huddle set up for a later slot: invitees are told when they work and again when it opens;
/// nobody joins before.
#[tokio::test]
async fn a_huddle_for_a_later_slot_opens_then() {
    let mut tx = workspace();
    let made = channels::create(&mut tx, &OWNER, "c", Visibility::Public, "", &[]).await.unwrap();
    let home = ThreadHome::Channel(made.id);
    let thread = threads::create(&mut tx, &ANA, home, "plans", &[]).await.unwrap();
    let opens: Timestamp = "2024-05-02T09:00:00Z".parse().unwrap();
    let huddle = huddles::start(&mut tx, &ANA, start_on(thread.id, &[MemberId(5)], Some(opens))).await.unwrap();
    assert!(huddle.participants.is_empty(), "the starter does not join before it opens");
    assert_eq!(tx.notified.last().map(|(m, why, _)| (m.0, why.as_str())), Some((5, "huddle_invite")));
    assert_eq!(tx.scheduled.last().map(|(kind, m, at, _)| (kind.as_str(), m.0, *at)), Some(("huddle_opens", 5, opens)));
    let early = huddles::join(&mut tx, &ANA, huddle.id).await.unwrap_err();
    assert!(matches!(early, Error::Conflict { .. }), "{early:?}");
    let now = tx.at();
    let past = huddles::start(&mut tx, &ANA, start_on(thread.id, &[], Some(now))).await.unwrap_err();
    assert!(matches!(past, Error::Invalid { .. }), "{past:?}");
}

/// A suggestion is decided once; accepting a pairing is for admins, and what it creates (the
/// conversation, its first message) is recorded with it, for owners and admins only.
#[tokio::test]
async fn advice_is_decided_once_and_a_pairing_stays_with_admins() {
    let mut tx = workspace();
    let pair = Some(crate::command::AdviceAction::Pair { members: vec![MemberId(5)], message: text("coffee?") });
    let detail = serde_json::json!({ "kind": "pair" });
    let refused = advice::decide(&mut tx, &ANA, "pair-5", true, &detail, &pair).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let answer = advice::decide(&mut tx, &ADMIN, "pair-5", true, &detail, &pair).await.unwrap();
    assert_eq!(answer.created["message"]["body"], "coffee?");
    let (change, scope, _) = tx.recorded.last().unwrap();
    assert_eq!((change.kind(), *scope), ("advisor.accepted", Scope::Admins));
    let again = advice::decide(&mut tx, &OWNER, "pair-5", false, &detail, &None).await.unwrap_err();
    assert!(matches!(again, Error::Conflict { .. }), "{again:?}");
    let refused = advice::decide(&mut tx, &GUEST, "nudge-1", false, &detail, &None).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
}

/// A nudge accepted in a private channel's thread is read by that channel alone, and its event
/// names the message by id, not by its text; a follow-up cannot tell someone outside.
#[tokio::test]
async fn advice_and_follow_ups_stay_inside_a_private_channel() {
    let mut tx = workspace();
    let secret = private(&mut tx, &ANA, "secret").await;
    let thread = threads::create(&mut tx, &ANA, ThreadHome::Channel(secret), "the merger", &[]).await.unwrap();
    let nudge = Some(crate::command::AdviceAction::Nudge { thread: thread.id, message: text("any news?") });
    let detail = serde_json::json!({ "kind": "nudge", "thread_id": thread.id, "title": "the merger" });
    let answer = advice::decide(&mut tx, &ANA, "nudge-1", true, &detail, &nudge).await.unwrap();
    assert_eq!(answer.created["message"]["body"], "any news?", "the one accepting sees what it made");
    let (change, scope, _) = tx.recorded.last().unwrap().clone();
    assert_eq!(scope, Scope::Channel(secret));
    let Change::AdviceAccepted(decided) = change else { panic!("{change:?}") };
    assert!(decided.created.get("message").is_none() && decided.created["message_id"].is_i64(), "{}", decided.created);
    let dismissed = serde_json::json!({ "kind": "take_live", "thread_id": thread.id, "title": "the merger" });
    advice::decide(&mut tx, &ANA, "take-live-1", false, &dismissed, &None).await.unwrap();
    assert_eq!(tx.recorded.last().unwrap().1, Scope::Channel(secret), "a dismissal names the thread too");
    let message = MessageId(decided.created["message_id"].as_i64().unwrap());
    let refused = norms::follow_up(&mut tx, &ANA, message, ADMIN.member, Some(60)).await.unwrap_err();
    assert!(matches!(refused, Error::Invalid { .. }), "{refused:?}");
    norms::follow_up(&mut tx, &ANA, message, ANA.member, Some(60)).await.unwrap();
}

/// A member's own jobs: in the future, where they may post or read, cancelled once, by them.
#[tokio::test]
async fn a_members_own_jobs_are_theirs_alone() {
    let mut tx = workspace();
    let secret = private(&mut tx, &ANA, "secret").await;
    let thread = threads::create(&mut tx, &ANA, ThreadHome::Channel(secret), "t", &[]).await.unwrap();
    let later: Timestamp = "2024-05-02T09:00:00Z".parse().unwrap();
    let target = MessageTarget::Thread(thread.id);
    let hidden = jobs::schedule_message(&mut tx, &ADMIN, target, "hi", false, later).await.unwrap_err();
    assert!(matches!(hidden, Error::NotFound { .. }), "{hidden:?}");
    let now = tx.at();
    let past = jobs::schedule_message(&mut tx, &ANA, target, "hi", false, now).await.unwrap_err();
    assert!(matches!(past, Error::Invalid { .. }), "{past:?}");
    let job = jobs::schedule_message(&mut tx, &ANA, target, "hi", false, later).await.unwrap();
    let id = job.id;
    let (_, scope, also) = tx.recorded.last().unwrap();
    assert_eq!((*scope, *also), (Scope::Private, Some(ANA.member)));
    let theirs = jobs::cancel(&mut tx, &ADMIN, id).await.unwrap_err();
    assert!(matches!(theirs, Error::NotFound { .. }), "{theirs:?}");
    jobs::cancel(&mut tx, &ANA, id).await.unwrap();
    let twice = jobs::cancel(&mut tx, &ANA, id).await.unwrap_err();
    assert!(matches!(twice, Error::Conflict { .. }), "{twice:?}");
}

// ---- notifications ------------------------------------------------------------------------

fn berliner(hours: WorkingHours) -> Member {
    Member {
        id: MemberId(9),
        handle: "b".into(),
        display_name: String::new(),
        email: None,
        role: Role::Member,
        time_zone: "Europe/Berlin".into(),
        working_hours: hours,
        active: true,
        service: false,
        created_at: Timestamp::UNIX_EPOCH,
    }
}

fn instant(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn a_notification_waits_for_the_next_working_hour_in_the_members_own_zone() {
    let member = berliner(WorkingHours::default());
    // Wednesday 12:00 in Berlin: working.
    let noon = instant("2024-05-01T10:00:00Z");
    assert_eq!(notifications::deliver_at(&member, noon, false), noon);
    // Wednesday 18:30 in Berlin: held until Thursday 09:00 there (07:00 UTC in summer).
    let evening = instant("2024-05-01T16:30:00Z");
    assert_eq!(notifications::deliver_at(&member, evening, false), instant("2024-05-02T07:00:00Z"));
    assert_eq!(notifications::deliver_at(&member, evening, true), evening, "urgent goes out at once");
    // Friday evening before the clocks go forward: Monday 09:00 is 07:00 UTC, not 08:00.
    let friday = instant("2024-03-29T18:00:00Z");
    assert_eq!(notifications::deliver_at(&member, friday, false), instant("2024-04-01T07:00:00Z"));
    // And the week the clocks go back: Monday 09:00 is 08:00 UTC again.
    let before_winter = instant("2024-10-25T17:00:00Z");
    assert_eq!(notifications::deliver_at(&member, before_winter, false), instant("2024-10-28T08:00:00Z"));
    let lost = Member { time_zone: "Mars/Olympus".into(), ..member };
    assert_eq!(notifications::deliver_at(&lost, evening, false), evening, "an unreadable zone holds nothing");
}

#[tokio::test]
async fn a_notification_inside_working_hours_is_delivered_to_its_member_alone() {
    let mut tx = Memory::with_members(&[Role::Owner, Role::Member, Role::Member]);
    notifications::notify(&mut tx, ANA.member, "mention", serde_json::json!({ "message_id": 1 }), false).await.unwrap();
    assert!(tx.scheduled.is_empty(), "nothing is held");
    let (change, scope, also_for) = tx.recorded.last().cloned().expect("the delivery is recorded");
    let Change::NotificationDelivered(delivered) = change else { panic!("{change:?}") };
    assert_eq!((delivered.notification.member_id, delivered.notification.kind.as_str()), (ANA.member, "mention"));
    assert_eq!(delivered.notification.delivered_at, Some(tx.at()));
    assert_eq!((scope, also_for), (Scope::Private, Some(ANA.member)));
    // Delivered once: a job that fires late for it changes nothing.
    let before = tx.recorded.len();
    notifications::deliver(&mut tx, delivered.notification.id).await.unwrap();
    assert_eq!(tx.recorded.len(), before);
}

#[tokio::test]
async fn a_notification_outside_working_hours_is_held_by_a_job() {
    let mut tx = Memory::with_members(&[Role::Owner, Role::Member, Role::Member]);
    tx.members.get_mut(&ANA.member).unwrap().time_zone = "Europe/Berlin".into();
    tx.now = Some(instant("2024-05-04T10:00:00Z")); // a Saturday
    notifications::notify(&mut tx, ANA.member, "reply", serde_json::json!({ "message_id": 1 }), false).await.unwrap();
    assert!(tx.recorded.is_empty(), "nothing is delivered on a Saturday");
    let (kind, member, at, payload) = &tx.scheduled[0];
    assert_eq!((kind.as_str(), *member), (notifications::DELIVER_JOB, ANA.member));
    assert_eq!(*at, instant("2024-05-06T07:00:00Z"), "Monday 09:00 in Berlin");
    assert_eq!(tx.notifications[0].deliver_at, *at);
    // The job fires on Monday: now it is delivered.
    tx.now = Some(*at);
    let id = payload["notification_id"].as_i64().unwrap();
    notifications::deliver(&mut tx, id).await.unwrap();
    assert!(
        matches!(tx.recorded.last(), Some((Change::NotificationDelivered(_), Scope::Private, Some(m))) if *m == ANA.member)
    );
    // Urgent does not wait.
    notifications::notify(&mut tx, ANA.member, "mention", serde_json::json!({}), true).await.unwrap();
    assert_eq!(tx.scheduled.len(), 1);
    // Someone unknown hears nothing, and nothing fails.
    notifications::notify(&mut tx, MemberId(404), "mention", serde_json::json!({}), false).await.unwrap();
    assert_eq!(tx.notifications.len(), 2);
}

// ---- members --------------------------------------------------------------------------------

fn newcomer(handle: &str, role: Role) -> crate::command::NewMember {
    crate::command::NewMember {
        handle: handle.into(),
        email: format!("{handle}@example.com"),
        display_name: handle.into(),
        role,
        time_zone: "UTC".into(),
        working_hours: WorkingHours::default(),
        password_hash: None,
        service: false,
    }
}

#[tokio::test]
async fn only_admins_add_members_and_only_owners_add_owners() {
    let mut tx = workspace();
    let refused = members::add(&mut tx, &ANA, &newcomer("zoe", Role::Member), None).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let refused = members::add(&mut tx, &ADMIN, &newcomer("zoe", Role::Owner), None).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    assert!(tx.kinds().is_empty(), "nothing was recorded: {:?}", tx.kinds());

    let invite = crate::command::Invite { token: "plain".into(), token_hash: "hashed".into() };
    let added = members::add(&mut tx, &ADMIN, &newcomer("zoe", Role::Member), Some(&invite)).await.unwrap();
    assert_eq!(added.invite_token.as_deref(), Some("plain"));
    assert_eq!(added.member.email.as_deref(), Some("zoe@example.com"), "the admin who added her sees her address");
    let zoe = added.member.id;
    assert_eq!(tx.invites, [(zoe, "hashed".to_string())], "only the hash is kept");
    let (change, scope, _) = tx.recorded.last().unwrap();
    let Change::MemberJoined(joined) = change else { panic!("{change:?}") };
    assert_eq!((joined.member.email.as_deref(), *scope), (None, Scope::Everyone), "the log shows no address");
    let taken = members::add(&mut tx, &OWNER, &newcomer("zoe", Role::Member), None).await.unwrap_err();
    assert!(matches!(taken, Error::Conflict { .. }), "{taken:?}");
}

#[tokio::test]
async fn members_change_their_own_profile_and_admins_the_rest() {
    let mut tx = workspace();
    tx.members.get_mut(&ANA.member).unwrap().email = Some("ana@example.com".into());
    let own = members::MemberChange { display_name: Some("Ana B."), ..Default::default() };
    let changed = members::update(&mut tx, &ANA, ANA.member, own).await.unwrap();
    assert_eq!((changed.display_name.as_str(), changed.email.is_some()), ("Ana B.", true));
    assert_eq!(tx.kinds(), ["member.updated"]);
    let Some((Change::MemberUpdated(logged), _, _)) = tx.recorded.last() else { panic!("{:?}", tx.kinds()) };
    assert_eq!(logged.member.email, None, "the log keeps no address");
    let profile = tx.members[&ANA.member].clone();
    assert_eq!(policy::member_as_seen(Some(&GUEST), profile).email, None, "nor does a guest see it");
    let others = members::update(&mut tx, &ANA, ADMIN.member, own).await.unwrap_err();
    assert!(matches!(others, Error::Forbidden { .. }), "{others:?}");
    let promote = members::MemberChange { role: Some(Role::Admin), ..Default::default() };
    let refused = members::update(&mut tx, &ANA, ANA.member, promote).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "nobody makes themselves an admin: {refused:?}");

    // An admin sees the address; another member would not.
    let seen = members::update(&mut tx, &ADMIN, ANA.member, promote).await.unwrap();
    assert_eq!((seen.role, seen.email.is_some()), (Role::Admin, true));
    assert_eq!(tx.kinds().last(), Some(&"member.role_changed"));
    let make_owner = members::MemberChange { role: Some(Role::Owner), ..Default::default() };
    let refused = members::update(&mut tx, &ADMIN, ANA.member, make_owner).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "only an owner makes an owner: {refused:?}");

    let leave = members::MemberChange { active: Some(false), ..Default::default() };
    members::update(&mut tx, &ADMIN, ANA.member, leave).await.unwrap();
    assert_eq!(tx.kinds().last(), Some(&"member.deactivated"));
    assert_eq!(tx.sessions_ended, [ANA.member], "her sessions end with her access");
    let before = tx.kinds().len();
    members::update(&mut tx, &ADMIN, ANA.member, leave).await.unwrap();
    assert_eq!(tx.kinds().len(), before, "deactivating again records nothing");
    let back = members::MemberChange { active: Some(true), ..Default::default() };
    members::update(&mut tx, &ADMIN, ANA.member, back).await.unwrap();
    assert_eq!(tx.kinds().last(), Some(&"member.reactivated"));
    let unknown = members::update(&mut tx, &OWNER, MemberId(404), own).await.unwrap_err();
    assert!(matches!(unknown, Error::NotFound { .. }), "{unknown:?}");
}

#[tokio::test]
async fn the_last_active_owner_stays_one() {
    let mut tx = workspace();
    let step_down = members::MemberChange { role: Some(Role::Admin), ..Default::default() };
    let refused = members::update(&mut tx, &OWNER, OWNER.member, step_down).await.unwrap_err();
    assert!(matches!(refused, Error::Conflict { .. }), "{refused:?}");
    let leave = members::MemberChange { active: Some(false), ..Default::default() };
    let refused = members::update(&mut tx, &OWNER, OWNER.member, leave).await.unwrap_err();
    assert!(matches!(refused, Error::Conflict { .. }), "{refused:?}");
    let refused = members::update(&mut tx, &ADMIN, OWNER.member, leave).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "an admin does not touch an owner: {refused:?}");

    // With a second owner, the first may step down.
    let make_owner = members::MemberChange { role: Some(Role::Owner), ..Default::default() };
    members::update(&mut tx, &OWNER, ANA.member, make_owner).await.unwrap();
    let stepped = members::update(&mut tx, &OWNER, OWNER.member, step_down).await.unwrap();
    assert_eq!(stepped.role, Role::Admin);
    let (change, _, _) = tx.recorded.last().unwrap();
    assert!(
        matches!(change, Change::MemberRoleChanged(r) if r.from == Role::Owner && r.to == Role::Admin),
        "{change:?}"
    );
}

// ---- sign-in ------------------------------------------------------------------------------

#[tokio::test]
async fn an_invitation_sets_a_password_once_and_a_reset_signs_out_everywhere() {
    let mut tx = workspace();
    tx.invites.push((ANA.member, "invite-hash".into()));
    let wrong = sessions::set_password(&mut tx, ADMIN.member, "pw", Some("invite-hash"), false).await.unwrap_err();
    assert!(matches!(wrong, Error::Conflict { .. }), "another member's invitation: {wrong:?}");
    assert!(tx.passwords.is_empty());
    sessions::set_password(&mut tx, ANA.member, "pw1", Some("invite-hash"), false).await.unwrap();
    assert_eq!(tx.passwords[&ANA.member], "pw1");
    let again = sessions::set_password(&mut tx, ANA.member, "pw2", Some("invite-hash"), false).await.unwrap_err();
    assert!(matches!(again, Error::Conflict { .. }), "an invitation is used once: {again:?}");
    assert_eq!(tx.passwords[&ANA.member], "pw1");

    sessions::begin(&mut tx, ANA.member, "laptop").await.unwrap();
    sessions::begin(&mut tx, ANA.member, "phone").await.unwrap();
    sessions::begin(&mut tx, ADMIN.member, "desk").await.unwrap();
    sessions::end(&mut tx, "phone").await.unwrap();
    assert_eq!(tx.sessions.len(), 2, "{:?}", tx.sessions);
    sessions::set_password(&mut tx, ANA.member, "pw3", None, true).await.unwrap();
    assert_eq!(tx.sessions, [(ADMIN.member, "desk".to_string())], "a reset ends her sessions only");
    assert!(tx.recorded.is_empty(), "no secret reaches the log");
}

#[tokio::test]
async fn reading_notifications_marks_only_ones_own_delivered_ones() {
    let mut tx = workspace();
    for member in [ANA.member, ANA.member, ADMIN.member] {
        notifications::notify(&mut tx, member, "mention", serde_json::json!({}), false).await.unwrap();
    }
    tx.now = Some(instant("2024-05-04T10:00:00Z")); // Saturday: held, not delivered
    notifications::notify(&mut tx, ANA.member, "reply", serde_json::json!({}), false).await.unwrap();
    let some = notifications::read(&mut tx, &ANA, Some(&[1, 3, 4])).await.unwrap();
    assert_eq!(some.read, 1, "the admin's and the held one are left alone");
    let rest = notifications::read(&mut tx, &ANA, None).await.unwrap();
    assert_eq!(rest.read, 1);
    let (change, scope, also_for) = tx.recorded.last().cloned().unwrap();
    assert!(matches!(&change, Change::NotificationRead(r) if r.ids == [2]), "{change:?}");
    assert_eq!((scope, also_for), (Scope::Private, Some(ANA.member)));
    let before = tx.recorded.len();
    assert_eq!(notifications::read(&mut tx, &ANA, None).await.unwrap().read, 0);
    assert_eq!(tx.recorded.len(), before, "nothing to mark, nothing recorded");
}

// ---- setup --------------------------------------------------------------------------------

#[tokio::test]
async fn a_workspace_is_set_up_once_by_its_first_owner() {
    let mut tx = Memory { fresh: true, ..Memory::default() };
    let made = workspace::set_up(&mut tx, "Acme", "Europe/Berlin", &newcomer("own", Role::Owner)).await.unwrap();
    assert_eq!((made.workspace.name.as_str(), made.member.role), ("Acme", Role::Owner));
    assert_eq!(made.member.email.as_deref(), Some("own@example.com"), "the owner sees their own address");
    let owner = made.member.id;
    assert_eq!(tx.actor, Some(owner), "what follows is the owner's doing");
    assert_eq!(tx.kinds(), ["workspace.created", "member.joined"]);
    let Some((Change::MemberJoined(joined), Scope::Everyone, None)) = tx.recorded.last() else { panic!() };
    assert_eq!(joined.member.email, None, "the log keeps no address");
    let again = workspace::set_up(&mut tx, "Other", "UTC", &newcomer("two", Role::Owner)).await.unwrap_err();
    assert!(matches!(again, Error::Conflict { .. }), "{again:?}");
    assert_eq!(tx.members.len(), 1, "nobody was added by the second setup");
}

// ---- firing jobs ------------------------------------------------------------------------------

#[tokio::test]
async fn a_scheduled_message_fires_once_as_its_member() {
    let mut tx = workspace();
    let dm = dms::open(&mut tx, &ANA, &[OWNER.member], None).await.unwrap();
    let at: Timestamp = "2024-05-02T10:00:00Z".parse().unwrap();
    let job = domain_jobs_schedule(&mut tx, dm.id, at).await;
    let fired = jobs::fire(&mut tx, job).await.unwrap().unwrap();
    assert_eq!(fired.kind, "send_message");
    let posted = fired.outcome["message_id"].as_i64().expect("a message id");
    assert_eq!(tx.messages[&MessageId(posted)].author_id, ANA.member);
    assert_eq!(tx.actor, Some(ANA.member), "the job acts as its member");
    assert!(matches!(tx.recorded.last(), Some((Change::JobFired(_), Scope::Private, Some(m))) if *m == ANA.member));
    let before = tx.recorded.len();
    assert!(jobs::fire(&mut tx, job).await.unwrap().is_none(), "a second firing does nothing");
    assert_eq!(tx.recorded.len(), before);
    let unknown = jobs::fire(&mut tx, 99).await.unwrap_err();
    assert!(matches!(unknown, Error::NotFound { .. }), "{unknown:?}");
}

async fn domain_jobs_schedule(tx: &mut Memory, dm: DmId, at: Timestamp) -> i64 {
    let job = jobs::schedule_message(tx, &ANA, MessageTarget::Dm(dm), "later", false, at).await.unwrap();
    job.id
}

#[tokio::test]
async fn a_job_that_cannot_do_its_work_still_fires_with_the_reason() {
    let mut tx = workspace();
    let dm = dms::open(&mut tx, &ANA, &[OWNER.member], None).await.unwrap();
    let at: Timestamp = "2024-05-02T10:00:00Z".parse().unwrap();
    let job = domain_jobs_schedule(&mut tx, dm.id, at).await;
    tx.members.get_mut(&ANA.member).unwrap().active = false;
    let fired = jobs::fire(&mut tx, job).await.unwrap().unwrap();
    assert_eq!(fired.outcome["error"], "the member is deactivated");
    assert!(tx.messages.is_empty(), "nothing was sent");
    tx.members.get_mut(&ANA.member).unwrap().active = true;

    // A reminder about a message its member can no longer read.
    let posted = messages::post(&mut tx, &OWNER, MessageTarget::Dm(dm.id), &text("hi"), false).await.unwrap();
    let remind = tx.schedule("remind", ANA.member, at, &serde_json::json!({ "message_id": posted.id })).await.unwrap();
    tx.in_dm.remove(&(dm.id, ANA.member));
    let fired = jobs::fire(&mut tx, remind).await.unwrap().unwrap();
    assert_eq!(fired.outcome["error"], "the message is gone or no longer visible");
    assert!(!tx.kinds().contains(&"reminder.due"));

    // A "due today" reminder for a task that is done, and a kind nobody knows.
    let due = tx.schedule("due_soon", ANA.member, at, &serde_json::json!({ "task_id": 404 })).await.unwrap();
    assert_eq!(jobs::fire(&mut tx, due).await.unwrap().unwrap().outcome["error"], "the task is gone");
    let odd = tx.schedule("teleport", ANA.member, at, &serde_json::json!({})).await.unwrap();
    assert_eq!(jobs::fire(&mut tx, odd).await.unwrap().unwrap().outcome["error"], "unknown job kind \"teleport\"");
    let ask = tx.schedule("checkin_ask", ANA.member, at, &serde_json::json!({ "checkin_id": 404 })).await.unwrap();
    let fired = jobs::fire(&mut tx, ask).await.unwrap().unwrap();
    assert_eq!(fired.outcome["skipped"], "no longer in the check-in");
}

#[tokio::test]
async fn a_follow_up_notifies_only_when_nobody_answered() {
    let mut tx = workspace();
    let dm = dms::open(&mut tx, &ANA, &[OWNER.member], None).await.unwrap();
    let asked = messages::post(&mut tx, &ANA, MessageTarget::Dm(dm.id), &text("ready?"), false).await.unwrap();
    let payload = serde_json::json!({ "message_id": asked.id, "notify": ANA.member, "within_minutes": 60 });
    let at: Timestamp = "2024-05-02T10:00:00Z".parse().unwrap();
    let first = tx.schedule("no_reply", ANA.member, at, &payload).await.unwrap();
    let fired = jobs::fire(&mut tx, first).await.unwrap().unwrap();
    assert_eq!(fired.outcome["answered"], false);
    assert_eq!(tx.notified.last().map(|(m, why, _)| (*m, why.as_str())), Some((ANA.member, "no_reply")));
    messages::post(&mut tx, &OWNER, MessageTarget::Dm(dm.id), &text("yes"), false).await.unwrap();
    let second = tx.schedule("no_reply", ANA.member, at, &payload).await.unwrap();
    assert_eq!(jobs::fire(&mut tx, second).await.unwrap().unwrap().outcome["answered"], true);
}

// ---- check-ins ------------------------------------------------------------------------------

async fn public(tx: &mut Memory, name: &str) -> ChannelId {
    let created = channels::create(tx, &OWNER, name, Visibility::Public, "", &[]).await.unwrap();
    created.id
}

fn new_checkin<'a>(
    channel: ChannelId,
    members: &'a [MemberId],
    cadence: &'a baton_core::model::Cadence,
) -> checkins::New<'a> {
    static QUESTIONS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| vec!["What did you do?".into()]);
    checkins::New {
        channel,
        title: "standup",
        questions: &QUESTIONS,
        ask_at: jiff::civil::time(9, 30, 0, 0),
        digest_at: jiff::civil::time(17, 0, 0, 0),
        members,
        cadence,
    }
}

/// The jobs scheduled of `kind`, as (member, when, payload).
fn jobs_of<'a>(tx: &'a Memory, kind: &'a str) -> impl Iterator<Item = (usize, MemberId, Timestamp, &'a Value)> + 'a {
    let scheduled = tx.scheduled.iter().enumerate();
    scheduled.filter(move |(_, (k, ..))| k == kind).map(|(n, (_, member, at, payload))| (n + 1, *member, *at, payload))
}

/// Each member is asked at the check-in's time in their own zone, on their next working day;
/// the digest follows its creator's zone. Guests, outsiders and archived channels make none.
#[tokio::test]
async fn a_checkin_asks_each_member_in_their_own_zone_and_digests_in_its_creators() {
    let mut tx = workspace();
    tx.members.get_mut(&ANA.member).unwrap().time_zone = "Europe/Berlin".into();
    tx.members.get_mut(&OWNER.member).unwrap().time_zone = "America/New_York".into();
    let team = public(&mut tx, "team").await;
    let cadence = baton_core::model::Cadence::default();
    let members = [MemberId(5), ANA.member, ANA.member];
    // Wednesday 10:00 UTC: 09:30 has passed in Berlin and in UTC, so both are first asked Thursday.
    let checkin = checkins::create(&mut tx, &OWNER, new_checkin(team, &members, &cadence)).await.unwrap();
    assert_eq!(checkin.member_ids, [ANA.member, MemberId(5)], "each member once");
    assert_eq!(checkin.digest_zone, "America/New_York");
    let asks: Vec<_> = jobs_of(&tx, "checkin_ask").map(|(_, member, at, _)| (member, at)).collect();
    assert_eq!(
        asks,
        [(ANA.member, instant("2024-05-02T07:30:00Z")), (MemberId(5), instant("2024-05-02T09:30:00Z"))],
        "Thursday 09:30 in Berlin, and in UTC"
    );
    let digests: Vec<_> = jobs_of(&tx, "checkin_digest").map(|(_, member, at, _)| (member, at)).collect();
    assert_eq!(digests, [(OWNER.member, instant("2024-05-01T21:00:00Z"))], "Wednesday 17:00 in New York");
    let (change, scope, _) = tx.recorded.last().unwrap();
    assert_eq!((change.kind(), *scope), ("checkin.created", Scope::Channel(team)));
    let thread = tx.threads[&checkin.thread_id].clone();
    assert_eq!((thread.title.as_str(), thread.channel_id), ("Check-in: standup", Some(team)));

    let refused = checkins::create(&mut tx, &GUEST, new_checkin(team, &[], &cadence)).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let secret = private(&mut tx, &ANA, "secret").await;
    let hidden = checkins::create(&mut tx, &ADMIN, new_checkin(secret, &[], &cadence)).await.unwrap_err();
    assert!(matches!(hidden, Error::NotFound { .. }), "an admin outside the channel: {hidden:?}");
    channels::update(&mut tx, &OWNER, team, &None, &None, Some(true)).await.unwrap();
    let archived = checkins::create(&mut tx, &OWNER, new_checkin(team, &[], &cadence)).await.unwrap_err();
    assert!(matches!(archived, Error::Conflict { .. }), "{archived:?}");
    assert_eq!(tx.checkins.len(), 1);
}

/// An ask is made once a day, tells its member only what they may still read, takes the
/// advisor's items once, and schedules the next working day's, across a change of the clocks.
#[tokio::test]
async fn an_ask_is_made_once_a_day_and_tells_only_what_its_member_may_read() {
    let mut tx = workspace();
    tx.members.get_mut(&ANA.member).unwrap().time_zone = "Europe/Berlin".into();
    tx.now = Some(instant("2024-03-28T12:00:00Z")); // a Thursday, before the clocks go forward
    let team = public(&mut tx, "team").await;
    let open = threads::create(&mut tx, &ANA, ThreadHome::Channel(team), "open", &[]).await.unwrap();
    let secret = private(&mut tx, &OWNER, "secret").await;
    channels::add_member(&mut tx, &OWNER, secret, ANA.member).await.unwrap();
    let hidden = threads::create(&mut tx, &ANA, ThreadHome::Channel(secret), "hidden", &[]).await.unwrap();
    messages::post(&mut tx, &ANA, MessageTarget::Thread(open.id), &text("a"), false).await.unwrap();
    messages::post(&mut tx, &ANA, MessageTarget::Thread(hidden.id), &text("b"), false).await.unwrap();
    channels::remove_member(&mut tx, &OWNER, secret, ANA.member).await.unwrap();
    let cadence = baton_core::model::Cadence::default();
    let checkin = checkins::create(&mut tx, &OWNER, new_checkin(team, &[ANA.member], &cadence)).await.unwrap();
    let project = project(&mut tx).await;
    let task = tasks::create_task(&mut tx, &OWNER, project, fields("ship", None, None)).await.unwrap();
    let task = task.id;
    tx.add_checkin_item(checkin.id, ANA.member, task).await.unwrap();
    tx.task_moves.push((ANA.member, instant("2024-03-28T12:00:00Z"), task));

    let (job, _, at, _) = jobs_of(&tx, "checkin_ask").next().unwrap();
    assert_eq!(at, instant("2024-03-29T08:30:00Z"), "Friday 09:30 in Berlin, winter time");
    tx.now = Some(at);
    let fired = jobs::fire(&mut tx, job as i64).await.unwrap().unwrap();
    assert_eq!(fired.outcome, serde_json::json!({ "asked": true, "day": "2024-03-29" }));
    let (member, why, prompt) = tx.notified.last().unwrap().clone();
    assert_eq!((member, why.as_str()), (ANA.member, "checkin"));
    assert_eq!(prompt["questions"], serde_json::json!(["What did you do?"]));
    let threads: Vec<i64> =
        prompt["activity"]["threads"].as_array().unwrap().iter().map(|t| t["thread_id"].as_i64().unwrap()).collect();
    assert_eq!(threads, [open.id.0], "a thread of a channel they left is not named");
    assert_eq!(prompt["activity"]["tasks_moved"], serde_json::json!([task]));
    assert_eq!(prompt["agenda"], serde_json::json!([{ "task_id": task, "title": "ship" }]));

    // The next ask: Monday 09:30 in Berlin, now summer time.
    let next: Vec<_> = jobs_of(&tx, "checkin_ask").map(|(n, _, at, p)| (n, at, p["day"].clone())).collect();
    assert_eq!(next.len(), 2);
    assert_eq!((next[1].1, next[1].2.as_str()), (instant("2024-04-01T07:30:00Z"), Some("2024-04-01")));

    // The same day asked again (a job scheduled twice) notifies nobody and takes nothing.
    let first = jobs_of(&tx, "checkin_ask").next().unwrap().3.clone();
    let again = tx.schedule("checkin_ask", ANA.member, at, &first).await.unwrap();
    let notified = tx.notified.len();
    let fired = jobs::fire(&mut tx, again).await.unwrap().unwrap();
    assert_eq!(fired.outcome["asked"], false);
    assert_eq!(tx.notified.len(), notified);

    // Monday: the item was asked about once; a member taken out of the check-in is not asked.
    tx.now = Some(next[1].1);
    jobs::fire(&mut tx, next[1].0 as i64).await.unwrap().unwrap();
    assert_eq!(tx.notified.last().unwrap().2["agenda"], serde_json::json!([]));
    tx.checkins.get_mut(&checkin.id).unwrap().member_ids.clear();
    let (last, ..) = jobs_of(&tx, "checkin_ask").last().unwrap();
    let fired = jobs::fire(&mut tx, last as i64).await.unwrap().unwrap();
    assert_eq!(fired.outcome["skipped"], "no longer in the check-in");
}

/// Only its members answer, in its thread; the digest covers the asks since the last one:
/// who answered (first lines), who is missing, who mentioned a blocker.
#[tokio::test]
async fn the_digest_counts_the_asks_since_the_last_one() {
    let mut tx = workspace();
    let team = public(&mut tx, "team").await;
    let cadence = baton_core::model::Cadence::default();
    let members = [ANA.member, MemberId(5)];
    let checkin = checkins::create(&mut tx, &OWNER, new_checkin(team, &members, &cadence)).await.unwrap();
    let refused = checkins::answer(&mut tx, &ADMIN, checkin.id, "me too").await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");

    let asked = instant("2024-05-01T10:30:00Z");
    for member in members {
        tx.add_ask(checkin.id, member, asked.to_zoned(jiff::tz::TimeZone::UTC).date(), asked).await.unwrap();
    }
    tx.now = Some(instant("2024-05-01T11:00:00Z"));
    let answer = checkins::answer(&mut tx, &ANA, checkin.id, "shipped it\nblocked by review").await.unwrap();
    assert_eq!(answer.thread_id, Some(checkin.thread_id));
    assert_eq!(tx.asks[0].1.answer_message_id, Some(answer.id));

    let (digest, member, _, _) = jobs_of(&tx, "checkin_digest").next().unwrap();
    assert_eq!(member, OWNER.member);
    tx.now = Some(instant("2024-05-01T17:00:00Z"));
    let fired = jobs::fire(&mut tx, digest as i64).await.unwrap().unwrap();
    assert_eq!(fired.outcome["answered"], serde_json::json!(["m3"]));
    assert_eq!(fired.outcome["missing"], serde_json::json!(["m5"]));
    assert_eq!(fired.outcome["blockers"], serde_json::json!(["m3"]));
    let posted = &tx.messages[&MessageId(fired.outcome["message_id"].as_i64().unwrap())];
    assert_eq!(posted.author_id, OWNER.member);
    assert_eq!(
        posted.body,
        "**Check-in digest: standup** (1 of 2 answered)\n- m3: shipped it\n\nMissing: m5\n\nBlockers mentioned by: m3"
    );

    // The next digest, Thursday 17:00, counts only what was asked since.
    let (next, _, at, _) = jobs_of(&tx, "checkin_digest").last().unwrap();
    assert_eq!(at, instant("2024-05-02T17:00:00Z"));
    tx.now = Some(at);
    let fired = jobs::fire(&mut tx, next as i64).await.unwrap().unwrap();
    assert_eq!(fired.outcome["answered"], serde_json::json!([]));
    assert_eq!(fired.outcome["missing"], serde_json::json!([]));

    // A digest that cannot be posted (the channel archived) says why, and the next is still due;
    // what it would have counted waits for that one.
    let friday = instant("2024-05-03T09:30:00Z");
    tx.add_ask(checkin.id, MemberId(5), friday.to_zoned(jiff::tz::TimeZone::UTC).date(), friday).await.unwrap();
    channels::update(&mut tx, &OWNER, team, &None, &None, Some(true)).await.unwrap();
    let (next, _, at, _) = jobs_of(&tx, "checkin_digest").last().unwrap();
    tx.now = Some(at);
    let fired = jobs::fire(&mut tx, next as i64).await.unwrap().unwrap();
    assert!(fired.outcome["error"].as_str().unwrap().contains("archived"), "{fired:?}");
    let (_, _, after_friday, _) = jobs_of(&tx, "checkin_digest").last().unwrap();
    assert_eq!(
        (at, after_friday),
        (instant("2024-05-03T17:00:00Z"), instant("2024-05-06T17:00:00Z")),
        "none at the weekend"
    );
    channels::update(&mut tx, &OWNER, team, &None, &None, Some(false)).await.unwrap();
    let (monday, ..) = jobs_of(&tx, "checkin_digest").last().unwrap();
    tx.now = Some(after_friday);
    let fired = jobs::fire(&mut tx, monday as i64).await.unwrap().unwrap();
    assert_eq!(fired.outcome["missing"], serde_json::json!(["m5"]), "Friday's ask is in Monday's digest");
}
