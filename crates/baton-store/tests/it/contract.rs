use std::sync::Arc;

use baton_core::model::{Priority, Role, TaskStatus, Visibility};
use baton_core::text::MessageText;
use baton_core::{MemberId, Seq, ThreadId};
use baton_store::{Command, Envelope, Error, MessageTarget, Page, SqlStore, Store, Viewer};
use jiff::Timestamp;
use serde_json::Value;

use crate::{member, on_both_backends, Scratch};

fn at(s: &str) -> Timestamp {
    s.parse().expect("an RFC 3339 instant")
}

async fn run(store: &dyn Store, viewer: Viewer, when: &str, command: Command) -> Result<Value, Error> {
    store.execute(Envelope::new(viewer, at(when), command)).await.map(|answer| answer.to_json())
}

/// Sets a workspace up in an empty store; answers its owner.
async fn set_up(store: &dyn Store) -> Viewer {
    let setup =
        Command::Setup { workspace_name: "W".into(), time_zone: "UTC".into(), owner: member("own", Role::Owner) };
    let created = store.execute(Envelope::system(at("2024-01-01T00:00:00Z"), setup)).await.unwrap().to_json();
    Viewer { member: MemberId(created["member"]["id"].as_i64().unwrap()), role: Role::Owner }
}

fn id(value: &Value) -> i64 {
    value["id"].as_i64().expect("an id")
}

/// The story every backend must tell the same way.
pub(crate) async fn check_store(store: Arc<dyn Store>) {
    let setup =
        Command::Setup { workspace_name: "W".into(), time_zone: "UTC".into(), owner: member("own", Role::Owner) };
    let created = store.execute(Envelope::system(at("2024-01-01T00:00:00Z"), setup.clone())).await.unwrap().to_json();
    let owner = Viewer { member: MemberId(created["member"]["id"].as_i64().unwrap()), role: Role::Owner };
    let again = store.execute(Envelope::system(at("2024-01-01T00:00:00Z"), setup)).await;
    assert!(matches!(again, Err(Error::Conflict { .. })), "a second setup conflicts");

    let ana = run(
        &*store,
        owner,
        "2024-01-01T00:00:01Z",
        Command::AddMember { member: member("ana", Role::Member), invite: None },
    )
    .await
    .unwrap();
    let ana = Viewer { member: MemberId(id(&ana["member"])), role: Role::Member };
    // A few members by id and by handle, each as the whole list shows it to the same viewer
    // (a member sees no one else's e-mail); who does not exist is left out.
    let everyone = store.members(&ana).await.unwrap();
    let among = store
        .members_among(&ana, &[owner.member, MemberId(9_999), owner.member], &["ana".into(), "nobody".into()])
        .await
        .unwrap();
    assert_eq!(among.iter().map(|m| m.handle.as_str()).collect::<Vec<_>>(), ["ana", "own"]);
    for found in &among {
        let listed = everyone.iter().find(|m| m.id == found.id).unwrap();
        assert_eq!(serde_json::to_value(found).unwrap(), serde_json::to_value(listed).unwrap());
    }
    assert!(store.members_among(&ana, &[], &[]).await.unwrap().is_empty());
    let taken = run(
        &*store,
        owner,
        "2024-01-01T00:00:02Z",
        Command::AddMember { member: member("ana", Role::Member), invite: None },
    )
    .await;
    assert!(matches!(taken, Err(Error::Conflict { .. })));

    let private = Command::CreateChannel {
        name: "hush".into(),
        visibility: Visibility::Private,
        topic: String::new(),
        members: vec![],
    };
    let channel = run(&*store, owner, "2024-01-02T09:00:00Z", private).await.unwrap();
    let thread = Command::CreateThread {
        home: baton_core::ChannelId(id(&channel)).into(),
        title: "t".into(),
        tags: vec![],
        body: None,
    };
    let thread = ThreadId(id(&run(&*store, owner, "2024-01-02T09:00:01Z", thread).await.unwrap()));

    // A failed command leaves nothing, and the next one gets the next seq.
    let before = store.events(&owner, Seq(0), 1000).await.unwrap();
    let refused = run(
        &*store,
        ana,
        "2024-01-02T09:00:02Z",
        Command::PostMessage {
            target: MessageTarget::Thread(thread),
            text: MessageText::new("x".into()),
            urgent: false,
        },
    )
    .await;
    assert!(matches!(refused, Err(Error::NotFound { .. })), "ana is outside the private channel");
    let post = Command::PostMessage {
        target: MessageTarget::Thread(thread),
        text: MessageText::new("secret".into()),
        urgent: false,
    };
    let keyed = Envelope::new(owner, at("2024-01-02T09:00:03Z"), post).with_idempotency_key(Some("k".into()));
    let fingerprint = keyed.fingerprint.clone();
    let first = store.execute(keyed.clone()).await.unwrap().to_json();
    let second = store.execute(keyed).await.unwrap().to_json();
    assert_eq!(first, second, "the same key gives the first answer");
    let record = store.idempotency_record(owner.member, "k").await.unwrap().expect("the key is recorded");
    assert_eq!(record.answer::<baton_core::model::Message>().unwrap().body, "secret", "read back as its type");
    let kept = record.answer::<Value>().unwrap();
    assert_eq!((record.fingerprint, kept), (fingerprint, first.clone()), "kept as it was answered");
    assert_eq!(store.idempotency_record(ana.member, "k").await.unwrap(), None, "keys are each actor's own");
    let after = store.events(&owner, Seq(0), 1000).await.unwrap();
    assert_eq!(after.len(), before.len() + 1, "one event for two keyed posts and a refused one");
    let seqs: Vec<i64> = after.iter().map(|e| e.seq.0).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "seq is gap-free");
    let posted: Value = serde_json::from_slice(&after.last().unwrap().json).unwrap();
    assert_eq!(posted["at"], "2024-01-02T09:00:03Z", "events keep the time they were given");
    assert_eq!(posted["payload"]["message"]["body"], "secret");

    // What ana may see.
    let seen_by_ana = store.events(&ana, Seq(0), 1000).await.unwrap();
    assert!(seen_by_ana.iter().all(|e| !String::from_utf8_lossy(&e.json).contains("secret")));
    assert!(matches!(store.thread_messages(&ana, thread, Page::default()).await, Err(Error::NotFound { .. })));
    assert!(store
        .search(&ana, &baton_store::Search::parse("secret", &jiff::tz::TimeZone::UTC, 10).unwrap())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .search(&owner, &baton_store::Search::parse("secret", &jiff::tz::TimeZone::UTC, 10).unwrap())
            .await
            .unwrap()
            .len(),
        1
    );
    let access = store.access(&ana).await.unwrap();
    assert!(access.channels.is_empty());

    // A channel's name is taken only by channels the asker can see: a private one they cannot
    // see neither refuses the name nor tells them it exists.
    let named = |name: &str, visibility| Command::CreateChannel {
        name: name.into(),
        visibility,
        topic: String::new(),
        members: vec![],
    };
    let mine = run(&*store, ana, "2024-01-02T10:00:00Z", named("hush", Visibility::Public)).await.unwrap();
    assert_ne!(id(&mine), id(&channel), "a channel of its own");
    let again = run(&*store, ana, "2024-01-02T10:00:01Z", named("hush", Visibility::Private)).await;
    assert!(matches!(again, Err(Error::Conflict { .. })), "ana sees her own #hush: {again:?}");
    let by_owner = run(&*store, owner, "2024-01-02T10:00:02Z", named("hush", Visibility::Private)).await;
    assert!(matches!(by_owner, Err(Error::Conflict { .. })), "the owner sees both: {by_owner:?}");
    let other = id(&run(&*store, ana, "2024-01-02T10:00:03Z", named("other", Visibility::Public)).await.unwrap());
    let rename = Command::UpdateChannel {
        id: baton_core::ChannelId(other),
        name: Some("hush".into()),
        topic: None,
        archived: None,
    };
    let renamed = run(&*store, ana, "2024-01-02T10:00:04Z", rename).await;
    assert!(matches!(renamed, Err(Error::Conflict { .. })), "{renamed:?}");
    let names: Vec<String> = store.channels(&ana).await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["hush", "other"], "ana lists her #hush only");

    // Tasks: each kind of change is its own event; history is in order.
    let project = run(
        &*store,
        owner,
        "2024-01-03T00:00:00Z",
        Command::CreateProject { name: "p".into(), description: String::new() },
    )
    .await
    .unwrap();
    let task = Command::CreateTask {
        project: baton_core::ProjectId(id(&project)),
        title: "do".into(),
        description: String::new(),
        assignee: Some(ana.member),
        status: TaskStatus::Todo,
        due: Some("2024-01-10".parse().unwrap()),
        priority: Priority::Normal,
    };
    let task = baton_core::TaskId(id(&run(&*store, owner, "2024-01-03T00:00:01Z", task).await.unwrap()));
    let done = Command::UpdateTask {
        id: task,
        title: None,
        description: None,
        assignee: Some(None),
        status: Some(TaskStatus::Done),
        due: None,
        priority: None,
    };
    let done = run(&*store, ana, "2024-01-04T00:00:00Z", done).await.unwrap();
    assert_eq!(done["done_at"], "2024-01-04T00:00:00Z");
    assert_eq!(done["assignee_id"], Value::Null);
    let kinds: Vec<String> =
        store.task_history(&owner, task).await.unwrap().into_iter().map(|e| e.kind().to_string()).collect();
    assert_eq!(kinds, ["task.created", "task.assigned", "task.status_changed"]);

    check_dm_threads(&*store, owner, ana).await;
    check_imported_titles_and_edits(&*store, owner, ana).await;
}

