//! Rebuilding the projections from the log: afterwards every read answers exactly as before,
//! whatever had happened to the tables meanwhile.

use std::sync::Arc;

use baton_core::model::Role;
use baton_core::text::MessageText;
use baton_core::{DmId, MessageId};
use baton_store::sql::{rebuild, Database};
use baton_store::{Command, Envelope, MessageTarget, Page, SqlStore, Store, ThreadHome, Viewer};
use serde_json::{json, Value};
use sqlx::{AnyConnection, Connection, Executor};

use crate::contract::check_store;
use crate::upgrade::old_data_dir;
use crate::{on_both_backends, Scratch};

/// What every member sees, read through every list and item the store answers.
async fn everything(store: &dyn Store) -> Value {
    let anyone = Viewer { member: baton_core::MemberId(1), role: Role::Owner };
    let mut seen = Vec::new();
    for member in store.members(&anyone).await.unwrap() {
        let viewer = Viewer { member: member.id, role: member.role };
        let mut reads = serde_json::Map::new();
        let channels = store.channels(&viewer).await.unwrap();
        let mut threads = Vec::new();
        for channel in &channels {
            threads.extend(store.threads(&viewer, channel.id, Page::new(None, Some(1000))).await.unwrap());
            let unread = store.unread_threads(&viewer, ThreadHome::Channel(channel.id)).await.unwrap();
            reads.insert(format!("unread in {}", channel.id.0), json!(unread));
        }
        let dms = store.dms(&viewer).await.unwrap();
        for dm in &dms {
            threads.extend(store.dm_threads(&viewer, dm.id, Page::new(None, Some(1000))).await.unwrap());
            let timeline = store.dm_messages(&viewer, dm.id, Page::new(None, Some(1000))).await.unwrap();
            reads.insert(format!("dm {}", dm.id.0), json!(timeline));
        }
        for thread in &threads {
            let messages = store.thread_messages(&viewer, thread.id, Page::new(None, Some(1000))).await.unwrap();
            for message in &messages {
                let versions = store.message_versions(&viewer, message.id).await.unwrap();
                reads.insert(format!("versions of {}", message.id.0), json!(versions));
            }
            reads.insert(format!("thread {}", thread.id.0), json!(messages));
        }
        let tasks = store.tasks(&viewer, None, None, None).await.unwrap();
        for task in &tasks {
            reads.insert(format!("task {}", task.id.0), json!(store.task(&viewer, task.id).await.unwrap()));
        }
        reads.insert("channels".into(), json!(channels));
        reads.insert("threads".into(), json!(threads));
        reads.insert("dms".into(), json!(dms));
        reads.insert("tasks".into(), json!(tasks));
        reads.insert("projects".into(), json!(store.projects(&viewer).await.unwrap()));
        reads.insert("huddles".into(), json!(store.huddles(&viewer, false, 1000).await.unwrap()));
        reads.insert("norms".into(), json!(store.norms(&viewer).await.unwrap()));
        reads.insert("checkins".into(), json!(store.checkins(&viewer).await.unwrap()));
        let unread = store.unread(&viewer).await.unwrap();
        let mut counts: Vec<(String, i64)> = unread.channels.iter().map(|(c, n)| (format!("c{}", c.0), *n)).collect();
        counts.extend(unread.dms.iter().map(|(d, n)| (format!("d{}", d.0), *n)));
        counts.sort();
        reads.insert("unread".into(), json!(counts));
        seen.push(json!({ "viewer": member.handle, "reads": reads }));
    }
    let mut burdens = store.slot_burdens().await.unwrap();
    burdens.sort();
    let mut decided = store.decided_advice().await.unwrap();
    decided.sort();
    json!({ "members": seen, "slot_burdens": burdens, "decided_advice": decided })
}

/// A connection of the test's own to the store's database, to damage its tables.
async fn raw(database: &Database) -> AnyConnection {
    sqlx::any::install_default_drivers();
    let url = match database {
        Database::Sqlite(dir) => format!("sqlite://{}?mode=rw", dir.join("baton.db").display()),
        Database::Postgres(url) => url.clone(),
    };
    AnyConnection::connect(&url).await.unwrap()
}

