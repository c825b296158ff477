//! Who may read what: the one definition the domain decides by. The rules are data
//! ([`Rule`]): the domain and live streams evaluate them ([`Rule::holds`]), and the SQL backend
//! turns the same values into the conditions of its queries (`sql/visibility.rs`), so a rule
//! changed here changes every read. The privacy property test (`tests/it/privacy.rs`) checks
//! every read surface against them.

use baton_core::model::{Channel, Member, Role, Thread, Visibility};
use baton_core::{ChannelId, DmId, MemberId};

use crate::view::{Scope, Viewer};

/// A condition on a viewer and what they would read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule {
    /// The viewer is inside it: a member of the channel, a participant of the conversation.
    Inside,
    /// It is open to the workspace: a public channel.
    Open,
    /// The viewer is no guest.
    NotGuest,
    /// The viewer is an owner or an admin.
    Admin,
    Any(&'static [Rule]),
    All(&'static [Rule]),
}

/// What a [`Rule`] is decided on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    pub(crate) role: Role,
    pub(crate) inside: bool,
    pub(crate) open: bool,
}

impl Facts {
    /// The facts of a rule about the viewer alone (their role).
    pub(crate) fn of(role: Role) -> Facts {
        Facts { role, inside: false, open: false }
    }
}

impl Rule {
    pub(crate) fn holds(self, facts: &Facts) -> bool {
        match self {
            Rule::Inside => facts.inside,
            Rule::Open => facts.open,
            Rule::NotGuest => facts.role != Role::Guest,
            Rule::Admin => facts.role.is_admin(),
            Rule::Any(rules) => rules.iter().any(|rule| rule.holds(facts)),
            Rule::All(rules) => rules.iter().all(|rule| rule.holds(facts)),
        }
    }
}

/// Who reads a channel, its threads and messages: its members; every member but guests when it
/// is public. Admins are no exception: a private channel is its members' alone.
pub(crate) const READ_CHANNEL: Rule = Rule::Any(&[Rule::Inside, Rule::All(&[Rule::Open, Rule::NotGuest])]);
/// Who reads a direct conversation: those in it, and nobody else, admins included.
pub(crate) const READ_DM: Rule = Rule::Inside;
/// Who reads projects, tasks and tasks' threads, and events for the workspace's members
/// ([`Scope::Internal`]): every member but guests.
pub(crate) const READ_WORK: Rule = Rule::NotGuest;
/// Who reads what concerns one person's working pattern ([`Scope::Admins`]).
pub(crate) const READ_ADMINS: Rule = Rule::Admin;

/// Whether `viewer` may read a channel (see [`READ_CHANNEL`]).
pub(crate) fn may_read_channel(viewer: &Viewer, visibility: Visibility, is_member: bool) -> bool {
    READ_CHANNEL.holds(&Facts { role: viewer.role, inside: is_member, open: visibility == Visibility::Public })
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
    READ_WORK.holds(&Facts::of(viewer.role))
}

/// Whether someone with `role` who is (`inside`) or is not in what an event's `scope` names may
/// read the event: the rules above, for the log and live streams.
pub(crate) fn may_see(scope: Scope, role: Role, inside: bool) -> bool {
    match scope {
        Scope::Everyone => true,
        Scope::Internal => READ_WORK.holds(&Facts::of(role)),
        Scope::Admins => READ_ADMINS.holds(&Facts::of(role)),
        Scope::Private => false,
        // Whether a channel is open is decided when `inside` is: it holds its readers.
        Scope::Channel(_) => inside,
        Scope::Dm(_) => READ_DM.holds(&Facts { role, inside, open: false }),
    }
}

/// Whether `viewer` may read a thread: one in a channel if they may read the channel (given as
/// read for them; `None` when it is gone), one in a direct conversation if they take part in it
/// (`in_dm`), a task's thread if they may read tasks.
pub(crate) fn may_read_thread(viewer: &Viewer, thread: &Thread, channel: Option<&Channel>, in_dm: bool) -> bool {
    match (thread.channel_id, thread.dm_id) {
        (Some(_), _) => channel.is_some_and(|channel| may_read(viewer, channel)),
        (None, Some(_)) => READ_DM.holds(&Facts { role: viewer.role, inside: in_dm, open: false }),
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
