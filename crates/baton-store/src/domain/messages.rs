//! Messages: posting, replying (which may start a thread beside a timeline message), moving,
//! editing, deleting, reactions, read marks; and whom a new message notifies.

use baton_core::event::{self as ev, Change};
use baton_core::model::{Message, Thread};
use baton_core::text::MessageText;
use baton_core::{DmId, MemberId, MessageId, ThreadId};
use serde_json::json;

use super::{notifications, policy, threads, IdKind, Tx};
use crate::command::{MessageTarget, ThreadHome};
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// The most mentions of one message that are looked up (and notified).
const MAX_MENTIONS: usize = 50;

/// The characters of a message that title the thread it starts, as a Slack thread is titled by
/// its parent's text.
const TITLE_CHARS: usize = 80;

/// The message, if the viewer may read where it is, and who may read what happens to it.
pub(crate) async fn readable(tx: &mut dyn Tx, viewer: &Viewer, id: MessageId) -> Result<(Message, Scope)> {
    let not_found = || Error::not_found(format!("message {id}"));
    let message = tx.message(id).await?.ok_or_else(not_found)?;
    let scope = match (message.thread_id, message.dm_id) {
        (Some(thread), _) => {
            let thread = threads::readable(tx, viewer, thread).await.map_err(|_| not_found())?;
            policy::thread_scope(thread.channel_id, thread.dm_id)
        }
        (None, Some(dm)) if tx.in_dm(dm, viewer.member).await? => Scope::Dm(dm),
        _ => return Err(not_found()),
    };
    Ok((message, scope))
}

/// Posts into a thread the viewer may read (not in an archived channel) or into the timeline
/// of a direct conversation they take part in; notifies whom it concerns.
pub(crate) async fn post(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    target: MessageTarget,
    text: &MessageText,
    urgent: bool,
) -> Result<Message> {
    // `conversation`: the direct conversation it is in, its timeline or one of its threads.
    let (thread, dm_id, conversation, scope) = match target {
        MessageTarget::Thread(id) => {
            let (thread, channel) = threads::readable_with_channel(tx, viewer, id).await?;
            if channel.is_some_and(|c| c.archived) {
                return Err(Error::conflict(format!("the channel of thread {id} is archived")));
            }
            let scope = policy::thread_scope(thread.channel_id, thread.dm_id);
            let conversation = thread.dm_id;
            (Some(thread), None, conversation, scope)
        }
        MessageTarget::Dm(id) => {
            if !tx.in_dm(id, viewer.member).await? {
                return Err(Error::not_found(format!("conversation {id}")));
            }
            (None, Some(id), Some(id), Scope::Dm(id))
        }
    };
    let handles = &text.mentioned_handles[..text.mentioned_handles.len().min(MAX_MENTIONS)];
    let mentions = tx.members_by_handle(handles).await?;
    let id = MessageId(tx.next_id(IdKind::Message).await?);
    let message = Message {
        id,
        thread_id: thread.as_ref().map(|t| t.id),
        dm_id,
        author_id: viewer.member,
        body: text.body.clone(),
        html: text.html.clone(),
        mentions,
        reactions: Vec::new(),
        urgent,
        created_at: tx.at(),
        edited_at: None,
        deleted: false,
    };
    tx.record(Change::MessagePosted(ev::MessagePosted { message: message.clone(), redacted: false }), scope, None)
        .await?;
    // Imported history notifies nobody: it happened long ago, elsewhere.
    if tx.is_live() {
        for (member, why) in recipients(tx, &message, thread.as_ref(), conversation).await? {
            let about =
                json!({ "message_id": id, "thread_id": message.thread_id, "dm_id": dm_id, "author_id": viewer.member });
            notifications::notify(tx, member, why, about, urgent).await?;
        }
    }
    Ok(message)
}