/// What imports bring beside the text: a display title without the exporting tool's markup
/// (the title stays as exported), and an edit time without an earlier version (issue 12).
async fn check_imported_titles_and_edits(store: &dyn Store, owner: Viewer, ana: Viewer) {
    let open = Command::CreateChannel {
        name: "open".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![],
    };
    let open = baton_core::ChannelId(id(&run(store, owner, "2024-02-01T00:00:00Z", open).await.unwrap()));
    let create = Command::CreateThread { home: open.into(), title: "_*duck*_".into(), tags: vec![], body: None };
    let thread = ThreadId(id(&run(store, owner, "2024-02-01T00:00:01Z", create).await.unwrap()));
    let shown = Command::SetDisplayTitle { thread, display_title: "duck".into() };
    let refused = run(store, ana, "2024-02-01T00:00:02Z", shown.clone()).await;
    assert!(matches!(refused, Err(Error::Forbidden { .. })), "imports only: owners and admins");
    run(store, owner, "2024-02-01T00:00:02Z", shown).await.unwrap();
    let found = store.thread(&ana, thread).await.unwrap();
    assert_eq!((found.title.as_str(), found.shown_title()), ("_*duck*_", "duck"));
    let rename = Command::UpdateThread { id: thread, title: Some("Ducks".into()), tags: None, resolved: None };
    run(store, owner, "2024-02-01T00:00:03Z", rename).await.unwrap();
    assert_eq!(store.thread(&ana, thread).await.unwrap().display_title, None, "a chosen title reads as written");

    let post = Command::PostMessage {
        target: MessageTarget::Thread(thread),
        text: MessageText::new("final text".into()),
        urgent: false,
    };
    let message = baton_core::MessageId(id(&run(store, ana, "2024-02-01T10:00:00Z", post).await.unwrap()));
    let mark = Command::MarkEdited { message };
    let refused = run(store, owner, "2024-02-02T10:00:00Z", mark.clone()).await;
    assert!(matches!(refused, Err(Error::Forbidden { .. })), "only its author");
    let edited = run(store, ana, "2024-02-02T10:00:00Z", mark).await.unwrap();
    assert_eq!(edited["edited_at"], "2024-02-02T10:00:00Z");
    assert_eq!(edited["created_at"], "2024-02-01T10:00:00Z", "the message keeps its time");
    assert_eq!(edited["body"], "final text");
    assert!(store.message_versions(&ana, message).await.unwrap().is_empty(), "no earlier text is made up");
    let last = store.events(&ana, Seq(0), 10_000).await.unwrap();
    let last: Value = serde_json::from_slice(&last.last().unwrap().json).unwrap();
    assert_eq!((last["kind"].as_str(), last["payload"]["body"].as_str()), (Some("message.edited"), Some("final text")));
}

