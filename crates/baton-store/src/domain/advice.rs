//! The outcome of an advisor suggestion: recorded once, and when accepted, carried out in the
//! same transaction (a huddle and an invitation, a nudge, a check-in agenda item, a pairing
//! conversation).

use baton_core::event::{self as ev, Change};
use baton_core::model::Role;
use serde_json::{json, Value};

use super::{dms, huddles, messages, no_guest, norms, policy, threads, Tx};
use crate::command::{AdviceAction, HuddleOn, MessageTarget};
use crate::error::{Error, Result};
use crate::view::{Scope, Viewer};

pub(crate) async fn decide(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    key: &str,
    accepted: bool,
    detail: &Value,
    action: &Option<AdviceAction>,
) -> Result<ev::AdviceDecided> {
    no_guest(viewer, "act on the advisor's suggestions")?;
    if matches!(action, Some(AdviceAction::Pair { .. })) && !viewer.role.is_admin() && viewer.role != Role::Owner {
        return Err(Error::forbidden("only admins act on pairing suggestions"));
    }
    if tx.advice_decided(key).await? {
        return Err(Error::conflict(format!("suggestion {key} was already accepted or dismissed")));
    }
    // What accepting created: the answer shows it whole to whoever accepted; the event names it
    // by ids only (a deleted message's text must not outlive it there).
    let (created, recorded) = match action.as_ref().filter(|_| accepted) {
        None => (Value::Null, Value::Null),
        Some(AdviceAction::TakeLive { thread, title, agenda, invite, message, slot }) => {
            let start = huddles::Start {
                on: HuddleOn::Thread(*thread),
                title: &Some(title.clone()),
                call_link: &None,
                agenda,
                invite,
                project: None,
                join: false,
                // It opens at the proposed slot, not now: the slot may be tomorrow.
                opens_at: slot.map(|(start, _)| start).filter(|start| *start > tx.at()),
            };
            let huddle = huddles::start(tx, viewer, start).await?;
            let posted = messages::post(tx, viewer, MessageTarget::Thread(*thread), message, false).await?;
            let booked = match slot {
                Some((start, end)) => serde_json::to_value(norms::book_slot(tx, viewer, invite, *start, *end).await?)?,
                None => Value::Null,
            };
            let ids = json!({ "huddle_id": huddle.id, "message_id": posted.id, "booked": booked });
            (json!({ "huddle": huddle, "message": posted, "booked": booked }), ids)
        }
        Some(AdviceAction::Nudge { thread, message }) => {
            let posted = messages::post(tx, viewer, MessageTarget::Thread(*thread), message, false).await?;
            (json!({ "message": posted }), json!({ "message_id": posted.id }))
        }
        Some(AdviceAction::CheckInItem { checkin, member, task }) => {
            tx.add_checkin_item(*checkin, *member, *task).await?;
            let ids = json!({ "checkin_id": checkin, "member_id": member, "task_id": task });
            (ids.clone(), ids)
        }
        Some(AdviceAction::Pair { members, message }) => {
            let dm = dms::open(tx, viewer, members, None).await?;
            let posted = messages::post(tx, viewer, MessageTarget::Dm(dm.id), message, false).await?;
            let ids = json!({ "dm_id": dm.id, "message_id": posted.id });
            (json!({ "dm": dm, "message": posted }), ids)
        }
    };
    // The suggestion names its thread (and its title): accepted or dismissed, it is read where
    // that thread is read.
    let place = match action {
        Some(AdviceAction::TakeLive { thread, .. } | AdviceAction::Nudge { thread, .. }) => Some(*thread),
        _ => detail["thread_id"].as_i64().map(baton_core::ThreadId),
    };
    let scope = match place {
        // A pairing suggestion is about one person's isolation: for owners and admins only.
        _ if key.starts_with("pair-") => Scope::Admins,
        Some(thread) => {
            let thread = threads::readable(tx, viewer, thread).await?;
            policy::thread_scope(thread.channel_id, thread.dm_id)
        }
        None => Scope::Internal,
    };
    let answer = ev::AdviceDecided { key: key.to_string(), suggestion: detail.clone(), created };
    let decided = ev::AdviceDecided { key: key.to_string(), suggestion: detail.clone(), created: recorded };
    let change = if accepted { Change::AdviceAccepted(decided) } else { Change::AdviceDismissed(decided) };
    tx.record(change, scope, None).await?;
    Ok(answer)
}
