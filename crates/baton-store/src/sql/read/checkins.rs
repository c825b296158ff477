//! Check-ins as readers see them: visible to whoever may see their channel.

use crate::sql::db::{self, from_row, Conn};
use baton_core::model::{CheckIn, CheckInAsk};
use baton_core::{ChannelId, MemberId, MessageId, ThreadId};

use super::{channel_row, ts};
use crate::error::{Error, Result};
use crate::view::Viewer;

struct CheckInRow {
    id: i64,
    channel_id: i64,
    thread_id: i64,
    title: String,
    questions: String,
    ask_at: String,
    digest_at: String,
    digest_zone: String,
    cadence: String,
    created_by: i64,
    created_at: i64,
}

from_row!(CheckInRow {
    id,
    channel_id,
    thread_id,
    title,
    questions,
    ask_at,
    digest_at,
    digest_zone,
    cadence,
    created_by,
    created_at
});

const COLUMNS: &str =
    "id, channel_id, thread_id, title, questions, ask_at, digest_at, digest_zone, cadence, created_by, created_at";

pub(crate) async fn checkin(conn: &mut Conn, viewer: &Viewer, id: i64) -> Result<CheckIn> {
    let checkin = any_checkin(conn, id).await?.ok_or_else(|| Error::not_found(format!("check-in {id}")))?;
    channel_row(conn, viewer, checkin.channel_id).await.map_err(|_| Error::not_found(format!("check-in {id}")))?;
    Ok(checkin)
}

/// A check-in, whoever may see it: for the writer.
pub(crate) async fn any_checkin(conn: &mut Conn, id: i64) -> Result<Option<CheckIn>> {
    let row = db::query_as::<CheckInRow>(&format!("SELECT {COLUMNS} FROM checkins WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(Some(from_row(conn, row).await?)),
        None => Ok(None),
    }
}

/// The check-ins in channels the viewer may see.
pub(crate) async fn checkins(conn: &mut Conn, viewer: &Viewer) -> Result<Vec<CheckIn>> {
    let rows = db::query_as::<CheckInRow>(&format!("SELECT {COLUMNS} FROM checkins ORDER BY id"))
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    for row in rows {
        if channel_row(conn, viewer, ChannelId(row.channel_id)).await.is_ok() {
            out.push(from_row(conn, row).await?);
        }
    }
    Ok(out)
}

async fn from_row(conn: &mut Conn, row: CheckInRow) -> Result<CheckIn> {
    let members: Vec<(i64,)> =
        db::query_as("SELECT member_id FROM checkin_members WHERE checkin_id = $1 ORDER BY member_id")
            .bind(row.id)
            .fetch_all(&mut *conn)
            .await?;
    let asks: Vec<(i64, String, i64, Option<i64>)> = db::query_as(
        "SELECT member_id, day, asked_at, answer_message_id FROM checkin_asks WHERE checkin_id = $1 \
         ORDER BY asked_at DESC, member_id LIMIT 500",
    )
    .bind(row.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(CheckIn {
        id: row.id,
        channel_id: ChannelId(row.channel_id),
        thread_id: ThreadId(row.thread_id),
        title: row.title,
        questions: serde_json::from_str(&row.questions).unwrap_or_default(),
        ask_at: row.ask_at,
        digest_at: row.digest_at,
        digest_zone: row.digest_zone,
        cadence: serde_json::from_str(&row.cadence).unwrap_or_default(),
        member_ids: members.into_iter().map(|(m,)| MemberId(m)).collect(),
        created_by: MemberId(row.created_by),
        created_at: ts(row.created_at),
        asks: asks
            .into_iter()
            .filter_map(|(member, day, asked_at, answer)| {
                Some(CheckInAsk {
                    member_id: MemberId(member),
                    day: day.parse().ok()?,
                    asked_at: ts(asked_at),
                    answer_message_id: answer.map(MessageId),
                })
            })
            .collect(),
    })
}