/// Whom a new message notifies, each once, never its author, only those who may read it:
/// whom it mentions, the other people of its direct conversation (`dm`: it is in its timeline
/// or one of its threads), and its thread's followers (who began it or posted in it).
async fn recipients(
    tx: &mut dyn Tx,
    message: &Message,
    thread: Option<&Thread>,
    dm: Option<DmId>,
) -> Result<Vec<(MemberId, &'static str)>> {
    let mut candidates: Vec<(MemberId, &'static str)> = Vec::new();
    let mut add = |member: MemberId, why: &'static str| {
        if member != message.author_id && !candidates.iter().any(|(m, _)| *m == member) {
            candidates.push((member, why));
        }
    };
    for member in &message.mentions {
        add(*member, "mention");
    }
    if let Some(dm) = dm {
        for member in tx.dm_members(dm).await? {
            add(member, "dm");
        }
    }
    if let Some(thread) = thread {
        for member in tx.followers(thread.id).await? {
            add(member, "reply");
        }
    }
    let mut allowed = Vec::with_capacity(candidates.len());
    for (member, why) in candidates {
        // Service accounts (an import's owner) act but read nothing.
        let Some(found) = tx.member(member).await?.filter(|m| m.active && !m.service) else { continue };
        let reader = Viewer { member, role: found.role };
        // The thread is already read: each recipient needs only their own membership.
        let may_read = match (thread, dm) {
            (Some(thread), _) => {
                let channel = match thread.channel_id {
                    Some(channel) => tx.channel(channel, member).await?,
                    None => None,
                };
                let in_dm = match thread.dm_id {
                    Some(dm) => tx.in_dm(dm, member).await?,
                    None => false,
                };
                policy::may_read_thread(&reader, thread, channel.as_ref(), in_dm)
            }
            (None, Some(dm)) => tx.in_dm(dm, member).await?,
            (None, None) => false,
        };
        if may_read {
            allowed.push((member, why));
        }
    }
    Ok(allowed)
}

/// Replies to a message: in its thread; a message in a timeline (a channel's or a direct
/// conversation's) starts a thread beside it first, and moves into it.
pub(crate) async fn reply(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: MessageId,
    text: &MessageText,
    urgent: bool,
) -> Result<Message> {
    let (message, _) = readable(tx, viewer, id).await?;
    let thread = match (message.thread_id, message.dm_id) {
        (Some(thread), _) => {
            let found = threads::readable(tx, viewer, thread).await?;
            match found.channel_id {
                Some(channel) if found.timeline => start_thread_from(tx, viewer, &message, channel.into()).await?,
                _ => thread,
            }
        }
        (None, Some(dm)) => start_thread_from(tx, viewer, &message, ThreadHome::Dm(dm)).await?,
        (None, None) => return Err(Error::not_found(format!("message {id}"))),
    };
    post(tx, viewer, MessageTarget::Thread(thread), text, urgent).await
}

/// A thread beside a timeline message, titled with its first characters; the message moves in.
async fn start_thread_from(tx: &mut dyn Tx, viewer: &Viewer, message: &Message, home: ThreadHome) -> Result<ThreadId> {
    if message.deleted {
        return Err(Error::conflict(format!("message {} was deleted", message.id)));
    }
    let title: String = message.body.chars().take(TITLE_CHARS).collect();
    let thread = threads::begin(tx, viewer, Some(home), &title, &[], false).await?;
    record_moved(tx, message, &thread).await?;
    Ok(thread.id)
}

async fn record_moved(tx: &mut dyn Tx, message: &Message, into: &Thread) -> Result<()> {
    let moved = ev::MessageMoved {
        message_id: message.id,
        thread_id: into.id,
        from_thread_id: message.thread_id,
        from_dm_id: message.dm_id,
    };
    tx.record(Change::MessageMoved(moved), policy::thread_scope(into.channel_id, into.dm_id), None).await
}

/// Moves a timeline message into a thread of the same channel or conversation: a channel's
/// messages by owners and admins; in a direct conversation its people arrange their own
/// (reading it is taking part).
pub(crate) async fn move_to_thread(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: MessageId,
    thread: ThreadId,
) -> Result<Message> {
    let (message, _) = readable(tx, viewer, id).await?;
    let target = threads::readable(tx, viewer, thread).await?;
    if target.dm_id.is_none() && !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins move a channel's messages"));
    }
    if message.thread_id != Some(thread) {
        let from_home = match (message.thread_id, message.dm_id) {
            (Some(from), _) => {
                let from = threads::readable(tx, viewer, from).await?;
                from.timeline.then_some((from.channel_id, None))
            }
            (None, dm) => Some((None, dm)),
        };
        if target.timeline || from_home != Some((target.channel_id, target.dm_id)) {
            return Err(Error::invalid(
                "thread",
                "a message moves only from a timeline into a thread of the same channel or conversation",
            ));
        }
        record_moved(tx, &message, &target).await?;
    }
    Ok(readable(tx, viewer, id).await?.0)
}