async fn rebuilding_answers_every_read_the_same(scratch: &Scratch) {
    let store = SqlStore::open(&scratch.database).await.unwrap();
    check_store(Arc::new(store.clone())).await;
    let before = everything(&store).await;
    assert!(before.to_string().len() > 5_000, "the story wrote something to compare: {before}");

    // Tables that drifted from the log: a lost follower, a wrong count, a changed text.
    let mut conn = raw(&scratch.database).await;
    conn.execute("DELETE FROM thread_followers").await.unwrap();
    conn.execute("UPDATE threads SET message_count = 0, title = 'drifted'").await.unwrap();
    conn.execute("UPDATE messages SET body = 'drifted'").await.unwrap();
    conn.close().await.unwrap();
    assert_ne!(everything(&store).await, before, "the damage shows");

    let rebuilt = rebuild(&scratch.database).await.unwrap();
    assert_eq!(rebuilt.events, store.head().await.unwrap().0 as u64, "every event was replayed");
    assert_eq!(everything(&store).await, before);

    // The log goes on where it was, and the rebuilt tables take new writes.
    let owner = Viewer { member: baton_core::MemberId(1), role: Role::Owner };
    let head = store.head().await.unwrap();
    let project = baton_store::Command::CreateProject { name: "after the rebuild".into(), description: String::new() };
    store.execute(baton_store::Envelope::new(owner, jiff::Timestamp::now(), project)).await.unwrap();
    assert_eq!(store.head().await.unwrap().0, head.0 + 1);
}
on_both_backends!(rebuilding_answers_every_read_the_same);

/// The fixture's data directory (demo, huddles, check-ins, norms, slots, advice): its tables,
/// written by the commands of an older version, come back the same from its log.
#[tokio::test]
async fn an_old_data_directory_rebuilds_to_what_its_commands_wrote() {
    let dir = old_data_dir().await;
    let database = Database::Sqlite(dir.path().to_path_buf());
    let store = SqlStore::open(&database).await.unwrap();
    let before = everything(&store).await;
    assert!(before["members"].as_array().unwrap().len() >= 8);
    let rebuilt = rebuild(&database).await.unwrap();
    assert_eq!(rebuilt.events, 680);
    assert_eq!(everything(&store).await, before);
}

/// Read marks are not in the log: a rebuild keeps them as they are. (Replaying a message's move
/// into a thread copies the conversation's marks of *now* into the thread, which would mark as
/// read what was read only in the timeline, after the move.)
async fn a_rebuild_keeps_read_marks(scratch: &Scratch) {
    let store = SqlStore::open(&scratch.database).await.unwrap();
    let when = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    let setup = Command::Setup {
        workspace_name: "W".into(),
        time_zone: "UTC".into(),
        owner: crate::member("own", Role::Owner),
    };
    store.execute(Envelope::system(when("2024-01-01T00:00:00Z"), setup)).await.unwrap();
    let owner = Viewer { member: baton_core::MemberId(1), role: Role::Owner };
    let mut people = Vec::new();
    for handle in ["ana", "bo"] {
        let add = Command::AddMember { member: crate::member(handle, Role::Member), invite: None };
        let added = store.execute(Envelope::new(owner, when("2024-01-01T00:00:01Z"), add)).await.unwrap().to_json();
        people
            .push(Viewer { member: baton_core::MemberId(added["member"]["id"].as_i64().unwrap()), role: Role::Member });
    }
    let (ana, bo) = (people[0], people[1]);
    let text = |body: &str| MessageText::new(body.into());
    let dm = store
        .execute(Envelope::new(
            ana,
            when("2024-01-02T09:00:00Z"),
            Command::OpenDm { members: vec![bo.member], export_name: None },
        ))
        .await
        .unwrap()
        .to_json();
    let dm = DmId(dm["id"].as_i64().unwrap());
    let mut posted = Vec::new();
    for body in ["first", "second"] {
        let post = Command::PostMessage { target: MessageTarget::Dm(dm), text: text(body), urgent: false };
        let message = store.execute(Envelope::new(ana, when("2024-01-02T09:01:00Z"), post)).await.unwrap().to_json();
        posted.push(MessageId(message["id"].as_i64().unwrap()));
    }
    // Ana answers her first message in a thread; Bo reads the timeline only afterwards.
    let reply = Command::Reply { message: posted[0], text: text("in a thread"), urgent: false };
    store.execute(Envelope::new(ana, when("2024-01-02T09:02:00Z"), reply)).await.unwrap();
    let read = Command::MarkRead { target: MessageTarget::Dm(dm), up_to: posted[1] };
    store.execute(Envelope::new(bo, when("2024-01-02T10:00:00Z"), read)).await.unwrap();
    let unread_before = store.unread_threads(&bo, ThreadHome::Dm(dm)).await.unwrap();
    assert_eq!(unread_before.iter().map(|(_, n)| n).sum::<i64>(), 2, "the thread's two messages: {unread_before:?}");

    rebuild(&scratch.database).await.unwrap();
    assert_eq!(store.unread_threads(&bo, ThreadHome::Dm(dm)).await.unwrap(), unread_before);
    assert_eq!(everything(&store).await["members"].as_array().unwrap().len(), 3);
}
on_both_backends!(a_rebuild_keeps_read_marks);
