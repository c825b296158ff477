//! Channels: creating, renaming, archiving, and who is in them.

use baton_core::event::{self as ev, Change};
use baton_core::model::{Channel, Role, Visibility};
use baton_core::{ChannelId, MemberId};

use super::{active_member, no_guest, policy, IdKind, Tx};
use crate::answer::LeftChannel;
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// The channel, if the viewer may read it; "not found" otherwise, as if it did not exist.
pub(crate) async fn readable(tx: &mut dyn Tx, viewer: &Viewer, id: ChannelId) -> Result<Channel> {
    match tx.channel(id, viewer.member).await? {
        Some(channel) if policy::may_read(viewer, &channel) => Ok(channel),
        _ => Err(Error::not_found(format!("channel {id}"))),
    }
}

/// A channel name is taken by a channel the viewer can see (other than `except`, the one being
/// renamed). One they cannot see does not take it: answering "already exists" would tell them
/// that a private channel of that name exists.
async fn name_free(tx: &mut dyn Tx, viewer: &Viewer, name: &str, except: Option<ChannelId>) -> Result<()> {
    let taken = tx.channels_named(name, viewer.member).await?;
    if taken.iter().any(|channel| Some(channel.id) != except && policy::may_read(viewer, channel)) {
        return Err(Error::conflict(format!("a channel named {name} already exists")));
    }
    Ok(())
}

/// Whether `viewer` may rename, archive or set the norm of `channel`, or remove others from it.
pub(crate) fn may_manage(viewer: &Viewer, channel: &Channel) -> Result<()> {
    if viewer.role.is_admin() || channel.created_by == viewer.member {
        return Ok(());
    }
    Err(Error::forbidden("only the channel's creator or an admin can do that"))
}

/// Whether `viewer` may put `member` into a channel: only admins add guests.
async fn may_add(tx: &mut dyn Tx, viewer: &Viewer, member: MemberId) -> Result<()> {
    let target = active_member(tx, member).await?;
    if target.role == Role::Guest && !viewer.role.is_admin() {
        return Err(Error::forbidden("only admins add guests to channels"));
    }
    Ok(())
}

async fn record_joined(tx: &mut dyn Tx, channel: ChannelId, member: MemberId) -> Result<()> {
    let joined = ev::ChannelMembership { channel_id: channel, member_id: member };
    tx.record(Change::ChannelMemberAdded(joined), Scope::Channel(channel), None).await
}

pub(crate) async fn create(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    name: &str,
    visibility: Visibility,
    topic: &str,
    members: &[MemberId],
) -> Result<Channel> {
    no_guest(viewer, "create channels")?;
    name_free(tx, viewer, name, None).await?;
    // Everything is checked before anything is recorded.
    let mut joining = vec![viewer.member];
    for member in members {
        if !joining.contains(member) {
            may_add(tx, viewer, *member).await?;
            joining.push(*member);
        }
    }
    let id = ChannelId(tx.next_id(IdKind::Channel).await?);
    let channel = Channel {
        id,
        name: name.to_string(),
        visibility,
        topic: topic.to_string(),
        created_by: viewer.member,
        created_at: tx.at(),
        archived: false,
        is_member: true,
    };
    let created = ev::ChannelChanged { channel_id: id, channel: (&channel).into() };
    tx.record(Change::ChannelCreated(created), Scope::Channel(id), None).await?;
    for member in joining {
        record_joined(tx, id, member).await?;
    }
    Ok(channel)
}

pub(crate) async fn update(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: ChannelId,
    name: &Option<String>,
    topic: &Option<String>,
    archived: Option<bool>,
) -> Result<Channel> {
    let mut channel = readable(tx, viewer, id).await?;
    may_manage(viewer, &channel)?;
    if let Some(name) = name {
        name_free(tx, viewer, name, Some(id)).await?;
        channel.name.clone_from(name);
    }
    if let Some(topic) = topic {
        channel.topic.clone_from(topic);
    }
    if let Some(archived) = archived {
        channel.archived = archived;
    }
    let updated = ev::ChannelChanged { channel_id: id, channel: (&channel).into() };
    tx.record(Change::ChannelUpdated(updated), Scope::Channel(id), None).await?;
    Ok(channel)
}

pub(crate) async fn add_member(tx: &mut dyn Tx, viewer: &Viewer, id: ChannelId, member: MemberId) -> Result<Channel> {
    let channel = readable(tx, viewer, id).await?;
    let target = active_member(tx, member).await?;
    if channel.visibility == Visibility::Private && !channel.is_member {
        // Unreachable while only members may read a private channel (see `policy`); kept so
        // that the rule stands on its own.
        return Err(Error::forbidden("only members of a private channel add people to it"));
    }
    if target.role == Role::Guest && !viewer.role.is_admin() {
        return Err(Error::forbidden("only admins add guests to channels"));
    }
    if viewer.role == Role::Guest && member != viewer.member {
        return Err(Error::forbidden("guests cannot add people to channels"));
    }
    let already = tx.channel(id, member).await?.is_some_and(|c| c.is_member);
    if !already {
        record_joined(tx, id, member).await?;
    }
    readable(tx, viewer, id).await
}

pub(crate) async fn remove_member(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: ChannelId,
    member: MemberId,
) -> Result<LeftChannel> {
    let channel = readable(tx, viewer, id).await?;
    if member != viewer.member {
        may_manage(viewer, &channel)?;
    }
    if !tx.channel(id, member).await?.is_some_and(|c| c.is_member) {
        return Err(Error::not_found(format!("member {member} in channel {id}")));
    }
    // The removed member can no longer read the channel, but must learn that they left it.
    let removed = ev::ChannelMembership { channel_id: id, member_id: member };
    tx.record(Change::ChannelMemberRemoved(removed), Scope::Channel(id), Some(member)).await?;
    Ok(LeftChannel { channel_id: id, member_id: member, removed: true })
}
