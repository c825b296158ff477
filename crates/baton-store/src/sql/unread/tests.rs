//! The kept counts against the count they replaced: random workspaces are written through
//! commands (posts by several members in channels' timelines and threads and in direct
//! conversations, replies that start threads from timeline messages, moves, deletions, read
//! marks moving, some past the newest message), and after every step each member's unread, per
//! channel, per conversation and per thread, must equal a count over every message (the old
//! query, kept here as the oracle). Then the same counts must come out of a recount (what a
//! rebuild ends with) and out of the migration's backfill, run again on the finished database.

use std::collections::BTreeMap;

use baton_core::model::{Role, Visibility};
use baton_core::text::MessageText;
use baton_core::{ChannelId, DmId, MemberId, MessageId, ThreadId};
use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::Value;

use super::super::db::{self, Conn};
use super::super::open;
use crate::testing::Scratch;
use crate::{Command, Envelope, MessageTarget, NewMember, SqlStore, Store, ThreadHome, Viewer};

/// The unread per channel before the counts were kept: every message joined to its thread and
/// the viewer's mark (`$1` the viewer).
const OLD_CHANNELS: &str = "SELECT t.channel_id, COUNT(*) FROM threads t JOIN messages m ON m.thread_id = t.id \
     LEFT JOIN thread_read_marks r ON r.thread_id = t.id AND r.member_id = $1 \
     WHERE t.channel_id IS NOT NULL AND m.author_id != $1 AND m.deleted = FALSE \
     AND m.id > COALESCE(r.message_id, 0) GROUP BY t.channel_id";

/// ... per direct conversation: its timeline's and its threads'.
const OLD_DMS: &str =
    "SELECT m.dm_id, COUNT(*) FROM messages m LEFT JOIN dm_read_marks r ON r.dm_id = m.dm_id AND r.member_id = $1 \
     WHERE m.dm_id IS NOT NULL AND m.author_id != $1 AND m.deleted = FALSE AND m.id > COALESCE(r.message_id, 0) \
     GROUP BY m.dm_id \
     UNION ALL \
     SELECT t.dm_id, COUNT(*) FROM threads t JOIN messages m ON m.thread_id = t.id \
     LEFT JOIN thread_read_marks r ON r.thread_id = t.id AND r.member_id = $1 \
     WHERE t.dm_id IS NOT NULL AND m.author_id != $1 AND m.deleted = FALSE AND m.id > COALESCE(r.message_id, 0) \
     GROUP BY t.dm_id";

/// ... per thread of a channel or conversation (`column` names the home; `$2` its id).
fn old_threads(column: &str) -> String {
    format!(
        "SELECT m.thread_id, COUNT(*) FROM threads t JOIN messages m ON m.thread_id = t.id \
         LEFT JOIN thread_read_marks r ON r.thread_id = t.id AND r.member_id = $1 \
         WHERE t.{column} = $2 AND m.author_id != $1 AND m.deleted = FALSE AND m.id > COALESCE(r.message_id, 0) \
         GROUP BY m.thread_id ORDER BY m.thread_id"
    )
}

/// One step of a story; indexes pick among what exists at that moment (modulo its size).
#[derive(Debug, Clone)]
enum Step {
    /// Someone posts in a thread or a conversation's timeline.
    Post { who: usize, place: usize },
    /// Someone replies to a message: in its thread, or starting one from a timeline message.
    Reply { who: usize, message: usize },
    /// Someone reads a place up to one of its messages, to its newest, or past every message.
    Read { who: usize, place: usize, upto: usize },
    /// A message's author (or the owner) deletes it.
    Delete { who: usize, message: usize },
    /// A timeline message moves into a thread of the same channel or conversation.
    Move { who: usize, message: usize, thread: usize },
}

fn step() -> impl Strategy<Value = Step> {
    let who = 0..4usize;
    let any = 0..64usize;
    prop_oneof![
        4 => (who.clone(), any.clone()).prop_map(|(who, place)| Step::Post { who, place }),
        2 => (who.clone(), any.clone()).prop_map(|(who, message)| Step::Reply { who, message }),
        3 => (who.clone(), any.clone(), 0..10usize).prop_map(|(who, place, upto)| Step::Read { who, place, upto }),
        1 => (who.clone(), any.clone()).prop_map(|(who, message)| Step::Delete { who, message }),
        1 => (who, any.clone(), any).prop_map(|(who, message, thread)| Step::Move { who, message, thread }),
    ]
}

