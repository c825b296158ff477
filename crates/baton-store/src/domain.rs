//! The rules: what a command may do, what it changes, who may read the change. Written once,
//! against [`Tx`], the typed reads and writes of one write transaction, so that every backend
//! runs the same rules and holds none of its own.
//!
//! A command reads what it needs through [`Tx`], decides, and records typed changes
//! ([`Change`]) with their scope; the backend appends each change to the log and projects it
//! into its tables in the same transaction. Nothing here knows SQL: the domain is tested on an
//! in-memory [`Tx`] (`domain/tests.rs`), the backends on the store contract suite.
//!
//! Commands move here family by family; `channels` is the first. A family's changes are
//! projected by the backend's projector; the others are still written by their command inside
//! the SQLite backend (`sqlite/apply*.rs`) until they move.

use async_trait::async_trait;
use baton_core::event::Change;
use baton_core::model::{Channel, Member, Project, Role, Task, Workspace};
use baton_core::{ChannelId, MemberId, ProjectId, TaskId};
use jiff::Timestamp;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

pub(crate) mod channels;
pub(crate) mod policy;
pub(crate) mod tasks;
pub(crate) mod threads;

#[cfg(test)]
mod tests;

/// The kinds of rows whose ids a command hands out before it records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdKind {
    Channel,
    Project,
    Task,
    Thread,
}

/// One write transaction as the domain sees it: typed reads of the current state, ids for new
/// rows, and the log to record changes in. Reads are unfiltered: what a viewer may see is decided
/// here, by [`policy`], not by the backend.
#[async_trait]
pub(crate) trait Tx: Send {
    /// When the command happens.
    fn at(&self) -> Timestamp;

    /// A member, active or not.
    async fn member(&mut self, id: MemberId) -> Result<Option<Member>>;
    /// A channel, with `is_member` telling whether `member` is in it.
    async fn channel(&mut self, id: ChannelId, member: MemberId) -> Result<Option<Channel>>;
    /// The channels called `name`, with `is_member` for `member`.
    async fn channels_named(&mut self, name: &str, member: MemberId) -> Result<Vec<Channel>>;

    async fn workspace(&mut self) -> Result<Option<Workspace>>;
    async fn project(&mut self, id: ProjectId) -> Result<Option<Project>>;
    async fn task(&mut self, id: TaskId) -> Result<Option<Task>>;

    /// An id for a new row of `kind`, unused so far.
    async fn next_id(&mut self, kind: IdKind) -> Result<i64>;
    /// Appends `change` to the log, readable by `scope` and by `also_for`, and projects it.
    async fn record(&mut self, change: Change, scope: Scope, also_for: Option<MemberId>) -> Result<()>;
    /// Timed work for `member` at `at`: a job of `kind` the scheduler fires then.
    async fn schedule(&mut self, kind: &str, member: MemberId, at: Timestamp, payload: &Value) -> Result<i64>;
    /// Tells `member` about something (`why`: `mention`, `dm`, `reply`, `assigned`): delivered
    /// now or held for their working hours. (When and how is still the backend's rule: it moves
    /// here with the messages.)
    async fn notify(&mut self, member: MemberId, why: &str, about: Value, urgent: bool) -> Result<()>;
}

pub(crate) fn no_guest(viewer: &Viewer, what: &str) -> Result<()> {
    if viewer.role == Role::Guest {
        return Err(Error::forbidden(format!("guests cannot {what}")));
    }
    Ok(())
}

/// A member who may still take part: deactivated members are as good as unknown.
pub(crate) async fn active_member(tx: &mut dyn Tx, id: MemberId) -> Result<Member> {
    match tx.member(id).await? {
        Some(member) if member.active => Ok(member),
        _ => Err(Error::not_found(format!("member {id}"))),
    }
}