/// The viewer's own message, not deleted, and who may read what happens to it: what an edit
/// needs.
async fn own_live(tx: &mut dyn Tx, viewer: &Viewer, id: MessageId) -> Result<(Message, Scope)> {
    let (message, scope) = readable(tx, viewer, id).await?;
    if message.author_id != viewer.member {
        return Err(Error::forbidden("only the author edits a message"));
    }
    if message.deleted {
        return Err(Error::conflict(format!("message {id} was deleted")));
    }
    Ok((message, scope))
}

/// Replaces the text of the viewer's message; the text it replaces is kept as a version.
pub(crate) async fn edit(tx: &mut dyn Tx, viewer: &Viewer, id: MessageId, text: &MessageText) -> Result<Message> {
    let (_, scope) = own_live(tx, viewer, id).await?;
    let handles = &text.mentioned_handles[..text.mentioned_handles.len().min(MAX_MENTIONS)];
    let mentions = tx.members_by_handle(handles).await?;
    let edited = ev::MessageEdited {
        message_id: id,
        body: text.body.clone(),
        html: text.html.clone(),
        mentions,
        redacted: false,
    };
    tx.record(Change::MessageEdited(edited), scope, None).await?;
    Ok(readable(tx, viewer, id).await?.0)
}

/// Marks the viewer's message edited (an import's edit, whose earlier text is unknown): a
/// `message.edited` with the text as it is, and no version.
pub(crate) async fn mark_edited(tx: &mut dyn Tx, viewer: &Viewer, id: MessageId) -> Result<Message> {
    let (message, scope) = own_live(tx, viewer, id).await?;
    let edited = ev::MessageEdited {
        message_id: id,
        body: message.body,
        html: message.html,
        mentions: message.mentions,
        redacted: false,
    };
    tx.record(Change::MessageEdited(edited), scope, None).await?;
    Ok(readable(tx, viewer, id).await?.0)
}

/// Deletes a message (its author or an admin): the tombstone keeps its place, author and time;
/// its text goes from everything that kept it, the log included.
pub(crate) async fn delete(tx: &mut dyn Tx, viewer: &Viewer, id: MessageId) -> Result<Message> {
    let (message, scope) = readable(tx, viewer, id).await?;
    if message.author_id != viewer.member && !viewer.role.is_admin() {
        return Err(Error::forbidden("only the author or an admin deletes a message"));
    }
    if !message.deleted {
        tx.redact(id).await?;
        tx.record(Change::MessageDeleted(ev::MessageRef { message_id: id }), scope, None).await?;
    }
    Ok(readable(tx, viewer, id).await?.0)
}

/// Adds or takes back the viewer's reaction; recorded only when it changes something.
pub(crate) async fn react(tx: &mut dyn Tx, viewer: &Viewer, id: MessageId, emoji: &str, add: bool) -> Result<Message> {
    let (message, scope) = readable(tx, viewer, id).await?;
    if message.deleted {
        return Err(Error::conflict(format!("message {id} was deleted")));
    }
    let had = message.reactions.iter().any(|r| r.emoji == emoji && r.members.contains(&viewer.member));
    if had != add {
        let reaction = ev::ReactionChanged { message_id: id, emoji: emoji.to_string(), member_id: viewer.member };
        let change = if add { Change::ReactionAdded(reaction) } else { Change::ReactionRemoved(reaction) };
        tx.record(change, scope, None).await?;
    }
    Ok(readable(tx, viewer, id).await?.0)
}

/// Notes that the viewer has read a thread or a conversation up to a message: private
/// bookkeeping, not an event. Reading needs read access.
pub(crate) async fn mark_read(tx: &mut dyn Tx, viewer: &Viewer, target: MessageTarget, up_to: MessageId) -> Result<()> {
    match target {
        MessageTarget::Thread(id) => {
            threads::readable(tx, viewer, id).await?;
        }
        MessageTarget::Dm(id) => {
            if !tx.in_dm(id, viewer.member).await? {
                return Err(Error::not_found(format!("conversation {id}")));
            }
        }
    }
    tx.mark_read(viewer.member, target, up_to).await
}