/// A workspace of four people (the owner first): a public channel all are in, a private one
/// the last is not in, each with a timeline and a thread; two direct conversations.
struct World {
    store: SqlStore,
    people: Vec<Viewer>,
    channels: Vec<ChannelId>,
    dms: Vec<DmId>,
    clock: i64,
}

impl World {
    async fn new(scratch: &Scratch) -> World {
        let store = scratch.open().await;
        let person = |handle: &str, role| NewMember {
            handle: handle.into(),
            email: format!("{handle}@example.com"),
            display_name: handle.into(),
            role,
            time_zone: "UTC".into(),
            working_hours: Default::default(),
            password_hash: None,
            service: false,
        };
        let setup =
            Command::Setup { workspace_name: "W".into(), time_zone: "UTC".into(), owner: person("own", Role::Owner) };
        let created = store.execute(Envelope::system(Timestamp::UNIX_EPOCH, setup)).await.unwrap().to_json();
        let owner = Viewer { member: MemberId(created["member"]["id"].as_i64().unwrap()), role: Role::Owner };
        let mut world = World { store, people: vec![owner], channels: Vec::new(), dms: Vec::new(), clock: 0 };
        for handle in ["ana", "bo", "cy"] {
            let add = Command::AddMember { member: person(handle, Role::Member), invite: None };
            let added = world.run(0, add).await.unwrap();
            world.people.push(Viewer { member: MemberId(added["member"]["id"].as_i64().unwrap()), role: Role::Member });
        }
        let ids: Vec<MemberId> = world.people.iter().map(|p| p.member).collect();
        for (name, visibility, members) in
            [("open", Visibility::Public, &ids[1..]), ("hush", Visibility::Private, &ids[1..3])]
        {
            let create = Command::CreateChannel {
                name: name.into(),
                visibility,
                topic: String::new(),
                members: members.to_vec(),
            };
            let channel = ChannelId(id(&world.run(0, create).await.unwrap()));
            world.run(0, Command::OpenTimeline { channel }).await.unwrap();
            let thread = Command::CreateThread { home: channel.into(), title: "t".into(), tags: vec![], body: None };
            world.run(1, thread).await.unwrap();
            world.channels.push(channel);
        }
        for (who, with) in [(1, vec![ids[2]]), (0, vec![ids[1], ids[3]])] {
            let open = Command::OpenDm { members: with, export_name: None };
            let dm = DmId(id(&world.run(who, open).await.unwrap()));
            world.dms.push(dm);
        }
        world
    }

    /// Runs `command` as person `who`; `None` where the store refuses it (someone without
    /// access, a deleted message): refusals are part of a random story.
    async fn run(&mut self, who: usize, command: Command) -> Option<Value> {
        self.clock += 1;
        let at = Timestamp::from_second(1_700_000_000 + self.clock).unwrap();
        let trace =
            std::env::var("UNREAD_TRACE").is_ok().then(|| format!("{command:?}").chars().take(60).collect::<String>());
        let done = self.store.execute(Envelope::new(self.people[who], at, command)).await;
        if let Some(trace) = trace {
            eprintln!("  {who} {trace} => {}", if done.is_ok() { "ok" } else { "refused" });
        }
        done.ok().map(|answer| answer.to_json())
    }

    async fn conn(&self) -> Conn {
        self.store.conn().await.unwrap()
    }

    /// Every place a message can be posted: threads (timelines included), then timelines of
    /// direct conversations.
    async fn places(&self) -> Vec<MessageTarget> {
        let threads: Vec<(i64,)> =
            db::query_as("SELECT id FROM threads ORDER BY id").fetch_all(&mut self.conn().await).await.unwrap();
        let mut places: Vec<MessageTarget> =
            threads.into_iter().map(|(id,)| MessageTarget::Thread(ThreadId(id))).collect();
        places.extend(self.dms.iter().map(|dm| MessageTarget::Dm(*dm)));
        places
    }

    /// The messages of `sql` (ids, in order), picked from by index.
    async fn ids(&self, sql: &str, arg: Option<i64>) -> Vec<i64> {
        let mut query = db::query_as::<(i64,)>(sql);
        if let Some(arg) = arg {
            query = query.bind(arg);
        }
        query.fetch_all(&mut self.conn().await).await.unwrap().into_iter().map(|(id,)| id).collect()
    }

