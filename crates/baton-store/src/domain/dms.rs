//! Direct conversations: opening one (or finding the one these people already have).

use baton_core::event::{self as ev, Change};
use baton_core::model::Dm;
use baton_core::{DmId, MemberId};

use super::{active_member, IdKind, Tx};
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

/// The most people in a direct conversation; more is a private channel.
const MAX_PEOPLE: usize = 9;

/// The direct conversation of the viewer and `members` (one per set of people), opened if they
/// have none. `export_name`: its name in the export it comes from; a conversation that began
/// here and is later found in an export takes it once, so that reports over the export name it
/// as the export does.
pub(crate) async fn open(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    members: &[MemberId],
    export_name: Option<&str>,
) -> Result<Dm> {
    if members.is_empty() {
        return Err(Error::invalid("member_ids", "name at least one member (only yourself for notes to self)"));
    }
    let mut people: Vec<MemberId> = members.to_vec();
    people.push(viewer.member);
    people.sort();
    people.dedup();
    if people.len() > MAX_PEOPLE {
        return Err(Error::invalid("member_ids", "a direct conversation has at most 9 people; use a private channel"));
    }
    let mut handles = Vec::with_capacity(people.len());
    for member in &people {
        handles.push((active_member(tx, *member).await?.handle, *member));
    }
    let dm = match tx.dm_of(&people).await? {
        Some(dm) => dm,
        None => {
            let id = DmId(tx.next_id(IdKind::Dm).await?);
            handles.sort();
            let dm = Dm {
                id,
                member_ids: handles.iter().map(|(_, member)| *member).collect(),
                name: handles.iter().map(|(handle, _)| handle.as_str()).collect::<Vec<_>>().join(","),
                export_name: export_name.map(str::to_string),
                created_at: tx.at(),
                last_message_at: None,
            };
            tx.record(Change::DmCreated(ev::DmChanged { dm_id: id, dm: dm.clone() }), Scope::Dm(id), None).await?;
            return Ok(dm);
        }
    };
    match export_name {
        Some(name) if dm.export_name.is_none() => {
            let named = Dm { export_name: Some(name.to_string()), ..dm };
            tx.record(
                Change::DmUpdated(ev::DmChanged { dm_id: named.id, dm: named.clone() }),
                Scope::Dm(named.id),
                None,
            )
            .await?;
            Ok(named)
        }
        _ => Ok(dm),
    }
}
