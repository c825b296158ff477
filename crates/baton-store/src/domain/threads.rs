//! Threads: where one begins and who may read it.

use baton_core::event::{self as ev, Change};
use baton_core::model::Thread;
use baton_core::ThreadId;

use super::{policy, IdKind, Tx};
use crate::command::ThreadHome;
use crate::error::Result;
use crate::view::Viewer;

/// Begins a thread in `home` (none: a task's, whose task links it when it is recorded) by the
/// viewer, who follows it. Whether the viewer may post in `home` is the caller's to check.
pub(crate) async fn begin(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    home: Option<ThreadHome>,
    title: &str,
    tags: &[String],
    timeline: bool,
) -> Result<Thread> {
    let (channel_id, dm_id) = match home {
        Some(ThreadHome::Channel(channel)) => (Some(channel), None),
        Some(ThreadHome::Dm(dm)) => (None, Some(dm)),
        None => (None, None),
    };
    let id = ThreadId(tx.next_id(IdKind::Thread).await?);
    let thread = Thread {
        id,
        channel_id,
        dm_id,
        task_id: None,
        title: title.to_string(),
        display_title: None,
        timeline,
        resolved: false,
        tags: tags.to_vec(),
        created_by: viewer.member,
        created_at: tx.at(),
        message_count: 0,
        last_message_at: None,
    };
    let created = ev::ThreadCreated { thread_id: id, channel_id, dm_id, task_id: None, thread: thread.clone() };
    tx.record(Change::ThreadCreated(created), policy::thread_scope(channel_id, dm_id), None).await?;
    Ok(thread)
}