    async fn take(&mut self, step: &Step) {
        let text = |body: &str| MessageText::new(body.into());
        let pick = |ids: &[i64], n: usize| (!ids.is_empty()).then(|| ids[n % ids.len()]);
        match *step {
            Step::Post { who, place } => {
                let places = self.places().await;
                let target = places[place % places.len()];
                self.run(who, Command::PostMessage { target, text: text("hi"), urgent: false }).await;
            }
            Step::Reply { who, message } => {
                let ids = self.ids("SELECT id FROM messages ORDER BY id", None).await;
                if let Some(message) = pick(&ids, message) {
                    let reply = Command::Reply { message: MessageId(message), text: text("re"), urgent: false };
                    self.run(who, reply).await;
                }
            }
            Step::Read { who, place, upto } => {
                let places = self.places().await;
                let target = places[place % places.len()];
                let ids = match target {
                    MessageTarget::Thread(t) => {
                        self.ids("SELECT id FROM messages WHERE thread_id = $1 ORDER BY id", Some(t.0)).await
                    }
                    MessageTarget::Dm(d) => {
                        self.ids("SELECT id FROM messages WHERE dm_id = $1 ORDER BY id", Some(d.0)).await
                    }
                };
                // Now and then past every message there is: the mark is held to the newest.
                let up_to = match (upto, pick(&ids, upto)) {
                    (9, _) | (_, None) => 1_000_000,
                    (_, Some(id)) => id,
                };
                self.run(who, Command::MarkRead { target, up_to: MessageId(up_to) }).await;
            }
            Step::Delete { who, message } => {
                let ids = self.ids("SELECT id FROM messages ORDER BY id", None).await;
                if let Some(message) = pick(&ids, message) {
                    if self.run(who, Command::DeleteMessage { id: MessageId(message) }).await.is_none() {
                        self.run(0, Command::DeleteMessage { id: MessageId(message) }).await;
                    }
                }
            }
            Step::Move { who, message, thread } => {
                let timeline = "SELECT m.id FROM messages m LEFT JOIN threads t ON t.id = m.thread_id \
                                WHERE m.dm_id IS NOT NULL OR t.timeline = TRUE ORDER BY m.id";
                let ids = self.ids(timeline, None).await;
                let Some(message) = pick(&ids, message) else { return };
                // A thread of the same channel or conversation.
                let same_home = "SELECT t.id FROM threads t JOIN messages m ON m.id = $1 \
                     LEFT JOIN threads f ON f.id = m.thread_id \
                     WHERE t.timeline = FALSE AND (t.dm_id = m.dm_id OR t.channel_id = f.channel_id) ORDER BY t.id";
                let threads = self.ids(same_home, Some(message)).await;
                if let Some(thread) = pick(&threads, thread) {
                    let command = Command::MoveToThread { message: MessageId(message), thread: ThreadId(thread) };
                    if self.run(who, command.clone()).await.is_none() {
                        self.run(0, command).await;
                    }
                }
            }
        }
    }

    async fn check(&self, when: &str) {
        agree(&self.store, when).await;
    }
}

