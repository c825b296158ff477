//! Setting a workspace up: once, with its first owner, who makes every change after that.

use baton_core::event::{self as ev, Change};

use super::{members, Tx};
use crate::answer::SetUp;
use crate::command::NewMember;
use crate::error::{Error, Result};
use crate::view::Scope;

/// Sets the workspace up with `owner`: a second setup is a conflict. The owner is the actor of
/// what follows in the same command; the answer shows them whole (their own e-mail included).
pub(crate) async fn set_up(tx: &mut dyn Tx, name: &str, time_zone: &str, owner: &NewMember) -> Result<SetUp> {
    if tx.workspace().await?.is_some() {
        return Err(Error::conflict("the workspace is already set up"));
    }
    let workspace = tx.create_workspace(name, time_zone).await?;
    let created = ev::WorkspaceCreated { workspace: workspace.clone() };
    tx.record(Change::WorkspaceCreated(created), Scope::Everyone, None).await?;
    let id = tx.insert_member(owner).await?;
    tx.act_as(id);
    let member = members::found(tx, id).await?;
    let joined = ev::MemberChanged { member_id: id, member: members::public(member.clone()) };
    tx.record(Change::MemberJoined(joined), Scope::Everyone, None).await?;
    Ok(SetUp { workspace, member })
}
