//! The outcome of an advisor suggestion: recorded once, and when accepted, carried out in the
//! same transaction (a huddle and an invitation, a nudge, a pairing conversation).

use baton_core::event::{self as ev, Change};
use baton_core::model::Role;
use serde_json::{json, Value};

use super::{huddles, no_guest, open_dm, post_message, Ctx};
use crate::command::{AdviceAction, HuddleOn, MessageTarget};
use crate::error::{Error, Result};
use crate::sqlite::read::micros;
use crate::view::{Scope, Viewer};

pub(super) async fn record(
    ctx: &mut Ctx<'_, '_>,
    viewer: &Viewer,
    key: &str,
    accepted: bool,
    detail: &Value,
    action: &Option<AdviceAction>,
) -> Result<Value> {
    no_guest(viewer, "act on the advisor's suggestions")?;
    if matches!(action, Some(AdviceAction::Pair { .. })) && !viewer.role.is_admin() && viewer.role != Role::Owner {
        return Err(Error::forbidden("only admins act on pairing suggestions"));
    }
    let inserted = sqlx::query(
        "INSERT INTO advisor_outcomes (key, accepted, decided_by, decided_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(accepted)
    .bind(viewer.member.0)
    .bind(micros(ctx.at))
    .execute(&mut *ctx.conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(Error::conflict(format!("suggestion {key} was already accepted or dismissed")));
    }
    let created = match action.as_ref().filter(|_| accepted) {
        None => Value::Null,
        Some(AdviceAction::TakeLive { thread, title, agenda, invite, message, slot }) => {
            let none = None;
            let start = huddles::Start {
                on: HuddleOn::Thread(*thread),
                title: &Some(title.clone()),
                call_link: &none,
                agenda,
                invite,
                project: None,
                join: false,
                // It opens at the proposed slot, not now: the slot may be tomorrow.
                opens_at: slot.map(|(start, _)| start).filter(|start| *start > ctx.at),
            };
            let huddle = huddles::start(ctx, viewer, start).await?;
            let posted = post_message(ctx, viewer, MessageTarget::Thread(*thread), message, false).await?;
            let booked = match slot {
                Some((start, end)) => super::book_slot(ctx, viewer, invite, *start, *end).await?,
                None => Value::Null,
            };
            json!({ "huddle": huddle, "message": posted, "booked": booked })
        }
        Some(AdviceAction::Nudge { thread, message }) => {
            let posted = post_message(ctx, viewer, MessageTarget::Thread(*thread), message, false).await?;
            json!({ "message": posted })
        }
        Some(AdviceAction::CheckInItem { checkin, member, task }) => {
            sqlx::query("INSERT INTO checkin_agenda (checkin_id, member_id, task_id, added_at) VALUES (?, ?, ?, ?)")
                .bind(checkin)
                .bind(member.0)
                .bind(task.0)
                .bind(micros(ctx.at))
                .execute(&mut *ctx.conn)
                .await?;
            json!({ "checkin_id": checkin, "member_id": member, "task_id": task })
        }
        Some(AdviceAction::Pair { members, message }) => {
            let dm = open_dm(ctx, viewer, members, None).await?;
            let id = baton_core::DmId(dm["id"].as_i64().unwrap_or_default());
            let posted = post_message(ctx, viewer, MessageTarget::Dm(id), message, false).await?;
            json!({ "dm": dm, "message": posted })
        }
    };
    let decided = ev::AdviceDecided { key: key.to_string(), suggestion: detail.clone(), created };
    let answer = serde_json::to_value(&decided)?;
    let change = if accepted { Change::AdviceAccepted(decided) } else { Change::AdviceDismissed(decided) };
    // A pairing suggestion is about one person's isolation: for owners and admins only.
    let scope = if key.starts_with("pair-") { Scope::Admins } else { Scope::Internal };
    ctx.emit(change, scope).await?;
    Ok(answer)
}