/// Every member's counts, through the store, against the oracle: per channel and conversation
/// they may read, and per thread of each channel and conversation they may read.
async fn agree(store: &SqlStore, when: &str) {
    let mut conn = store.conn().await.unwrap();
    let people: Vec<(i64,)> = db::query_as("SELECT id FROM members ORDER BY id").fetch_all(&mut conn).await.unwrap();
    let channels: Vec<(i64,)> = db::query_as("SELECT id FROM channels ORDER BY id").fetch_all(&mut conn).await.unwrap();
    let dms: Vec<(i64,)> = db::query_as("SELECT id FROM dms ORDER BY id").fetch_all(&mut conn).await.unwrap();
    let homes: Vec<ThreadHome> = channels
        .iter()
        .map(|(c,)| ThreadHome::Channel(ChannelId(*c)))
        .chain(dms.iter().map(|(d,)| ThreadHome::Dm(DmId(*d))))
        .collect();
    let anyone = Viewer { member: MemberId(people[0].0), role: Role::Owner };
    let roles: BTreeMap<MemberId, Role> =
        store.members(&anyone).await.unwrap().into_iter().map(|m| (m.id, m.role)).collect();
    for (member,) in people {
        let viewer = Viewer { member: MemberId(member), role: roles[&MemberId(member)] };
        let (channels, dms) = oracle(&mut conn, viewer.member).await;
        let access = store.access(&viewer).await.unwrap();
        let channels: BTreeMap<_, _> = channels.into_iter().filter(|(c, _)| access.channels.contains(c)).collect();
        let dms: BTreeMap<_, _> = dms.into_iter().filter(|(d, _)| access.dms.contains(d)).collect();
        let unread = store.unread(&viewer).await.unwrap();
        assert_eq!(unread.channels.into_iter().collect::<BTreeMap<_, _>>(), channels, "{when}: {viewer:?}'s channels");
        assert_eq!(unread.dms.into_iter().collect::<BTreeMap<_, _>>(), dms, "{when}: {viewer:?}'s conversations");
        for home in &homes {
            let Ok(threads) = store.unread_threads(&viewer, *home).await else { continue };
            let (column, id) = match home {
                ThreadHome::Channel(c) => ("channel_id", c.0),
                ThreadHome::Dm(d) => ("dm_id", d.0),
            };
            let old: Vec<(i64, i64)> =
                db::query_as(&old_threads(column)).bind(viewer.member.0).bind(id).fetch_all(&mut conn).await.unwrap();
            let old: Vec<(ThreadId, i64)> = old.into_iter().map(|(t, n)| (ThreadId(t), n)).collect();
            assert_eq!(threads, old, "{when}: {viewer:?}'s threads in {home:?}");
            // A page's threads alone: every other thread there is, and one that is not there
            // (id 0), asked by a page of the home; the same counts, those threads only.
            let all: Vec<(i64,)> = db::query_as(&format!("SELECT id FROM threads WHERE {column} = $1 ORDER BY id"))
                .bind(id)
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let page: Vec<ThreadId> = all.iter().step_by(2).map(|(t,)| ThreadId(*t)).chain([ThreadId(0)]).collect();
            let among = store.unread_threads_among(&viewer, *home, &page).await.unwrap();
            let want: Vec<(ThreadId, i64)> = old.iter().filter(|(t, _)| page.contains(t)).copied().collect();
            assert_eq!(among, want, "{when}: {viewer:?}'s threads among {page:?} in {home:?}");
        }
    }
}

fn id(value: &Value) -> i64 {
    value["id"].as_i64().expect("an id")
}

/// The old count of `member`'s unread per channel and per conversation, before access.
async fn oracle(conn: &mut Conn, member: MemberId) -> (BTreeMap<ChannelId, i64>, BTreeMap<DmId, i64>) {
    let channels: Vec<(i64, i64)> = db::query_as(OLD_CHANNELS).bind(member.0).fetch_all(&mut *conn).await.unwrap();
    let dms: Vec<(i64, i64)> = db::query_as(OLD_DMS).bind(member.0).fetch_all(&mut *conn).await.unwrap();
    let mut by_dm = BTreeMap::new();
    for (dm, n) in dms {
        *by_dm.entry(DmId(dm)).or_default() += n;
    }
    (channels.into_iter().map(|(c, n)| (ChannelId(c), n)).collect(), by_dm)
}

/// Undoes migration `version` (`0024_unread_counts`, PostgreSQL's `0006`) by hand, so that
/// opening the store runs it, and its backfill, on the data as it is.
async fn unmigrate(scratch: &Scratch, version: i64) {
    let mut conn = open::writer(&scratch.database).await.unwrap();
    let undo = "DROP TABLE thread_seen; DROP TABLE channel_seen; DROP TABLE dm_seen; \
                DROP INDEX thread_read_marks_thread; DROP INDEX dm_read_marks_dm; \
                ALTER TABLE threads DROP COLUMN live_messages; ALTER TABLE channels DROP COLUMN live_messages; \
                ALTER TABLE dms DROP COLUMN live_messages";
    conn.batch(undo).await.unwrap();
    db::query("DELETE FROM _sqlx_migrations WHERE version = $1").bind(version).execute(&mut conn).await.unwrap();
}

