//! Members: who adds whom, who changes whose profile, role or access, and the one rule that
//! keeps a workspace in someone's hands (its last active owner stays one).

use baton_core::calendar::WorkingHours;
use baton_core::event::{self as ev, Change};
use baton_core::model::{Member, Role};
use baton_core::MemberId;

use super::{policy, Tx};
use crate::answer::MemberAdded;
use crate::command::{Invite, NewMember};
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// What a change to a member sets; `None` leaves it as it is.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MemberChange<'a> {
    pub(crate) display_name: Option<&'a str>,
    pub(crate) time_zone: Option<&'a str>,
    pub(crate) working_hours: Option<&'a WorkingHours>,
    pub(crate) role: Option<Role>,
    pub(crate) active: Option<bool>,
}

/// A member as everyone in the workspace may read them, as the log keeps them.
pub(super) fn public(member: Member) -> Member {
    policy::member_as_seen(Some(&Viewer { member: MemberId(0), role: Role::Member }), member)
}

pub(super) async fn found(tx: &mut dyn Tx, id: MemberId) -> Result<Member> {
    tx.member(id).await?.ok_or_else(|| Error::not_found(format!("member {id}")))
}

/// Adds a member (owners and admins do; only an owner adds an owner), with a one-time
/// invitation when given. The answer keeps the plain invitation token, so that a retried
/// request (same `Idempotency-Key`) hands out the token that works; it is single-use either way.
pub(crate) async fn add(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    member: &NewMember,
    invite: Option<&Invite>,
) -> Result<MemberAdded> {
    if !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins add members"));
    }
    if member.role == Role::Owner && viewer.role != Role::Owner {
        return Err(Error::forbidden("only an owner can add another owner"));
    }
    let id = tx.insert_member(member).await?;
    if let Some(invite) = invite {
        tx.add_invite(id, &invite.token_hash).await?;
    }
    let added = found(tx, id).await?;
    let joined = ev::MemberChanged { member_id: id, member: public(added.clone()) };
    tx.record(Change::MemberJoined(joined), Scope::Everyone, None).await?;
    let shown = policy::member_as_seen(Some(viewer), added);
    Ok(MemberAdded { member: shown, invite_token: invite.map(|i| i.token.clone()) })
}

/// Changes a member: their own profile anyone may; other members' profiles, roles and access
/// are for owners and admins, an owner's (or making one) for owners only; and the last active
/// owner can neither leave that role nor be deactivated. Deactivating ends every session.
pub(crate) async fn update(tx: &mut dyn Tx, viewer: &Viewer, id: MemberId, change: MemberChange<'_>) -> Result<Member> {
    let current = found(tx, id).await?;
    if viewer.member != id && !viewer.role.is_admin() {
        return Err(Error::forbidden("only admins change other members"));
    }
    let access = change.role.is_some() || change.active.is_some();
    if access && !viewer.role.is_admin() {
        return Err(Error::forbidden("only owners and admins change roles or deactivate members"));
    }
    if (current.role == Role::Owner || change.role == Some(Role::Owner)) && access && viewer.role != Role::Owner {
        return Err(Error::forbidden("only an owner changes an owner's role or makes an owner"));
    }
    let steps_down = change.role.is_some_and(|r| r != Role::Owner) || change.active == Some(false);
    if current.role == Role::Owner && steps_down && tx.active_owners().await? <= 1 {
        return Err(Error::conflict("the workspace must keep at least one active owner"));
    }
    tx.update_member(id, &change).await?;
    if change.active == Some(false) {
        tx.revoke_access(id).await?;
    }
    let updated = found(tx, id).await?;
    if change.display_name.is_some() || change.time_zone.is_some() || change.working_hours.is_some() {
        let profile = ev::MemberChanged { member_id: id, member: public(updated.clone()) };
        tx.record(Change::MemberUpdated(profile), Scope::Everyone, None).await?;
    }
    if let Some(role) = change.role.filter(|r| *r != current.role) {
        let changed = ev::RoleChanged { member_id: id, from: current.role, to: role };
        tx.record(Change::MemberRoleChanged(changed), Scope::Everyone, None).await?;
    }
    match change.active {
        Some(false) if current.active => {
            tx.record(Change::MemberDeactivated(ev::MemberRef { member_id: id }), Scope::Everyone, None).await?;
        }
        Some(true) if !current.active => {
            tx.record(Change::MemberReactivated(ev::MemberRef { member_id: id }), Scope::Everyone, None).await?;
        }
        _ => {}
    }
    Ok(policy::member_as_seen(Some(viewer), updated))
}
