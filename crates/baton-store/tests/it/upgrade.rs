//! A data directory written before events were typed (`fixtures/data-dir-before-typed-events.sql`,
//! a dump of `baton demo --members 8 --days 7 --until 2026-11-29` plus a round of API calls that
//! writes 45 of the 47 kinds, made by the binary of the commit before) opens and reads.

use std::str::FromStr;

use baton_core::event::Change;
use baton_core::model::Role;
use baton_core::{MemberId, Seq};
use baton_store::{SqlStore, Store, Viewer};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;

const DUMP: &str = include_str!("../fixtures/data-dir-before-typed-events.sql");

pub(crate) async fn old_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::from_str("sqlite://")
        .unwrap()
        .filename(dir.path().join("baton.db"))
        .create_if_missing(true);
    let mut conn = options.connect().await.unwrap();
    sqlx::raw_sql(DUMP).execute(&mut conn).await.unwrap();
    dir
}

/// Every event of the old log reads as its typed change, and writing that change back gives
/// the payload that was stored: nothing is lost or reinterpreted on the way through the types.
#[tokio::test]
async fn every_event_of_an_old_log_reads_typed_and_writes_back_the_same() {
    let dir = old_data_dir().await;
    let store = SqlStore::open_dir(dir.path()).await.unwrap();
    let stored = store.log(Seq(0), 100_000).await.unwrap();
    assert_eq!(stored.len(), 680, "the fixture's whole log");
    let mut kinds = std::collections::BTreeSet::new();
    for committed in &stored {
        let raw: serde_json::Value = serde_json::from_slice(&committed.json).unwrap();
        let event: baton_core::event::Event = serde_json::from_slice(&committed.json).unwrap();
        assert!(!matches!(event.change, Change::Other { .. }), "seq {} does not read: {raw}", committed.seq.0);
        let again: serde_json::Value = serde_json::from_str(&event.change.payload_json()).unwrap();
        assert_eq!(again, raw["payload"], "seq {} ({}) changes when written back", committed.seq.0, event.kind());
        kinds.insert(event.kind().to_string());
    }
    assert_eq!(kinds.len(), 45, "every kind but dm.updated and reminder.due: {kinds:?}");
    // Accepted advice used to carry what it created whole; migration 0019 leaves ids.
    let accepted = stored.iter().find(|c| c.kind == "advisor.accepted").expect("the fixture accepted advice");
    let raw: serde_json::Value = serde_json::from_slice(&accepted.json).unwrap();
    let created = &raw["payload"]["created"];
    assert!(created["message_id"].is_i64() && created["huddle_id"].is_i64(), "{created}");
    assert!(created.get("message").is_none() && created.get("huddle").is_none(), "{created}");
}

/// The old data directory opens with today's migrations, answers reads and takes new writes,
/// continuing its sequence.
#[tokio::test]
async fn an_old_data_dir_answers_and_takes_writes() {
    let dir = old_data_dir().await;
    let store = SqlStore::open_dir(dir.path()).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let head = store.head().await.unwrap();
    assert_eq!(store.members(&owner).await.unwrap().len(), 8);
    let channels = store.channels(&owner).await.unwrap();
    assert!(channels.iter().any(|c| c.name == "typed-events"));
    let projects = store.projects(&owner).await.unwrap();
    let tasks = store.tasks(&owner, None, None, None).await.unwrap();
    assert!(!projects.is_empty() && !tasks.is_empty());
    let history = store.task_history(&owner, tasks[0].id).await.unwrap();
    assert!(matches!(history[0].change, Change::TaskCreated(_)));
    let command = baton_store::Command::CreateProject { name: "after the upgrade".into(), description: String::new() };
    let envelope = baton_store::Envelope::new(owner, "2026-12-01T10:00:00Z".parse().unwrap(), command);
    store.execute(envelope).await.unwrap();
    assert_eq!(store.head().await.unwrap(), Seq(head.0 + 1));
}
