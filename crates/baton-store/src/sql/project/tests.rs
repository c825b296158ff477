//! The projector against the code it replaced: a data directory written before the projector
//! existed (the upgrade fixture: the old commands wrote its tables) is replayed, event by event,
//! through the projector into an empty database, and every table the projector writes comes out
//! the same.

use baton_core::event::Change;
use baton_core::MemberId;

use super::project;
use crate::sql::db::{self, Conn};
use crate::sql::read::ts;
use crate::SqlStore;

const DUMP: &str = include_str!("../../../tests/fixtures/data-dir-before-typed-events.sql");

/// Tables (and their columns) that the projector writes for the families it projects. Left
/// out: `huddles.project_id`, which events started recording after the fixture was written.
/// The counts of messages not deleted (`live_messages`) were filled in on the old side by the
/// migration's backfill, and kept post by post on the new.
const PROJECTED: &[(&str, &str)] = &[
    ("channels", "id, name, visibility, topic, created_by, created_at, archived, reply_within_minutes, live_messages"),
    ("channel_members", "channel_id, member_id"),
    ("threads", "id, channel_id, dm_id, task_id, title, display_title, timeline, resolved, tags, created_by, created_at, message_count, last_message_at, live_messages"),
    ("thread_followers", "thread_id, member_id"),
    ("messages", "id, thread_id, dm_id, author_id, body, html, mentions, urgent, created_at, edited_at, deleted"),
    ("message_versions", "message_id, body, replaced_at"),
    ("reactions", "message_id, member_id, emoji, created_at"),
    ("dms", "id, member_key, created_at, last_message_at, export_name, live_messages"),
    ("dm_members", "dm_id, member_id"),
    ("projects", "id, name, description, created_by, created_at, archived"),
    ("tasks", "id, project_id, thread_id, title, description, assignee_id, status, due, priority, created_by, created_at, updated_at, done_at"),
    ("huddles", "id, thread_id, task_id, title, call_link, agenda, notes, started_by, started_at, ended_at, opens_at, summary_message_id"),
    ("huddle_invites", "huddle_id, member_id"),
    ("huddle_participants", "huddle_id, member_id, joined_at, left_at"),
    ("huddle_items", "id, huddle_id, kind, text, assignee_id, due, task_id, created_by, created_at"),
    ("slot_burdens", "member_id, count"),
    ("advisor_outcomes", "key, accepted, decided_by, decided_at"),
    ("workspace", "id, reply_within_minutes"),
];

/// A connection of the kind the writer projects with.
fn connect(dir: &std::path::Path) -> Conn {
    Conn::Lite(Box::new(rusqlite::Connection::open(dir.join("baton.db")).unwrap()))
}

#[tokio::test]
async fn replaying_an_old_log_through_the_projector_writes_the_tables_the_old_commands_wrote() {
    let old = tempfile::tempdir().unwrap();
    connect(old.path()).batch(DUMP).await.unwrap();
    SqlStore::open_dir(old.path()).await.unwrap().close().await;
    let new = tempfile::tempdir().unwrap();
    SqlStore::open_dir(new.path()).await.unwrap().close().await;

    let mut conn = connect(new.path());
    db::query("PRAGMA foreign_keys = OFF").execute(&mut conn).await.unwrap();
    let attach = format!("ATTACH DATABASE '{}' AS old", old.path().join("baton.db").display());
    db::query(&attach).execute(&mut conn).await.unwrap();
    // Who the members are and the workspace itself are not projected yet: taken as they are.
    for table in ["workspace", "members"] {
        db::query(&format!("INSERT INTO main.{table} SELECT * FROM old.{table}")).execute(&mut conn).await.unwrap();
    }
    let events: Vec<(i64, Option<i64>, String, String)> =
        db::query_as("SELECT at, actor, kind, payload FROM old.events ORDER BY seq")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(events.len(), 680);
    for (at, actor, kind, payload) in &events {
        let change = Change::from_parts(kind, payload);
        project(&mut conn, ts(*at), actor.map(MemberId), &change).await.unwrap();
    }
    for (table, columns) in PROJECTED {
        for (from, to) in [("old", "main"), ("main", "old")] {
            let differ: Vec<(String,)> = db::query_as(&format!(
                "SELECT json_array({columns}) FROM (SELECT {columns} FROM {from}.{table} EXCEPT SELECT {columns} FROM {to}.{table})"
            ))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let rows: Vec<&str> = differ.iter().map(|(row,)| row.as_str()).collect();
            assert!(rows.is_empty(), "{table}: rows in {from} only: {rows:#?}");
        }
    }
    let (count,): (i64,) = db::query_as("SELECT COUNT(*) FROM main.messages").fetch_one(&mut conn).await.unwrap();
    assert!(count > 100, "the replay wrote the history, {count} messages");
}

#[test]
fn a_posts_arguments_follow_its_events() {
    use super::{post_sql, shift_arguments};
    use crate::sql::Dialect;
    assert_eq!(shift_arguments("a = $1 AND b IN ($2, $17)", 10), "a = $11 AND b IN ($12, $27)");
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let with_event = post_sql(dialect, true);
        // The event's ten, then the post's twenty-six, each once and in order.
        let numbers: Vec<usize> = with_event
            .split('$')
            .skip(1)
            .map(|rest| rest[..rest.bytes().take_while(u8::is_ascii_digit).count()].parse().unwrap())
            .collect();
        assert_eq!(numbers, (1..=36).collect::<Vec<_>>(), "{dialect:?}: {with_event}");
        assert!(post_sql(dialect, false).contains("$26") && !post_sql(dialect, false).contains("$27"));
    }
}
