//! Notifications: when someone hears about what concerns them. Inside the recipient's working
//! hours (or when urgent) a notification is delivered at once; otherwise a job holds it until
//! their next working period begins, in their own zone (DST included).

use baton_core::calendar::{parse_time_zone, Calendar};
use baton_core::event::{self as ev, Change};
use baton_core::model::Member;
use baton_core::MemberId;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::Tx;
use crate::answer::NotificationsRead;
use crate::error::Result;
use crate::view::{Scope, Viewer};

/// The job that delivers a held notification.
pub(crate) const DELIVER_JOB: &str = "deliver_notification";

/// Tells `member` about something (`why`: `mention`, `dm`, `reply`, `assigned`, …; `about`: what
/// it concerns): delivered now or held for their working hours. Someone unknown hears nothing.
/// Whether they may read what it is about is the caller's to decide.
pub(crate) async fn notify(tx: &mut dyn Tx, member: MemberId, why: &str, about: Value, urgent: bool) -> Result<()> {
    let Some(found) = tx.member(member).await? else { return Ok(()) };
    let at = tx.at();
    let deliver_at = deliver_at(&found, at, urgent);
    let id = tx.add_notification(member, why, &about, urgent, deliver_at).await?;
    if deliver_at <= at {
        deliver(tx, id).await
    } else {
        tx.schedule(DELIVER_JOB, member, deliver_at, &json!({ "notification_id": id })).await.map(drop)
    }
}

/// When a notification made at `at` reaches `member`: at once when urgent or inside their
/// working hours, else when their next working period begins. A zone that cannot be read (an
/// old import) holds nothing back.
pub(crate) fn deliver_at(member: &Member, at: Timestamp, urgent: bool) -> Timestamp {
    let Ok(zone) = parse_time_zone(&member.time_zone) else { return at };
    let calendar = Calendar::new(zone, member.working_hours.clone());
    if urgent || calendar.is_working(at) {
        return at;
    }
    calendar.next_working_instant(at).unwrap_or(at)
}

/// Delivers a notification that waited: it is sent on its member's stream, readable by them
/// alone. One already delivered is left as it is.
pub(crate) async fn deliver(tx: &mut dyn Tx, id: i64) -> Result<()> {
    let Some(notification) = tx.mark_delivered(id).await? else { return Ok(()) };
    let member = notification.member_id;
    let delivered = ev::NotificationDelivered { notification };
    tx.record(Change::NotificationDelivered(delivered), Scope::Private, Some(member)).await
}

/// Marks the viewer's delivered notifications read: these ids, or all. Answers how many; what
/// is not theirs, not delivered yet or read already is left alone.
pub(crate) async fn read(tx: &mut dyn Tx, viewer: &Viewer, ids: Option<&[i64]>) -> Result<NotificationsRead> {
    let unread = tx.unread_notifications(viewer.member).await?;
    let marked: Vec<i64> = unread.into_iter().filter(|id| ids.is_none_or(|wanted| wanted.contains(id))).collect();
    if !marked.is_empty() {
        tx.set_notifications_read(&marked).await?;
        let read = ev::NotificationsRead { ids: marked.clone() };
        tx.record(Change::NotificationRead(read), Scope::Private, Some(viewer.member)).await?;
    }
    Ok(NotificationsRead { read: marked.len() })
}