/// One story: every step checked, then the recount and the backfill.
async fn story(scratch: &Scratch, steps: &[Step]) {
    let mut world = World::new(scratch).await;
    world.check("set up").await;
    for (n, step) in steps.iter().enumerate() {
        world.take(step).await;
        if std::env::var("UNREAD_TRACE").is_ok() {
            eprintln!("{step:?} -> {}", world.clock);
        }
        world.check(&format!("after step {n}, {step:?}")).await;
    }
    let mut conn = open::writer(&scratch.database).await.unwrap();
    super::recount(&mut conn).await.unwrap();
    drop(conn);
    world.check("after a recount").await;

    let version = if scratch.database.is_sqlite() { 24 } else { 6 };
    world.store.clone().close().await;
    unmigrate(scratch, version).await;
    world.store = scratch.open().await;
    world.check("after the migration's backfill").await;
    // And the counts go on from there.
    world.take(&Step::Post { who: 1, place: 0 }).await;
    world.take(&Step::Read { who: 2, place: 0, upto: 9 }).await;
    world.check("after the migration, a post and a read").await;
}

/// The upgrade fixture (a demo workspace and a round of API calls, written by an older version)
/// migrated: the backfill gives every member the counts the old query gives.
#[tokio::test]
async fn an_old_data_directory_migrates_to_the_counts_of_its_messages() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = include_str!("../../../tests/fixtures/data-dir-before-typed-events.sql");
    let mut conn = Conn::Lite(Box::new(rusqlite::Connection::open(dir.path().join("baton.db")).unwrap()));
    conn.batch(fixture).await.unwrap();
    // It has no read marks (they came later): most members read most threads and conversations
    // part of the way, one past every message.
    let marks = "INSERT INTO thread_read_marks (member_id, thread_id, message_id) \
        SELECT p.id, t.id, (SELECT MIN(id) + (MAX(id) - MIN(id)) * (p.id % 5) / 4 FROM messages WHERE thread_id = t.id) \
        FROM members p, threads t WHERE (p.id + t.id) % 3 <> 0 AND EXISTS (SELECT 1 FROM messages WHERE thread_id = t.id); \
        INSERT INTO dm_read_marks (member_id, dm_id, message_id) \
        SELECT p.member_id, p.dm_id, (SELECT MIN(id) + (MAX(id) - MIN(id)) * (p.member_id % 3) / 2 FROM messages WHERE dm_id = p.dm_id) \
        FROM dm_members p WHERE EXISTS (SELECT 1 FROM messages WHERE dm_id = p.dm_id); \
        UPDATE thread_read_marks SET message_id = 1000000 WHERE member_id = 2";
    conn.batch(marks).await.unwrap();
    drop(conn);
    let store = SqlStore::open_dir(dir.path()).await.unwrap();
    let (marks,): (i64,) = db::query_as("SELECT COUNT(*) FROM thread_read_marks")
        .fetch_one(&mut store.conn().await.unwrap())
        .await
        .unwrap();
    assert!(marks > 20, "{marks}");
    agree(&store, "the fixture").await;
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn kept_counts_equal_a_count_over_every_message_on_sqlite(steps in proptest::collection::vec(step(), 10..60)) {
        runtime().block_on(story(&Scratch::sqlite(), &steps));
    }
}

proptest! {
    // Fewer cases: each one creates a PostgreSQL database.
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn kept_counts_equal_a_count_over_every_message_on_postgres(steps in proptest::collection::vec(step(), 10..60)) {
        runtime().block_on(async {
            if let Some(scratch) = Scratch::postgres().await {
                story(&scratch, &steps).await;
                scratch.remove().await;
            }
        });
    }
}

/// How long the channel list's counts take, kept and counted the old way, on a workspace of
/// `UNREAD_TIMING_MESSAGES` messages (default 200,000) in 12 channels (404 threads) and 30
/// people, written straight into the tables and then counted once (the migration's backfill).
/// Run: `cargo test -p baton-store --lib -- --ignored --nocapture unread_timing` (PostgreSQL too
/// with `BATON_TEST_POSTGRES`).
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn unread_timing() {
    let messages: i64 = std::env::var("UNREAD_TIMING_MESSAGES").ok().and_then(|n| n.parse().ok()).unwrap_or(200_000);
    let mut scratches = vec![Scratch::sqlite()];
    scratches.extend(Scratch::postgres().await);
    for scratch in scratches {
        timing(&scratch, messages).await;
        scratch.remove().await;
    }
}

