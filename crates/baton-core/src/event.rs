//! The append-only record of every change: each [`Event`] carries one typed [`Change`].
//!
//! On the wire (the API, the stream, the database) an event is `{"kind": …, "payload": …}`
//! beside its envelope fields; in Rust it is one variant of [`Change`] per kind, with a payload
//! type of its own ([`change`]). Evolving the log: a field is only ever added, with a default
//! so that events written before it still read; a change of meaning is a new kind. An event of
//! a kind this version does not know, or whose payload it cannot read, is kept as
//! [`Change::Other`], untouched, so that reading and writing the log back never loses anything.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{MemberId, Seq};

pub mod change;

pub use change::*;

/// One entry of the workspace's event log. `seq` is gap-free and strictly increasing per
/// workspace; `at` is when the change happened (imports keep their original times); `source`
/// names where it came from (`baton` for changes made here, e.g. `slack` for imports).
#[derive(Debug, Clone)]
pub struct Event {
    pub workspace: i64,
    pub seq: Seq,
    pub at: Timestamp,
    /// The member who made the change; `None` for the system.
    pub actor: Option<MemberId>,
    pub change: Change,
    pub source: String,
}

impl Event {
    /// What happened, e.g. `message.posted`.
    pub fn kind(&self) -> &str {
        self.change.kind()
    }
}

/// An event as the API documents it and as it travels: its change as `kind` and `payload`.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Event)]
pub struct Wire {
    workspace: i64,
    seq: Seq,
    #[schema(value_type = String, format = DateTime)]
    at: Timestamp,
    /// The member who made the change; `null` for the system.
    actor: Option<MemberId>,
    /// What happened, e.g. `message.posted`, `task.status_changed`.
    kind: String,
    /// The change itself; its shape depends on `kind`.
    #[schema(value_type = Object)]
    payload: Box<serde_json::value::RawValue>,
    source: String,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            workspace: self.workspace,
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            kind: self.kind().to_string(),
            payload: serde_json::value::RawValue::from_string(self.change.payload_json())
                .map_err(serde::ser::Error::custom)?,
            source: self.source.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        Ok(Event {
            workspace: wire.workspace,
            seq: wire.seq,
            at: wire.at,
            actor: wire.actor,
            change: Change::from_parts(&wire.kind, wire.payload.get()),
            source: wire.source,
        })
    }
}

/// The event kinds Baton writes, in one place so readers and writers agree on the spelling.
pub mod kind {
    pub const WORKSPACE_CREATED: &str = "workspace.created";
    pub const MEMBER_JOINED: &str = "member.joined";
    pub const MEMBER_UPDATED: &str = "member.updated";
    pub const MEMBER_ROLE_CHANGED: &str = "member.role_changed";
    pub const MEMBER_DEACTIVATED: &str = "member.deactivated";
    pub const MEMBER_REACTIVATED: &str = "member.reactivated";
    pub const CHANNEL_CREATED: &str = "channel.created";
    pub const CHANNEL_UPDATED: &str = "channel.updated";
    pub const CHANNEL_MEMBER_ADDED: &str = "channel.member_added";
    pub const CHANNEL_MEMBER_REMOVED: &str = "channel.member_removed";
    pub const THREAD_CREATED: &str = "thread.created";
    pub const THREAD_UPDATED: &str = "thread.updated";
    pub const THREAD_RESOLVED: &str = "thread.resolved";
    pub const THREAD_REOPENED: &str = "thread.reopened";
    pub const DM_CREATED: &str = "dm.created";
    pub const DM_UPDATED: &str = "dm.updated";
    pub const MESSAGE_POSTED: &str = "message.posted";
    pub const MESSAGE_EDITED: &str = "message.edited";
    pub const MESSAGE_DELETED: &str = "message.deleted";
    /// A message moved from a timeline into a thread of the same conversation (the first reply
    /// to it started the thread).
    pub const MESSAGE_MOVED: &str = "message.moved";
    pub const REACTION_ADDED: &str = "reaction.added";
    pub const REACTION_REMOVED: &str = "reaction.removed";
    pub const PROJECT_CREATED: &str = "project.created";
    pub const PROJECT_UPDATED: &str = "project.updated";
    pub const TASK_CREATED: &str = "task.created";
    pub const TASK_UPDATED: &str = "task.updated";
    pub const TASK_STATUS_CHANGED: &str = "task.status_changed";
    pub const TASK_ASSIGNED: &str = "task.assigned";
    pub const TASK_DUE_CHANGED: &str = "task.due_changed";
    pub const HUDDLE_STARTED: &str = "huddle.started";
    pub const HUDDLE_JOINED: &str = "huddle.joined";
    pub const HUDDLE_LEFT: &str = "huddle.left";
    pub const HUDDLE_UPDATED: &str = "huddle.updated";
    pub const HUDDLE_DECISION_RECORDED: &str = "huddle.decision_recorded";
    pub const HUDDLE_ACTION_ITEM_ADDED: &str = "huddle.action_item_added";
    pub const HUDDLE_ENDED: &str = "huddle.ended";
    pub const JOB_SCHEDULED: &str = "job.scheduled";
    pub const JOB_CANCELLED: &str = "job.cancelled";
    pub const JOB_FIRED: &str = "job.fired";
    pub const REMINDER_DUE: &str = "reminder.due";
    pub const NORM_CHANGED: &str = "norm.changed";
    pub const CHECKIN_CREATED: &str = "checkin.created";
    pub const SLOT_BOOKED: &str = "slot.booked";
    pub const NOTIFICATION_DELIVERED: &str = "notification.delivered";
    pub const NOTIFICATION_READ: &str = "notification.read";
    pub const ADVICE_ACCEPTED: &str = "advisor.accepted";
    pub const ADVICE_DISMISSED: &str = "advisor.dismissed";

    /// Kinds after which the member a stream stands for may have another role or none.
    pub const IDENTITY_CHANGING: &[&str] = &[MEMBER_ROLE_CHANGED, MEMBER_DEACTIVATED];

    /// Kinds after which a reader's set of visible channels and conversations may change.
    pub const ACCESS_CHANGING: &[&str] = &[
        CHANNEL_CREATED,
        CHANNEL_UPDATED,
        CHANNEL_MEMBER_ADDED,
        CHANNEL_MEMBER_REMOVED,
        DM_CREATED,
        MEMBER_ROLE_CHANGED,
    ];
}

#[cfg(test)]
mod tests;