/// A direct conversation has a timeline and threads: a reply to a timeline message starts a
/// thread that takes the message in; only the conversation's people see any of it.
async fn check_dm_threads(store: &dyn Store, owner: Viewer, ana: Viewer) {
    let bo = run(
        store,
        owner,
        "2024-01-05T00:00:00Z",
        Command::AddMember { member: member("bo", Role::Member), invite: None },
    )
    .await
    .unwrap();
    let bo = Viewer { member: MemberId(id(&bo["member"])), role: Role::Member };
    let open = Command::OpenDm { members: vec![bo.member], export_name: None };
    let dm = baton_core::DmId(id(&run(store, ana, "2024-01-05T09:00:00Z", open).await.unwrap()));
    let say = |target, body: &str| Command::PostMessage { target, text: MessageText::new(body.into()), urgent: false };
    let question =
        id(&run(store, ana, "2024-01-05T09:01:00Z", say(MessageTarget::Dm(dm), "dm-question?")).await.unwrap());
    let aside = id(&run(store, ana, "2024-01-05T09:02:00Z", say(MessageTarget::Dm(dm), "dm-aside")).await.unwrap());
    let reply = |message: i64, body: &str| Command::Reply {
        message: baton_core::MessageId(message),
        text: MessageText::new(body.into()),
        urgent: false,
    };
    let answer = run(store, bo, "2024-01-05T10:00:00Z", reply(question, "dm-answer")).await.unwrap();
    let thread = ThreadId(answer["thread_id"].as_i64().expect("the reply is in a thread"));
    assert_eq!(answer["dm_id"], Value::Null);
    let threads = store.dm_threads(&ana, dm, Page::default()).await.unwrap();
    assert_eq!(threads.len(), 1);
    assert_eq!((threads[0].id, threads[0].dm_id, threads[0].channel_id), (thread, Some(dm), None));
    assert_eq!(threads[0].title, "dm-question?", "titled with the parent's text");
    assert_eq!(threads[0].message_count, 2);
    let in_thread: Vec<String> =
        store.thread_messages(&bo, thread, Page::default()).await.unwrap().into_iter().map(|m| m.body).collect();
    assert_eq!(in_thread, ["dm-question?", "dm-answer"], "the parent moved in, before the reply");
    let timeline: Vec<String> =
        store.dm_messages(&ana, dm, Page::default()).await.unwrap().into_iter().map(|m| m.body).collect();
    assert_eq!(timeline, ["dm-aside"]);
    // A second reply to the parent, now in the thread, goes to the same thread.
    let again = run(store, ana, "2024-01-05T11:00:00Z", reply(question, "dm-thanks")).await.unwrap();
    assert_eq!(again["thread_id"].as_i64(), Some(thread.0));
    let unread = store.unread(&bo).await.unwrap();
    assert_eq!(unread.dms.get(&dm), Some(&3), "the aside in the timeline, the question and the thanks in the thread");
    assert_eq!(store.unread_threads(&bo, baton_store::ThreadHome::Dm(dm)).await.unwrap(), [(thread, 2)]);
    // Whoever had read the question in the timeline has read it in the thread.
    let read = Command::MarkRead { target: MessageTarget::Dm(dm), up_to: baton_core::MessageId(aside) };
    run(store, bo, "2024-01-05T11:00:01Z", read).await.unwrap();
    assert_eq!(store.unread(&bo).await.unwrap().dms.get(&dm), Some(&2), "the question now counts in the thread only");

    // The owner, an admin outside the conversation, sees nothing of it.
    assert!(matches!(store.thread(&owner, thread).await, Err(Error::NotFound { .. })));
    assert!(matches!(store.thread_messages(&owner, thread, Page::default()).await, Err(Error::NotFound { .. })));
    assert!(matches!(store.dm_threads(&owner, dm, Page::default()).await, Err(Error::NotFound { .. })));
    assert!(matches!(store.unread_threads(&owner, baton_store::ThreadHome::Dm(dm)).await, Err(Error::NotFound { .. })));
    let outside = run(store, owner, "2024-01-05T12:00:00Z", reply(question, "let me in")).await;
    assert!(matches!(outside, Err(Error::NotFound { .. })), "{outside:?}");
    assert!(store
        .search(&owner, &baton_store::Search::parse("dm", &jiff::tz::TimeZone::UTC, 10).unwrap())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .search(&bo, &baton_store::Search::parse("dm", &jiff::tz::TimeZone::UTC, 10).unwrap())
            .await
            .unwrap()
            .len(),
        4
    );
    let seen_by_owner = store.events(&owner, Seq(0), 1000).await.unwrap();
    assert!(seen_by_owner.iter().all(|e| !String::from_utf8_lossy(&e.json).contains("dm-")));
    assert!(seen_by_owner.iter().all(|e| e.kind != "message.moved" && e.kind != "thread.created" || {
        let event: Value = serde_json::from_slice(&e.json).unwrap();
        event["payload"]["dm_id"].is_null()
    }));
    let seen_by_bo: Vec<String> = store
        .events(&bo, Seq(0), 1000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind.clone())
        .filter(|kind| !kind.starts_with("notification."))
        .collect();
    let tail: Vec<&str> = seen_by_bo.iter().rev().take(4).rev().map(String::as_str).collect();
    assert_eq!(tail, ["thread.created", "message.moved", "message.posted", "message.posted"]);

    // Its people may file a timeline message into one of its threads; not across conversations.
    let moved = Command::MoveToThread { message: baton_core::MessageId(aside), thread };
    assert!(matches!(run(store, owner, "2024-01-05T13:00:00Z", moved.clone()).await, Err(Error::NotFound { .. })));
    let filed = run(store, bo, "2024-01-05T13:00:00Z", moved.clone()).await.unwrap();
    assert_eq!(filed["thread_id"].as_i64(), Some(thread.0));
    assert_eq!(run(store, bo, "2024-01-05T13:00:01Z", moved).await.unwrap(), filed, "already there: unchanged");
    assert!(store.dm_messages(&ana, dm, Page::default()).await.unwrap().is_empty());

    // A deleted message starts no thread.
    let gone = id(&run(store, ana, "2024-01-05T14:00:00Z", say(MessageTarget::Dm(dm), "oops")).await.unwrap());
    run(store, ana, "2024-01-05T14:00:01Z", Command::DeleteMessage { id: baton_core::MessageId(gone) }).await.unwrap();
    let refused = run(store, bo, "2024-01-05T14:00:02Z", reply(gone, "what was it?")).await;
    assert!(matches!(refused, Err(Error::Conflict { .. })), "{refused:?}");

    // An import names a conversation once: the first export name sticks.
    let named = Command::OpenDm { members: vec![bo.member], export_name: Some("D9".into()) };
    assert_eq!(run(store, ana, "2024-01-06T00:00:00Z", named).await.unwrap()["export_name"], "D9");
    let renamed = Command::OpenDm { members: vec![bo.member], export_name: Some("D10".into()) };
    assert_eq!(run(store, ana, "2024-01-06T00:00:01Z", renamed).await.unwrap()["export_name"], "D9");
    let updates = store.events(&ana, Seq(0), 1000).await.unwrap().iter().filter(|e| e.kind == "dm.updated").count();
    assert_eq!(updates, 1);

    // The list carries each conversation's people as the conversation read alone does (the
    // list reads them for all at once).
    let three = Command::OpenDm { members: vec![owner.member, bo.member], export_name: None };
    run(store, ana, "2024-01-06T00:00:02Z", three).await.unwrap();
    let listed = store.dms(&ana).await.unwrap();
    let mut sizes: Vec<usize> = listed.iter().map(|d| d.member_ids.len()).collect();
    sizes.sort();
    assert_eq!(sizes, [2, 3]);
    for dm in &listed {
        let alone = store.dm(&ana, dm.id).await.unwrap();
        assert_eq!(serde_json::to_value(dm).unwrap(), serde_json::to_value(alone).unwrap());
    }
    assert_eq!(store.dms(&bo).await.unwrap().len(), 2);
    assert_eq!(store.dms(&owner).await.unwrap().len(), 1, "the owner is in the group one only");
}