async fn timing(scratch: &Scratch, messages: i64) {
    use std::time::{Duration, Instant};
    let mut world = World::new(scratch).await;
    let ids: Vec<MemberId> = {
        for n in 0..26 {
            let person = NewMember {
                handle: format!("p{n}"),
                email: format!("p{n}@example.com"),
                display_name: format!("p{n}"),
                role: Role::Member,
                time_zone: "UTC".into(),
                working_hours: Default::default(),
                password_hash: None,
                service: false,
            };
            world.run(0, Command::AddMember { member: person, invite: None }).await.unwrap();
        }
        let rows: Vec<(i64,)> =
            db::query_as("SELECT id FROM members ORDER BY id").fetch_all(&mut world.conn().await).await.unwrap();
        rows.into_iter().map(|(id,)| MemberId(id)).collect()
    };
    for n in 0..10 {
        let create = Command::CreateChannel {
            name: format!("c{n}"),
            visibility: Visibility::Public,
            topic: String::new(),
            members: ids[1..].to_vec(),
        };
        let channel = ChannelId(id(&world.run(0, create).await.unwrap()));
        for t in 0..40 {
            let thread =
                Command::CreateThread { home: channel.into(), title: format!("t{t}"), tags: vec![], body: None };
            world.run(1, thread).await.unwrap();
        }
    }
    let (threads, people) = (404, ids.len() as i64);
    let mut conn = open::writer(&scratch.database).await.unwrap();
    let started = Instant::now();
    // Thread ids run 1..=404 (the four of `World::new`, the 400 here): each message lands in
    // thread 1 + i % 404, by person 1 + i % people.
    db::query(
        "INSERT INTO messages (id, thread_id, dm_id, author_id, body, html, mentions, urgent, created_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         SELECT 1000 + i, 1 + i % 404, NULL, 1 + i % $2, 'm', 'm', '[]', FALSE, i FROM n",
    )
    .bind(messages)
    .bind(people)
    .execute(&mut conn)
    .await
    .unwrap();
    // Everyone has read every other thread half way.
    db::query(
        "INSERT INTO thread_read_marks (member_id, thread_id, message_id) \
         SELECT p.id, t.id, (SELECT MIN(id) + (MAX(id) - MIN(id)) / 2 FROM messages WHERE thread_id = t.id) \
         FROM members p, threads t WHERE t.id % 2 = 0 AND EXISTS (SELECT 1 FROM messages WHERE thread_id = t.id) \
         ON CONFLICT DO NOTHING",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let written = started.elapsed();
    let started = Instant::now();
    super::recount(&mut conn).await.unwrap();
    let recounted = started.elapsed();
    drop(conn);

    let viewer = world.people[1];
    let median = |mut runs: Vec<Duration>| {
        runs.sort();
        runs[runs.len() / 2]
    };
    let (mut old, mut kept, mut old_threads_runs, mut kept_threads) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let channel = world.channels[0];
    for _ in 0..7 {
        let mut conn = world.conn().await;
        let started = Instant::now();
        let counted = oracle(&mut conn, viewer.member).await;
        old.push(started.elapsed());
        let started = Instant::now();
        let unread = world.store.unread(&viewer).await.unwrap();
        kept.push(started.elapsed());
        assert_eq!(unread.channels.len(), counted.0.len());
        let started = Instant::now();
        let _: Vec<(i64, i64)> = db::query_as(&old_threads("channel_id"))
            .bind(viewer.member.0)
            .bind(channel.0)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        old_threads_runs.push(started.elapsed());
        let started = Instant::now();
        world.store.unread_threads(&viewer, ThreadHome::Channel(channel)).await.unwrap();
        kept_threads.push(started.elapsed());
    }
    // What the counts cost a writer: posts, and marks moving over a page of 50 messages.
    let started = Instant::now();
    for _ in 0..200 {
        world.take(&Step::Post { who: 2, place: 0 }).await;
    }
    let posts = started.elapsed() / 200;
    let backend = if scratch.database.is_sqlite() { "SQLite" } else { "PostgreSQL" };
    eprintln!(
        "{backend}, {messages} messages in {threads} threads, {people} people: written in {written:.1?}, \
         counted (the backfill) in {recounted:.1?}\n  \
         unread (sidebar): old count {:.2?}, kept {:.2?} (median of 7)\n  \
         unread_threads (one channel): old count {:.2?}, kept {:.2?}\n  \
         a post through the store: {posts:.2?}",
        median(old),
        median(kept),
        median(old_threads_runs),
        median(kept_threads),
    );
}
