//! Threads: where one begins, who may read it, its title, tags and resolution.

use baton_core::event::{self as ev, Change};
use baton_core::model::{Channel, Thread};
use baton_core::{ChannelId, ThreadId};

use super::{policy, IdKind, Tx};
use crate::command::ThreadHome;
use crate::error::{Error, Result};
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

/// The thread, if the viewer may read it (see [`policy::may_read_thread`]); "not found"
/// otherwise, as if it did not exist. Also its channel, for threads in one.
pub(crate) async fn readable_with_channel(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: ThreadId,
) -> Result<(Thread, Option<Channel>)> {
    let not_found = || Error::not_found(format!("thread {id}"));
    let thread = tx.thread(id).await?.ok_or_else(not_found)?;
    let channel = match thread.channel_id {
        Some(channel) => tx.channel(channel, viewer.member).await?,
        None => None,
    };
    let in_dm = match thread.dm_id {
        Some(dm) => tx.in_dm(dm, viewer.member).await?,
        None => false,
    };
    if !policy::may_read_thread(viewer, &thread, channel.as_ref(), in_dm) {
        return Err(not_found());
    }
    Ok((thread, channel))
}

pub(crate) async fn readable(tx: &mut dyn Tx, viewer: &Viewer, id: ThreadId) -> Result<Thread> {
    Ok(readable_with_channel(tx, viewer, id).await?.0)
}

/// Begins a titled thread in a channel the viewer reads and that is not archived, or in a
/// direct conversation they take part in. Its first message, if any, is the caller's to post.
pub(crate) async fn create(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    home: ThreadHome,
    title: &str,
    tags: &[String],
) -> Result<Thread> {
    match home {
        ThreadHome::Channel(channel) => {
            if super::channels::readable(tx, viewer, channel).await?.archived {
                return Err(Error::conflict(format!("channel {channel} is archived")));
            }
        }
        ThreadHome::Dm(dm) => {
            if !tx.in_dm(dm, viewer.member).await? {
                return Err(Error::not_found(format!("conversation {dm}")));
            }
        }
    }
    begin(tx, viewer, Some(home), title, tags, false).await
}

/// A channel's timeline (the messages an import had outside any thread): the one it has, or a
/// new one. For owners and admins, who import.
pub(crate) async fn open_timeline(tx: &mut dyn Tx, viewer: &Viewer, channel: ChannelId) -> Result<Thread> {
    if !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins open a channel's timeline"));
    }
    super::channels::readable(tx, viewer, channel).await?;
    match tx.timeline_of(channel).await? {
        Some(id) => readable(tx, viewer, id).await,
        None => begin(tx, viewer, Some(channel.into()), "", &[], true).await,
    }
}

/// Renames, retags, resolves or reopens a thread: whoever may read it may.
pub(crate) async fn update(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: ThreadId,
    title: &Option<String>,
    tags: &Option<Vec<String>>,
    resolved: Option<bool>,
) -> Result<Thread> {
    let before = readable(tx, viewer, id).await?;
    let scope = policy::thread_scope(before.channel_id, before.dm_id);
    if title.is_some() || tags.is_some() {
        let updated =
            ev::ThreadUpdated { thread_id: id, title: title.clone(), tags: tags.clone(), display_title: None };
        tx.record(Change::ThreadUpdated(updated), scope, None).await?;
    }
    if let Some(resolved) = resolved.filter(|r| *r != before.resolved) {
        let thread = ev::ThreadRef { thread_id: id };
        let change = if resolved { Change::ThreadResolved(thread) } else { Change::ThreadReopened(thread) };
        tx.record(change, scope, None).await?;
    }
    readable(tx, viewer, id).await
}

/// How an imported title reads, set by an admin; `title` stays as it was, since reports read
/// the title a thread was created with.
pub(crate) async fn set_display_title(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: ThreadId,
    display_title: &str,
) -> Result<Thread> {
    if !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins set how an imported title reads"));
    }
    let thread = readable(tx, viewer, id).await?;
    let shown = Some(display_title).filter(|shown| *shown != thread.title).map(str::to_string);
    let updated = ev::ThreadUpdated { thread_id: id, title: None, tags: None, display_title: Some(shown) };
    tx.record(Change::ThreadUpdated(updated), policy::thread_scope(thread.channel_id, thread.dm_id), None).await?;
    readable(tx, viewer, id).await
}