async fn keeps_the_contract(scratch: &Scratch) {
    let store = SqlStore::open(&scratch.database).await.unwrap();
    check_store(Arc::new(store)).await;
}
on_both_backends!(keeps_the_contract);

async fn reopens_with_everything_and_continues_the_sequence(scratch: &Scratch) {
    let store = SqlStore::open(&scratch.database).await.unwrap();
    check_store(Arc::new(store.clone())).await;
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let seen_before = store.events(&owner, Seq(0), 1000).await.unwrap().len();
    let n_before = store.head().await.unwrap().0;
    store.close().await;

    let store = SqlStore::open(&scratch.database).await.unwrap();
    assert_eq!(store.events(&owner, Seq(0), 1000).await.unwrap().len(), seen_before);
    assert_eq!(store.head().await.unwrap().0, n_before);
    let project = Command::CreateProject { name: "after restart".into(), description: String::new() };
    run(&store, owner, "2024-02-01T00:00:00Z", project).await.unwrap();
    let events = store.events(&owner, Seq(n_before), 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, Seq(n_before + 1), "the sequence continues without a gap");
}
on_both_backends!(reopens_with_everything_and_continues_the_sequence);

/// `baton admin` and `baton demo` may write to a workspace a server is using, and on
/// PostgreSQL several servers do: the writers share one gap-free sequence.
async fn two_stores_on_one_database_share_the_sequence(scratch: &Scratch) {
    let first = SqlStore::open(&scratch.database).await.unwrap();
    let second = SqlStore::open(&scratch.database).await.unwrap();
    let owner = set_up(&first).await;
    for n in 0..6 {
        let store: &dyn Store = if n % 2 == 0 { &first } else { &second };
        let project = Command::CreateProject { name: format!("p{n}"), description: String::new() };
        run(store, owner, "2024-01-02T00:00:00Z", project).await.unwrap();
    }
    let seqs: Vec<i64> = second.events(&owner, Seq(0), 100).await.unwrap().iter().map(|e| e.seq.0).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
}
on_both_backends!(two_stores_on_one_database_share_the_sequence);

/// Events another process commits reach this store's live subscribers, in order.
async fn another_writers_events_are_published_live(scratch: &Scratch) {
    let server = SqlStore::open(&scratch.database).await.unwrap();
    let admin = SqlStore::open(&scratch.database).await.unwrap();
    let mut live = server.bus().subscribe();
    let owner = set_up(&admin).await;
    let project = Command::CreateProject { name: "from the server".into(), description: String::new() };
    run(&server, owner, "2024-01-02T00:00:00Z", project).await.unwrap();
    let mut seqs = Vec::new();
    while seqs.len() < 3 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), live.recv()).await.unwrap().unwrap();
        seqs.push(event.seq.0);
    }
    assert_eq!(seqs, [1, 2, 3], "the other process's setup events come first, then ours");
    let project = Command::CreateProject { name: "from admin, while idle".into(), description: String::new() };
    run(&admin, owner, "2024-01-03T00:00:00Z", project).await.unwrap();
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), live.recv()).await.unwrap().unwrap();
    assert_eq!(event.seq.0, 4);
}
on_both_backends!(another_writers_events_are_published_live);

