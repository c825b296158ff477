//! A member's notifications: their inbox.

use crate::sql::db::{self, from_row, Conn};
use baton_core::model::Notification;
use baton_core::MemberId;

use super::ts;
use crate::error::{Error, Result};
use crate::view::Viewer;

struct NotificationRow {
    id: i64,
    member_id: i64,
    kind: String,
    payload: String,
    urgent: bool,
    created_at: i64,
    deliver_at: i64,
    delivered_at: Option<i64>,
    read_at: Option<i64>,
}

from_row!(NotificationRow { id, member_id, kind, payload, urgent, created_at, deliver_at, delivered_at, read_at });

const COLUMNS: &str = "id, member_id, kind, payload, urgent, created_at, deliver_at, delivered_at, read_at";

impl NotificationRow {
    fn into_notification(self) -> Notification {
        Notification {
            id: self.id,
            member_id: MemberId(self.member_id),
            kind: self.kind,
            payload: serde_json::from_str(&self.payload).unwrap_or_default(),
            urgent: self.urgent,
            created_at: ts(self.created_at),
            deliver_at: ts(self.deliver_at),
            delivered_at: self.delivered_at.map(ts),
            read_at: self.read_at.map(ts),
        }
    }
}

/// A notification, whoever it is for (the writer delivering it).
pub(crate) async fn notification(conn: &mut Conn, id: i64) -> Result<Notification> {
    db::query_as::<NotificationRow>(&format!("SELECT {COLUMNS} FROM notifications WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(NotificationRow::into_notification)
        .ok_or_else(|| Error::not_found(format!("notification {id}")))
}

/// The viewer's inbox, newest first: delivered notifications (`held` adds those waiting for
/// the viewer's working hours), `unread_only` leaves out read ones, `before` older ones only.
pub(crate) async fn notifications(
    conn: &mut Conn,
    viewer: &Viewer,
    unread_only: bool,
    held: bool,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Notification>> {
    let rows = db::query_as::<NotificationRow>(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE member_id = $1 AND id < $5 AND ($2 = 0 OR read_at IS NULL) \
         AND ($3 = 1 OR delivered_at IS NOT NULL) ORDER BY id DESC LIMIT $4"
    ))
    .bind(viewer.member.0)
    .bind(i64::from(unread_only))
    .bind(i64::from(held))
    .bind(i64::from(limit))
    .bind(before.unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(NotificationRow::into_notification).collect())
}
