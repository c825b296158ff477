//! The hot queries' plans on SQLite: each reads an index, never the whole table. A query that
//! loses its index turns a page of a big workspace from a few rows read into millions.

use super::apply::{tasks_moved_sql, THREADS_POSTED_IN};
use super::db::{self, Conn};
use super::read::{active_threads_sql, task_history_sql};
use super::unread::{passed_sql, seers, unread_threads_sql, Place, UNREAD};
use super::Dialect;
use crate::SqlStore;

/// SQLite's plan for `sql`, one line per step.
async fn plan(conn: &mut Conn, sql: &str, arguments: usize) -> String {
    let explain = format!("EXPLAIN QUERY PLAN {sql}");
    let mut query = db::query_as::<(i64, i64, i64, String)>(&explain);
    for _ in 0..arguments {
        query = query.bind(1_i64);
    }
    let steps = query.fetch_all(conn).await.unwrap();
    steps.into_iter().map(|(_, _, _, detail)| detail).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn threads_by_activity_read_their_index_from_its_newest_end() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_dir(dir.path()).await.unwrap();
    let mut conn = store.conn().await.unwrap();
    for (home, index) in [("channel_id", "threads_channel_activity"), ("dm_id", "threads_dm_activity")] {
        let plan = plan(&mut conn, &active_threads_sql(home), 4).await;
        assert!(plan.contains(&format!("USING INDEX {index}")), "{home}: {plan}");
        assert!(!plan.contains("SCAN threads\n") && !plan.ends_with("SCAN threads"), "{home}: {plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{home}: sorted after reading instead of in the index's order: {plan}");
    }
}

#[tokio::test]
async fn a_tasks_history_reads_its_index_not_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_dir(dir.path()).await.unwrap();
    let mut conn = store.conn().await.unwrap();
    let plan = plan(&mut conn, &task_history_sql(Dialect::Sqlite), 1).await;
    assert!(plan.contains("USING INDEX events_task"), "{plan}");
    assert!(!plan.contains("SCAN events") && !plan.contains("TEMP B-TREE"), "{plan}");
}

#[tokio::test]
async fn what_a_member_did_since_a_check_in_reads_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_dir(dir.path()).await.unwrap();
    let mut conn = store.conn().await.unwrap();
    let plan_threads = plan(&mut conn, THREADS_POSTED_IN, 3).await;
    assert!(plan_threads.contains("USING INDEX messages_author"), "{plan_threads}");
    let plan_tasks = plan(&mut conn, &tasks_moved_sql(Dialect::Sqlite), 2).await;
    assert!(plan_tasks.contains("USING INDEX events_actor"), "{plan_tasks}");
    for plan in [plan_threads, plan_tasks] {
        assert!(!plan.contains("SCAN messages") && !plan.contains("SCAN events"), "{plan}");
    }
}

#[tokio::test]
async fn unread_counts_read_their_own_rows_never_the_messages() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_dir(dir.path()).await.unwrap();
    let mut conn = store.conn().await.unwrap();
    // The channel list and the sidebar: a row of each channel, of each conversation the viewer
    // is in (by its index), and their seen counts by key.
    let plan_all = plan(&mut conn, UNREAD, 1).await;
    assert!(plan_all.contains("INDEX dm_members_member (member_id=?)"), "{plan_all}");
    assert_eq!(plan_all.matches("SEARCH s USING PRIMARY KEY").count(), 2, "channel_seen and dm_seen: {plan_all}");
    // A channel's or a conversation's threads: by the home's index, each with its seen count.
    for (home, index) in [("channel_id", "threads_channel"), ("dm_id", "threads_dm")] {
        // A page's threads alone: each looked up by home and id, not the home's every thread.
        let page = plan(&mut conn, &unread_threads_sql(home, 3), 5).await;
        let plan = plan(&mut conn, &unread_threads_sql(home, 0), 2).await;
        assert!(plan.contains(&format!("USING INDEX {index} (")), "{home}: {plan}");
        assert!(plan.contains("SEARCH s USING PRIMARY KEY"), "{home}: {plan}");
        assert!(!plan.contains("SCAN t") && !plan.contains("TEMP B-TREE"), "{home}: {plan}");
        assert!(!plan.contains("messages"), "{home}: {plan}");
        let by_id = page.contains("SEARCH t USING INTEGER PRIMARY KEY (rowid=?)")
            || page.contains(&format!("USING INDEX {index} ({home}=? AND id=?)"));
        assert!(by_id, "{home}: {page}");
        assert!(!page.contains("SCAN t"), "{home}: {page}");
    }
    assert!(!plan_all.contains("messages"), "{plan_all}");
    // What a mark passes, and who has read past a message: ranges on their indexes.
    for (column, index) in [("thread_id", "messages_thread"), ("dm_id", "messages_dm")] {
        let plan = plan(&mut conn, &format!("SELECT {}", passed_sql(column)), 5).await;
        assert!(
            plan.contains(&format!("SEARCH messages USING INDEX {index} ({column}=? AND id>? AND id<?)")),
            "{plan}"
        );
    }
    for (place, index) in [(Place::Thread(1), "thread_read_marks_thread"), (Place::Timeline(1), "dm_read_marks_dm")] {
        let plan = plan(&mut conn, &format!("SELECT * FROM {}", seers(place)), 3).await;
        assert!(plan.contains(&format!("USING COVERING INDEX {index}")), "{plan}");
    }
}