/// Commands committed in one group: a failing one in the middle leaves nothing, the others all
/// land, and the sequence stays gap-free.
async fn failures_inside_a_group_leave_nothing(scratch: &Scratch) {
    let store = SqlStore::open(&scratch.database).await.unwrap();
    let owner = set_up(&store).await;
    let channel = Command::CreateChannel {
        name: "c".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![],
    };
    let channel = id(&run(&store, owner, "2024-01-01T00:00:01Z", channel).await.unwrap());
    let thread = Command::CreateThread {
        home: baton_core::ChannelId(channel).into(),
        title: "t".into(),
        tags: vec![],
        body: None,
    };
    let thread = ThreadId(id(&run(&store, owner, "2024-01-01T00:00:02Z", thread).await.unwrap()));
    let before = store.events(&owner, Seq(0), 1000).await.unwrap().len();

    // Every third command creates a channel, then fails on an unknown member: the channel it
    // already inserted must go with it.
    let commands = (0..40).map(|n| {
        let command = if n % 3 == 1 {
            let members = vec![MemberId(987_654)];
            Command::CreateChannel {
                name: format!("doomed-{n}"),
                visibility: Visibility::Public,
                topic: String::new(),
                members,
            }
        } else {
            Command::PostMessage {
                target: MessageTarget::Thread(thread),
                text: MessageText::new(format!("m{n}")),
                urgent: false,
            }
        };
        store.execute(Envelope::new(owner, at("2024-01-01T00:00:03Z"), command))
    });
    let answers = futures_util::future::join_all(commands).await;
    for (n, answer) in answers.iter().enumerate() {
        assert_eq!(answer.is_ok(), n % 3 != 1, "command {n}: {answer:?}");
    }
    let events = store.events(&owner, Seq(0), 1000).await.unwrap();
    assert_eq!(events.len(), before + 27);
    let seqs: Vec<i64> = events.iter().map(|e| e.seq.0).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let bodies: Vec<String> =
        store.thread_messages(&owner, thread, Page::default()).await.unwrap().into_iter().map(|m| m.body).collect();
    let want: Vec<String> = (0..40).filter(|n| n % 3 != 1).map(|n| format!("m{n}")).collect();
    assert_eq!(bodies, want);
    let channels = store.channels(&owner).await.unwrap();
    assert_eq!(channels.len(), 1, "no half-created channel is left: {channels:?}");
}
on_both_backends!(failures_inside_a_group_leave_nothing);

