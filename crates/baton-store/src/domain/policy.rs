//! Who may read what: the one definition the domain decides by. Backends that filter lists in
//! their queries (for speed) must agree with it; the privacy property test
//! (`tests/it/privacy.rs`) checks every read surface against it.

use baton_core::model::{Channel, Member, Role, Thread, Visibility};
use baton_core::{ChannelId, DmId, MemberId};

use crate::view::{Scope, Viewer};

/// Whether `viewer` may read a channel, its threads and messages: its members may; so may every
/// member but guests when it is public. Admins are no exception: a private channel is its
/// members' alone.
pub(crate) fn may_read_channel(viewer: &Viewer, visibility: Visibility, is_member: bool) -> bool {
    is_member || (visibility == Visibility::Public && viewer.role != Role::Guest)
}

/// [`may_read_channel`] for a channel read with `is_member` for the viewer.
pub(crate) fn may_read(viewer: &Viewer, channel: &Channel) -> bool {
    may_read_channel(viewer, channel.visibility, channel.is_member)
}

/// Who may read what happens in a thread: its channel's readers, its direct conversation's
/// participants, or, for a task's thread, every member but guests.
pub(crate) fn thread_scope(channel: Option<ChannelId>, dm: Option<DmId>) -> Scope {
    match (channel, dm) {
        (Some(channel), _) => Scope::Channel(channel),
        (None, Some(dm)) => Scope::Dm(dm),
        (None, None) => Scope::Internal,
    }
}

/// Whether `viewer` may read projects and tasks (and tasks' threads): every member but guests.
pub(crate) fn may_read_work(viewer: &Viewer) -> bool {
    viewer.role != Role::Guest
}

/// Whether `viewer` may read a thread: one in a channel if they may read the channel (given as
/// read for them; `None` when it is gone), one in a direct conversation if they take part in it
/// (`in_dm`), a task's thread if they may read tasks.
pub(crate) fn may_read_thread(viewer: &Viewer, thread: &Thread, channel: Option<&Channel>, in_dm: bool) -> bool {
    match (thread.channel_id, thread.dm_id) {
        (Some(_), _) => channel.is_some_and(|channel| may_read(viewer, channel)),
        (None, Some(_)) => in_dm,
        (None, None) => may_read_work(viewer),
    }
}

/// Whether `viewer` may read `member`'s e-mail address: owners and admins may, and everyone
/// their own; other members see the rest of a profile. `None`: the store itself (its own reads,
/// the log), which sees it.
pub(crate) fn may_see_email(viewer: Option<&Viewer>, member: MemberId) -> bool {
    viewer.is_none_or(|v| v.role.is_admin() || v.member == member)
}

/// `member` as `viewer` may read it (see [`may_see_email`]).
pub(crate) fn member_as_seen(viewer: Option<&Viewer>, member: Member) -> Member {
    let email = if may_see_email(viewer, member.id) { member.email } else { None };
    Member { email, ..member }
}
