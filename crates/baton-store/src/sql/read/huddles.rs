//! Huddles as readers see them: visible to whoever may read their thread.

use crate::sql::db::{self, from_row, Conn};
use baton_core::model::{Huddle, HuddleItem, HuddleParticipation};
use baton_core::{HuddleId, MemberId, MessageId, TaskId, ThreadId};

use super::{thread_row, ts};
use crate::error::{Error, Result};
use crate::view::Viewer;

struct HuddleRow {
    id: i64,
    thread_id: i64,
    task_id: Option<i64>,
    title: String,
    call_link: Option<String>,
    agenda: String,
    notes: String,
    started_by: i64,
    started_at: i64,
    ended_at: Option<i64>,
    opens_at: Option<i64>,
    summary_message_id: Option<i64>,
}

from_row!(HuddleRow {
    id,
    thread_id,
    task_id,
    title,
    call_link,
    agenda,
    notes,
    started_by,
    started_at,
    ended_at,
    opens_at,
    summary_message_id
});

const HUDDLE_COLUMNS: &str =
    "id, thread_id, task_id, title, call_link, agenda, notes, started_by, started_at, ended_at, \
     opens_at, summary_message_id";

struct ItemRow {
    id: i64,
    kind: String,
    text: String,
    assignee_id: Option<i64>,
    due: Option<String>,
    task_id: Option<i64>,
    created_by: i64,
    created_at: i64,
}

from_row!(ItemRow { id, kind, text, assignee_id, due, task_id, created_by, created_at });

/// The huddle, if the viewer may read its thread.
pub(crate) async fn huddle(conn: &mut Conn, viewer: &Viewer, id: HuddleId) -> Result<Huddle> {
    let row = db::query_as::<HuddleRow>(&format!("SELECT {HUDDLE_COLUMNS} FROM huddles WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::not_found(format!("huddle {id}")))?;
    // A huddle on a thread the viewer may not read does not exist for them.
    thread_row(conn, viewer, ThreadId(row.thread_id)).await.map_err(|_| Error::not_found(format!("huddle {id}")))?;
    from_row(conn, row).await
}

/// A huddle whoever may see it: for the domain, which decides.
pub(crate) async fn any_huddle(conn: &mut Conn, id: HuddleId) -> Result<Option<Huddle>> {
    let row = db::query_as::<HuddleRow>(&format!("SELECT {HUDDLE_COLUMNS} FROM huddles WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(Some(from_row(conn, row).await?)),
        None => Ok(None),
    }
}

/// Huddles on threads the viewer may read, newest first; `open_only` keeps those not ended.
pub(crate) async fn huddles(conn: &mut Conn, viewer: &Viewer, open_only: bool, limit: u32) -> Result<Vec<Huddle>> {
    let rows = db::query_as::<HuddleRow>(&format!(
        "SELECT {HUDDLE_COLUMNS} FROM huddles WHERE ($1 = 0 OR ended_at IS NULL) ORDER BY id DESC"
    ))
    .bind(i64::from(open_only))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        if out.len() >= limit as usize {
            break;
        }
        if thread_row(conn, viewer, ThreadId(row.thread_id)).await.is_ok() {
            out.push(from_row(conn, row).await?);
        }
    }
    Ok(out)
}

async fn from_row(conn: &mut Conn, row: HuddleRow) -> Result<Huddle> {
    let invited: Vec<(i64,)> =
        db::query_as("SELECT member_id FROM huddle_invites WHERE huddle_id = $1 ORDER BY member_id")
            .bind(row.id)
            .fetch_all(&mut *conn)
            .await?;
    let stretches: Vec<(i64, i64, Option<i64>)> =
        db::query_as("SELECT member_id, joined_at, left_at FROM huddle_participants WHERE huddle_id = $1 ORDER BY id")
            .bind(row.id)
            .fetch_all(&mut *conn)
            .await?;
    let items = db::query_as::<ItemRow>(
        "SELECT id, kind, text, assignee_id, due, task_id, created_by, created_at FROM huddle_items \
         WHERE huddle_id = $1 ORDER BY id",
    )
    .bind(row.id)
    .fetch_all(&mut *conn)
    .await?;
    let (mut decisions, mut action_items) = (Vec::new(), Vec::new());
    for item in items {
        let out = HuddleItem {
            id: item.id,
            text: item.text,
            assignee_id: item.assignee_id.map(MemberId),
            due: item.due.and_then(|d| d.parse().ok()),
            task_id: item.task_id.map(TaskId),
            created_by: MemberId(item.created_by),
            created_at: ts(item.created_at),
        };
        if item.kind == "action" {
            action_items.push(out);
        } else {
            decisions.push(out);
        }
    }
    Ok(Huddle {
        id: HuddleId(row.id),
        thread_id: ThreadId(row.thread_id),
        task_id: row.task_id.map(TaskId),
        title: row.title,
        call_link: row.call_link,
        agenda: row.agenda,
        notes: row.notes,
        started_by: MemberId(row.started_by),
        started_at: ts(row.started_at),
        ended_at: row.ended_at.map(ts),
        opens_at: row.opens_at.map(ts),
        invited: invited.into_iter().map(|(m,)| MemberId(m)).collect(),
        participants: stretches
            .into_iter()
            .map(|(member, joined, left)| HuddleParticipation {
                member_id: MemberId(member),
                joined_at: ts(joined),
                left_at: left.map(ts),
            })
            .collect(),
        decisions,
        action_items,
        summary_message_id: row.summary_message_id.map(MessageId),
    })
}