/// Commits `envelopes` as one group: they queue while another writer holds the lock and the
/// store's writer waits for it with a command of its own.
async fn in_one_group(scratch: &Scratch, store: &SqlStore, envelopes: Vec<Envelope>) -> Vec<Result<Value, Error>> {
    let hold = scratch.hold_writes().await;
    let waiting = {
        let store = store.clone();
        let project =
            Command::CreateProject { name: format!("p{}", store.head().await.unwrap().0), description: String::new() };
        let owner = Viewer { member: MemberId(1), role: Role::Owner };
        tokio::spawn(async move { run(&store, owner, "2024-01-02T08:00:00Z", project).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let group = {
        let store = store.clone();
        tokio::spawn(async move { store.execute_many(envelopes).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    hold.release().await;
    waiting.await.unwrap().expect("the command that waited for the lock");
    group.await.unwrap().into_iter().map(|answer| answer.map(|a| a.to_json())).collect()
}

/// One group of posts, as the writer commits them under load: posts open their savepoints with
/// their first write and keep the group's threads, followers and answers in memory. Failures
/// before and after a write, a replayed key and a deletion inside the group must all come out as
/// if every command had been committed alone.
async fn a_group_of_posts_reads_as_if_committed_one_by_one(scratch: &Scratch) {
    let store = SqlStore::open(&scratch.database).await.unwrap();
    let owner = set_up(&store).await;
    let mut people = Vec::new();
    for handle in ["bea", "cem"] {
        let added = Command::AddMember { member: member(handle, Role::Member), invite: None };
        let added = run(&store, owner, "2024-01-01T00:00:01Z", added).await.unwrap();
        people.push(Viewer { member: MemberId(id(&added["member"])), role: Role::Member });
    }
    let (bea, cem) = (people[0], people[1]);
    let channel = Command::CreateChannel {
        name: "c".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![bea.member, cem.member],
    };
    let channel = id(&run(&store, owner, "2024-01-01T00:00:02Z", channel).await.unwrap());
    let thread = Command::CreateThread {
        home: baton_core::ChannelId(channel).into(),
        title: "t".into(),
        tags: vec![],
        body: None,
    };
    let thread = ThreadId(id(&run(&store, owner, "2024-01-01T00:00:03Z", thread).await.unwrap()));
    let before = store.head().await.unwrap().0;

    let post = |viewer: Viewer, body: &str, key: Option<&str>| {
        let command = Command::PostMessage {
            target: MessageTarget::Thread(thread),
            text: MessageText::new(body.to_string()),
            urgent: false,
        };
        Envelope::new(viewer, at("2024-01-02T09:00:00Z"), command).with_idempotency_key(key.map(str::to_string))
    };
    // Inserts a channel, then fails on an unknown member: a failure after a write.
    let doomed = |n: u32| {
        let command = Command::CreateChannel {
            name: format!("doomed-{n}"),
            visibility: Visibility::Public,
            topic: String::new(),
            members: vec![MemberId(987_654)],
        };
        Envelope::new(owner, at("2024-01-02T09:00:00Z"), command)
    };
    // Fails before it writes anything.
    let lost = || {
        let command = Command::PostMessage {
            target: MessageTarget::Thread(ThreadId(987_654)),
            text: MessageText::new("nowhere".to_string()),
            urgent: false,
        };
        Envelope::new(owner, at("2024-01-02T09:00:00Z"), command)
    };
    let group = vec![
        post(bea, "one", Some("k1")),
        doomed(1),
        lost(),
        post(cem, "two", Some("k2")),
        post(bea, "one", Some("k1")),
        post(owner, "three", Some("k3")),
        doomed(2),
        lost(),
    ];
    let answers = in_one_group(scratch, &store, group).await;
    let ok: Vec<bool> = answers.iter().map(Result::is_ok).collect();
    assert_eq!(ok, [true, false, false, true, true, true, false, false], "{answers:?}");
    let first = answers[0].as_ref().unwrap();
    assert_eq!(answers[4].as_ref().unwrap(), first, "a key replayed in its own group answers the same");

    let bodies: Vec<String> =
        store.thread_messages(&owner, thread, Page::default()).await.unwrap().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["one", "two", "three"]);
    let logged: Vec<String> = store.log(Seq(before), 100).await.unwrap().iter().map(|e| e.kind.clone()).collect();
    let posted = logged.iter().filter(|kind| *kind == "message.posted").count();
    assert_eq!(posted, 3, "only the three posts were logged: {logged:?}");
    let other = |kind: &&String| !matches!(kind.as_str(), "message.posted" | "project.created");
    assert!(logged.iter().filter(other).all(|kind| kind.starts_with("notification.")), "{logged:?}");
    assert_eq!(store.channels(&owner).await.unwrap().len(), 1, "no doomed channel is left");
    let counted = store.thread(&owner, thread).await.unwrap();
    assert_eq!(counted.message_count, 3);
    for (viewer, key) in [(bea, "k1"), (cem, "k2"), (owner, "k3")] {
        let kept = store.idempotency_record(viewer.member, key).await.unwrap();
        assert!(kept.is_some(), "the answer for {key} was kept");
    }
    // Bea began posting in the group, so she followed the thread by the time Cem and the owner
    // posted: both notify her, as they would have one group apart.
    let told: Vec<String> = store
        .notifications(&bea, false, true, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.payload["message_id"].to_string())
        .collect();
    assert_eq!(told.len(), 2, "bea hears of the two posts after hers: {told:?}");
    let told_cem = store.notifications(&cem, false, true, None, 50).await.unwrap();
    assert_eq!(told_cem.len(), 1, "cem hears of the owner's post only: {told_cem:?}");

    // A post that notifies nobody (its thread's only follower left) still makes its author a
    // follower for the next post of the group.
    let dan = run(
        &store,
        owner,
        "2024-01-02T09:00:00Z",
        Command::AddMember { member: member("dan", Role::Member), invite: None },
    )
    .await
    .unwrap();
    let dan = Viewer { member: MemberId(id(&dan["member"])), role: Role::Member };
    let join = Command::AddChannelMember { channel: baton_core::ChannelId(channel), member: dan.member };
    run(&store, owner, "2024-01-02T09:00:00Z", join).await.unwrap();
    let quiet = Command::CreateThread {
        home: baton_core::ChannelId(channel).into(),
        title: "quiet".into(),
        tags: vec![],
        body: None,
    };
    let quiet = ThreadId(id(&run(&store, dan, "2024-01-02T09:00:00Z", quiet).await.unwrap()));
    let leave = Command::UpdateMember {
        id: dan.member,
        display_name: None,
        time_zone: None,
        working_hours: None,
        role: None,
        active: Some(false),
    };
    run(&store, owner, "2024-01-02T09:00:00Z", leave).await.unwrap();
    // On a Saturday, outside everyone's hours: notifications are held, and record nothing in
    // the log that would make the group read the thread's followers again.
    let in_quiet = |viewer: Viewer, body: &str| {
        let command = Command::PostMessage {
            target: MessageTarget::Thread(quiet),
            text: MessageText::new(body.to_string()),
            urgent: false,
        };
        Envelope::new(viewer, at("2024-01-06T12:00:00Z"), command)
    };
    let group = vec![in_quiet(bea, "anyone?"), in_quiet(cem, "yes"), in_quiet(owner, "both of you")];
    let quiet_posts = in_one_group(scratch, &store, group).await;
    assert!(quiet_posts.iter().all(Result::is_ok), "{quiet_posts:?}");
    let about_quiet = |viewer: Viewer| {
        let store = store.clone();
        async move {
            let all = store.notifications(&viewer, false, true, None, 50).await.unwrap();
            all.into_iter().filter(|n| n.payload["thread_id"] == quiet.0).count()
        }
    };
    assert_eq!(about_quiet(bea).await, 2, "bea, who posted first, hears of both later posts");
    assert_eq!(about_quiet(cem).await, 1, "cem follows the thread from his own post on");

    // A post and its deletion in one group: a retry of the post afterwards gets no text back.
    let (message, retried) = {
        let posted = store.execute(post(bea, "secret", Some("k4"))).await.unwrap().to_json();
        let delete = Command::DeleteMessage { id: baton_core::MessageId(id(&posted)) };
        let group = vec![post(bea, "more", Some("k5")), Envelope::new(bea, at("2024-01-02T09:00:01Z"), delete)];
        let done = in_one_group(scratch, &store, group).await;
        assert!(done.iter().all(Result::is_ok), "{done:?}");
        (id(&posted), store.execute(post(bea, "secret", Some("k4"))).await.unwrap().to_json())
    };
    assert_eq!(id(&retried), message);
    assert_eq!(retried["body"], "", "the kept answer lost the deleted text: {retried}");
    let group = vec![post(cem, "gone soon", Some("k6")), post(cem, "gone soon", Some("k6"))];
    let twice = in_one_group(scratch, &store, group).await;
    let posted = id(twice[0].as_ref().unwrap());
    let delete = Command::DeleteMessage { id: baton_core::MessageId(posted) };
    let group = vec![Envelope::new(cem, at("2024-01-02T09:00:02Z"), delete), post(cem, "gone soon", Some("k6"))];
    let after = in_one_group(scratch, &store, group).await;
    let replayed = after[1].as_ref().unwrap();
    assert_eq!((id(replayed), &replayed["body"]), (posted, &Value::from("")), "replayed in the deleting group");
}
on_both_backends!(a_group_of_posts_reads_as_if_committed_one_by_one);

/// Two writers on one database (two servers on PostgreSQL, a server and `baton admin` on
/// SQLite) commit at the same time while a reader follows the log: it never sees `seq` N+1
/// before N, and the sequence ends gap-free.
async fn concurrent_writers_never_show_a_gap(scratch: &Scratch) {
    let first = SqlStore::open(&scratch.database).await.unwrap();
    let second = SqlStore::open(&scratch.database).await.unwrap();
    let owner = set_up(&first).await;
    let want = first.head().await.unwrap().0 + 120;
    let writes = |store: SqlStore, name: &'static str| {
        tokio::spawn(async move {
            for n in 0..60 {
                let project = Command::CreateProject { name: format!("{name}{n}"), description: String::new() };
                run(&store, owner, "2024-01-02T00:00:00Z", project).await.unwrap();
            }
        })
    };
    let (a, b) = (writes(first.clone(), "a"), writes(second.clone(), "b"));
    let reader = SqlStore::open(&scratch.database).await.unwrap();
    let mut seen = 0;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while seen < want {
        for event in reader.log(Seq(seen), 1000).await.unwrap() {
            assert_eq!(event.seq.0, seen + 1, "the reader saw seq {} right after {seen}", event.seq.0);
            seen = event.seq.0;
        }
        assert!(tokio::time::Instant::now() < deadline, "the writers stopped at seq {seen} of {want}");
        tokio::task::yield_now().await;
    }
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(reader.head().await.unwrap().0, want);
}
on_both_backends!(concurrent_writers_never_show_a_gap);

/// PostgreSQL restarts, or the network drops the writer's connection: the writer gets a new one,
/// and writes go on without a gap.
#[tokio::test]
async fn a_lost_database_connection_comes_back() {
    let Some(scratch) = Scratch::postgres().await else { return };
    let store = SqlStore::open(&scratch.database).await.unwrap();
    let owner = set_up(&store).await;
    let head = store.head().await.unwrap().0;
    let baton_store::Database::Postgres(url) = &scratch.database else { unreachable!() };
    let name = url.rsplit('/').next().unwrap();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name)
    .execute(&mut admin)
    .await
    .unwrap();
    // The first write may meet the dead connection (503, nothing written); the next ones land.
    let project = |n: usize| Command::CreateProject { name: format!("p{n}"), description: String::new() };
    let first = run(&store, owner, "2024-01-02T00:00:00Z", project(0)).await;
    assert!(matches!(first, Ok(_) | Err(Error::Busy)), "{first:?}");
    for n in 1..4 {
        run(&store, owner, "2024-01-02T00:00:00Z", project(n)).await.unwrap();
    }
    let seqs: Vec<i64> = store.events(&owner, Seq(head), 100).await.unwrap().iter().map(|e| e.seq.0).collect();
    let expected = if first.is_ok() { 4 } else { 3 };
    assert_eq!(seqs, (head + 1..=head + expected).collect::<Vec<_>>());
    drop(store);
    scratch.remove().await;
}

/// Lists come in the same order on both backends, whatever collation a PostgreSQL database was
/// created with: names compare bytewise, as SQLite compares them.
#[tokio::test]
async fn names_sort_bytewise_whatever_the_database_collation() {
    let icu = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'";
    let scratches = [Some(Scratch::sqlite()), Scratch::postgres_with(icu).await];
    let mut orders = Vec::new();
    for scratch in scratches.into_iter().flatten() {
        let store = SqlStore::open(&scratch.database).await.unwrap();
        let owner = set_up(&store).await;
        for name in ["zeta", "_x", "-x", "a.b", "a-b", "ab", "b"] {
            let channel = Command::CreateChannel {
                name: name.into(),
                visibility: Visibility::Public,
                topic: String::new(),
                members: vec![],
            };
            run(&store, owner, "2024-01-01T00:00:01Z", channel).await.unwrap();
        }
        let names: Vec<String> = store.channels(&owner).await.unwrap().into_iter().map(|c| c.name).collect();
        let mut bytewise = names.clone();
        bytewise.sort();
        assert_eq!(names, bytewise, "on {:?}", scratch.database);
        orders.push(names);
        drop(store);
        scratch.remove().await;
    }
    orders.dedup();
    assert_eq!(orders.len(), 1, "{orders:?}");
}

/// Every kind of answer a command gives is kept for its idempotency key and read back, on a
/// retry, as the same kind with the same content: the typed answer survives the round trip
/// through the database.
async fn every_kind_of_answer_reads_back_the_same_on_a_retry(scratch: &Scratch) {
    use baton_core::model::Cadence;
    use baton_store::{Answer, HuddleOn, ThreadHome};

    let store = scratch.open().await;
    let owner = set_up(&store).await;
    let mut n = 0;
    // Runs `command` with a fresh key, then again with the same key; answers the first answer.
    let mut twice = async |command: Command| -> Answer {
        n += 1;
        let when = at("2024-01-01T09:00:00Z") + jiff::SignedDuration::from_secs(n);
        let key = Some(format!("key-{n}"));
        let envelope = Envelope::new(owner, when, command).with_idempotency_key(key);
        let first = store.execute(envelope.clone()).await.unwrap_or_else(|err| panic!("{:?}: {err}", envelope.command));
        let again = store.execute(envelope).await.unwrap();
        assert_eq!(again.to_json(), first.to_json(), "a retry answers what the first request got");
        assert_eq!(format!("{again:?}"), format!("{first:?}"), "and of the same kind");
        first
    };
    let ana = twice(Command::AddMember { member: member("ana", Role::Member), invite: None }).await;
    let ana = ana.into_member_added().unwrap().member.id;
    let text = |body: &str| MessageText::new(body.to_string());
    let create = Command::CreateChannel {
        name: "plans".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![ana],
    };
    let channel = twice(create).await.into_channel().unwrap().id;
    twice(Command::UpdateChannel { id: channel, name: None, topic: Some("t".into()), archived: None }).await;
    let home = ThreadHome::Channel(channel);
    let create = Command::CreateThread { home, title: "launch".into(), tags: vec![], body: Some(text("first")) };
    let thread = twice(create).await.into_thread().unwrap().id;
    twice(Command::UpdateThread { id: thread, title: None, tags: Some(vec!["x".into()]), resolved: None }).await;
    let post = Command::PostMessage { target: MessageTarget::Thread(thread), text: text("hi @ana"), urgent: false };
    let message = twice(post).await.into_message().unwrap().id;
    twice(Command::EditMessage { id: message, text: text("hello @ana") }).await;
    twice(Command::AddReaction { message, emoji: "tada".into() }).await;
    twice(Command::MarkRead { target: MessageTarget::Thread(thread), up_to: message }).await;
    twice(Command::OpenDm { members: vec![ana], export_name: None }).await.into_dm().unwrap();
    let project = twice(Command::CreateProject { name: "P".into(), description: String::new() }).await;
    let project = project.into_project().unwrap().id;
    let task = Command::CreateTask {
        project,
        title: "ship".into(),
        description: String::new(),
        assignee: Some(ana),
        status: TaskStatus::Todo,
        due: None,
        priority: Priority::Normal,
    };
    let task = twice(task).await.into_task().unwrap().id;
    let update = Command::UpdateTask {
        id: task,
        title: None,
        description: None,
        assignee: None,
        status: Some(TaskStatus::InProgress),
        due: None,
        priority: None,
    };
    twice(update).await.into_task().unwrap();
    let start = Command::StartHuddle {
        on: HuddleOn::Thread(thread),
        title: None,
        call_link: None,
        agenda: String::new(),
        invite: vec![ana],
        project: None,
        join: true,
        opens_at: None,
    };
    let huddle = twice(start).await.into_huddle().unwrap().id;
    twice(Command::RecordDecision { id: huddle, text: "go".into() }).await;
    twice(Command::EndHuddle { id: huddle }).await.into_huddle().unwrap();
    let later = at("2024-02-01T09:00:00Z");
    let send =
        Command::ScheduleMessage { target: MessageTarget::Thread(thread), body: "b".into(), urgent: false, at: later };
    let job = twice(send).await.into_job().unwrap().id;
    twice(Command::CancelJob { id: job }).await.into_job().unwrap();
    twice(Command::FollowUp { message, notify: owner.member, within_minutes: Some(60) })
        .await
        .into_job_scheduled()
        .unwrap();
    twice(Command::SetNorm { channel: Some(channel), reply_within_minutes: Some(120) })
        .await
        .into_norm_changed()
        .unwrap();
    let slot = Command::BookSlot { members: vec![ana], start: later, end: at("2024-02-01T10:00:00Z") };
    twice(slot).await.into_slot_booked().unwrap();
    let checkin = Command::CreateCheckIn {
        channel,
        title: "daily".into(),
        questions: vec!["how?".into()],
        ask_at: jiff::civil::time(9, 30, 0, 0),
        digest_at: jiff::civil::time(17, 0, 0, 0),
        members: vec![owner.member],
        cadence: Cadence::default(),
    };
    let checkin = twice(checkin).await.into_checkin().unwrap().id;
    twice(Command::AnswerCheckIn { id: checkin, body: "fine".into() }).await.into_message().unwrap();
    twice(Command::ReadNotifications { ids: None }).await.into_notifications_read().unwrap();
    let dismiss =
        Command::Advise { key: "nudge-1".into(), accepted: false, detail: serde_json::json!({}), action: None };
    twice(dismiss).await.into_advice().unwrap();
    // The rest of the commands, each once.
    let timeline = twice(Command::OpenTimeline { channel }).await.into_thread().unwrap().id;
    twice(Command::SetDisplayTitle { thread, display_title: "shown".into() }).await.into_thread().unwrap();
    let in_timeline = |body: &str| Command::PostMessage {
        target: MessageTarget::Thread(timeline),
        text: MessageText::new(body.to_string()),
        urgent: false,
    };
    let aside = twice(in_timeline("aside")).await.into_message().unwrap().id;
    twice(Command::Reply { message: aside, text: text("re"), urgent: false }).await.into_message().unwrap();
    let stray = twice(in_timeline("stray")).await.into_message().unwrap().id;
    twice(Command::MoveToThread { message: stray, thread }).await.into_message().unwrap();
    twice(Command::MarkEdited { message: stray }).await.into_message().unwrap();
    twice(Command::DeleteMessage { id: stray }).await.into_message().unwrap();
    twice(Command::RemoveReaction { message, emoji: "tada".into() }).await.into_message().unwrap();
    let rename = Command::UpdateProject { id: project, name: Some("Q".into()), description: None, archived: None };
    twice(rename).await.into_project().unwrap();
    let start = Command::StartHuddle {
        on: HuddleOn::Thread(thread),
        title: Some("again".into()),
        call_link: None,
        agenda: String::new(),
        invite: vec![],
        project: None,
        join: false,
        opens_at: None,
    };
    let second = twice(start).await.into_huddle().unwrap().id;
    twice(Command::JoinHuddle { id: second }).await.into_huddle().unwrap();
    let notes = Command::UpdateHuddle { id: second, agenda: None, notes: Some("n".into()), call_link: None };
    twice(notes).await.into_huddle().unwrap();
    let item = Command::AddActionItem { id: second, title: "do".into(), assignee: Some(ana), due: None };
    twice(item).await.into_huddle().unwrap();
    twice(Command::LeaveHuddle { id: second }).await.into_huddle().unwrap();
    twice(Command::Remind { message, note: "n".into(), at: later }).await.into_job().unwrap();
    let renamed = Command::UpdateMember {
        id: ana,
        display_name: Some("Ana".into()),
        time_zone: None,
        working_hours: None,
        role: None,
        active: None,
    };
    twice(renamed).await.into_member().unwrap();
    let bo = twice(Command::AddMember { member: member("bo", Role::Member), invite: None }).await;
    let bo = bo.into_member_added().unwrap().member.id;
    twice(Command::AddChannelMember { channel, member: bo }).await.into_channel().unwrap();
    let send =
        Command::ScheduleMessage { target: MessageTarget::Thread(thread), body: "b".into(), urgent: false, at: later };
    let job = twice(send).await.into_job().unwrap().id;
    twice(Command::FireJob { id: job }).await.into_job_fired().unwrap();
    let session = Command::IssueToken { member: ana, token_hash: "0".repeat(64) };
    assert!(matches!(twice(session).await, Answer::Nothing), "sign-in bookkeeping answers nothing");
    twice(Command::RemoveChannelMember { channel, member: ana }).await.into_left_channel().unwrap();
}

on_both_backends!(every_kind_of_answer_reads_back_the_same_on_a_retry);
