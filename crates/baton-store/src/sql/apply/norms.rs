//! Firing a follow-up (the rules that set norms and schedule follow-ups are the domain's:
//! `domain/norms.rs`).

use baton_core::{MemberId, MessageId};
use serde_json::{json, Value};

use super::Ctx;
use crate::error::Result;

/// Fires a follow-up: an answer by someone other than the author since the message cancels
/// it; otherwise its member is notified (held to their working hours like any notification).
pub(super) async fn fire_follow_up(ctx: &mut Ctx<'_, '_>, payload: &Value) -> Result<Value> {
    let message = payload["message_id"].as_i64().unwrap_or_default();
    let row: Option<(Option<i64>, Option<i64>, i64, i64)> =
        sqlx::query_as("SELECT thread_id, dm_id, author_id, created_at FROM messages WHERE id = $1")
            .bind(message)
            .fetch_optional(&mut *ctx.conn)
            .await?;
    let Some((thread, dm, author, created_at)) = row else {
        return Ok(json!({ "error": "the message is gone" }));
    };
    let (answers,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM messages WHERE (thread_id = $1 OR dm_id = $2) AND author_id != $3 \
         AND (created_at > $4 OR (created_at = $4 AND id > $5))",
    )
    .bind(thread)
    .bind(dm)
    .bind(author)
    .bind(created_at)
    .bind(message)
    .fetch_one(&mut *ctx.conn)
    .await?;
    if answers > 0 {
        return Ok(json!({ "answered": true }));
    }
    let member = MemberId(payload["notify"].as_i64().unwrap_or_default());
    // Whom it tells may have left the conversation since: then nobody is told.
    if crate::domain::norms::may_be_told(ctx, member, MessageId(message)).await.is_err() {
        return Ok(json!({ "skipped": "the member can no longer read the message" }));
    }
    let about = json!({ "message_id": message, "thread_id": thread, "dm_id": dm, "author_id": author,
                        "within_minutes": payload["within_minutes"] });
    crate::domain::notifications::notify(ctx, member, "no_reply", about, false).await?;
    Ok(json!({ "answered": false, "notified": member }))
}
