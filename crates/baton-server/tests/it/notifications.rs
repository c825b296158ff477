//! Notifications held outside the recipient's working hours and delivered at the start of
//! their next working period, in their own zone, the weeks the clocks change; urgent ones and
//! those inside working hours at once.

use std::sync::Arc;

use baton_core::model::{Priority, Role, TaskStatus, Visibility};
use baton_core::text::MessageText;
use baton_core::{ChannelId, DmId, MemberId, ProjectId, ThreadId};
use baton_server::scheduler::{ManualClock, Scheduler};
use baton_store::testing::Scratch;
use baton_store::{Command, DynStore, Envelope, MessageTarget, SqlStore, Store, Viewer};
use jiff::Timestamp;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{new_member, TestServer, PASSWORD};

async fn exec(store: &SqlStore, who: Viewer, at: &str, command: Command) -> Value {
    store.execute(Envelope::new(who, at.parse().unwrap(), command)).await.expect("the command applies").to_json()
}

fn post(target: MessageTarget, body: &str, urgent: bool) -> Command {
    Command::PostMessage { target, text: MessageText::new(body.into()), urgent }
}

async fn inbox(server: &TestServer, handle: &str, query: &str) -> Vec<Value> {
    let token = server.login(handle).await;
    let (_, list) = server.call(Method::GET, &format!("/api/v1/inbox?{query}"), Some(&token), None).await;
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn held_until_the_next_working_period_in_the_recipients_zone_across_dst() {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let hash = baton_server::auth::hash_password_blocking(PASSWORD).unwrap();
    let new = |handle: &str, zone: &str, role| new_member(handle, zone, role, &hash);
    let setup =
        Command::Setup { workspace_name: "W".into(), time_zone: "UTC".into(), owner: new("owner", "UTC", Role::Owner) };
    store.execute(Envelope::system("2024-09-01T00:00:00Z".parse().unwrap(), setup)).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let mut people = Vec::new();
    for (handle, zone) in [("ana", "Europe/Berlin"), ("bo", "America/New_York"), ("sy", "Australia/Sydney")] {
        let added = exec(
            &store,
            owner,
            "2024-09-01T00:00:00Z",
            Command::AddMember { member: new(handle, zone, Role::Member), invite: None },
        )
        .await;
        people.push(Viewer { member: MemberId(added["member"]["id"].as_i64().unwrap()), role: Role::Member });
    }
    let (ana, bo, sy) = (people[0], people[1], people[2]);
    let channel = Command::CreateChannel {
        name: "all".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![],
    };
    let channel = ChannelId(exec(&store, owner, "2024-09-01T00:00:00Z", channel).await["id"].as_i64().unwrap());
    let thread = Command::CreateThread { home: channel.into(), title: "plans".into(), tags: vec![], body: None };
    let thread = ThreadId(exec(&store, sy, "2024-09-02T00:00:00Z", thread).await["id"].as_i64().unwrap());

    // Friday 2024-10-04 18:00 in Berlin (16:00Z) is Saturday 02:00 in Sydney, which moves to
    // summer time on Sunday: sy's Monday 09:00 is 2024-10-06T22:00Z (AEDT, UTC+11), not 23:00Z.
    exec(&store, ana, "2024-10-04T16:00:00Z", post(MessageTarget::Thread(thread), "@sy can you check?", false)).await;
    // Friday 2024-10-25 17:00 in New York (21:00Z) is 23:00 in Berlin; Europe leaves summer time
    // on Sunday: ana's Monday 09:00 is 2024-10-28T08:00Z (CET), a week before New York changes.
    let dm = Command::OpenDm { members: vec![ana.member], export_name: None };
    let dm = DmId(exec(&store, bo, "2024-10-25T21:00:00Z", dm).await["id"].as_i64().unwrap());
    exec(&store, bo, "2024-10-25T21:00:00Z", post(MessageTarget::Dm(dm), "weekend thought", false)).await;
    // Urgent: at once, at 03:00 for ana.
    exec(&store, bo, "2024-10-26T01:00:00Z", post(MessageTarget::Dm(dm), "prod is down", true)).await;
    // Inside ana's hours (Tuesday 10:00 Berlin): at once. bo's reply in sy's thread notifies sy
    // (a follower) and ana (who posted there).
    exec(&store, bo, "2024-10-29T09:00:00Z", post(MessageTarget::Dm(dm), "morning", false)).await;
    exec(&store, bo, "2024-10-29T14:00:00Z", post(MessageTarget::Thread(thread), "done", false)).await;
    // A task assigned to ana by the owner on a Wednesday afternoon (14:00Z = 15:00 Berlin).
    let project = Command::CreateProject { name: "P".into(), description: String::new() };
    let project = ProjectId(exec(&store, owner, "2024-10-30T14:00:00Z", project).await["id"].as_i64().unwrap());
    let task = Command::CreateTask {
        project,
        title: "Review".into(),
        description: String::new(),
        assignee: Some(ana.member),
        status: TaskStatus::Todo,
        due: None,
        priority: Priority::Normal,
    };
    exec(&store, owner, "2024-10-30T14:00:00Z", task).await;

    let shared: DynStore = Arc::new(store.clone());
    let server = TestServer::serve(data, store).await;
    let held = inbox(&server, "sy", "held=true").await;
    let mention = held.iter().find(|n| n["kind"] == "mention").expect("sy's mention");
    assert_eq!(mention["deliver_at"], "2024-10-06T22:00:00Z", "Monday 09:00 AEDT");
    let weekend = inbox(&server, "ana", "held=true").await;
    let deliver_at =
        |body_kind: &str, at: &str| weekend.iter().any(|n| n["kind"] == body_kind && n["deliver_at"] == at);
    assert!(deliver_at("dm", "2024-10-28T08:00:00Z"), "Monday 09:00 CET: {weekend:?}");
    assert!(deliver_at("dm", "2024-10-26T01:00:00Z"), "urgent: at once");
    assert!(deliver_at("dm", "2024-10-29T09:00:00Z"), "inside working hours: at once");
    assert!(deliver_at("reply", "2024-10-29T14:00:00Z"), "a reply in a thread ana posted in");
    assert!(deliver_at("assigned", "2024-10-30T14:00:00Z"), "the task assignment");
    let replies = inbox(&server, "sy", "held=true").await;
    // bo's reply at Tuesday 14:00Z is Wednesday 01:00 in Sydney: held until 09:00 AEDT = 22:00Z.
    assert!(replies.iter().any(|n| n["kind"] == "reply" && n["deliver_at"] == "2024-10-29T22:00:00Z"), "{replies:?}");

    // Nothing held is in the inbox until the scheduler delivers it.
    assert!(inbox(&server, "sy", "").await.is_empty());
    let clock = Arc::new(ManualClock::new("2024-10-06T21:59:59Z".parse::<Timestamp>().unwrap()));
    let scheduler = Scheduler::new(shared, clock.clone());
    scheduler.run_due().await.unwrap();
    assert!(inbox(&server, "sy", "").await.is_empty(), "one second early");
    clock.set("2024-10-06T22:00:00Z".parse().unwrap());
    assert_eq!(scheduler.run_due().await.unwrap(), 1);
    let delivered = inbox(&server, "sy", "").await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["delivered_at"], "2024-10-06T22:00:00Z");
    clock.set("2024-12-01T00:00:00Z".parse().unwrap());
    scheduler.run_due().await.unwrap();
    assert_eq!(inbox(&server, "ana", "").await.len(), 5);

    // Live: deliveries are events on the recipient's stream only; marking read empties unread.
    let token = server.login("ana").await;
    let (_, page) = server.call(Method::GET, "/api/v1/events?since=0&limit=1000", Some(&token), None).await;
    let mine = page["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "notification.delivered").count();
    assert_eq!(mine, 5);
    let token_bo = server.login("bo").await;
    let (_, page) = server.call(Method::GET, "/api/v1/events?since=0&limit=1000", Some(&token_bo), None).await;
    assert!(page["events"].as_array().unwrap().iter().all(|e| e["kind"] != "notification.delivered"));
    let (_, marked) = server.call(Method::POST, "/api/v1/inbox/read", Some(&token), Some(json!({}))).await;
    assert_eq!(marked["read"], 5);
    assert!(inbox(&server, "ana", "unread=true").await.is_empty());
}

#[tokio::test]
async fn nobody_is_notified_of_what_they_may_not_read() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let bo = owner.add_member("bo", "member").await;
    let hush = owner
        .create("/api/v1/channels", json!({"name": "hush", "visibility": "private", "member_ids": [ana.id]}))
        .await;
    let thread = owner.create(&format!("/api/v1/channels/{}/threads", hush["id"]), json!({"title": "secret"})).await;
    ana.create(&format!("/api/v1/threads/{}/messages", thread["id"]), json!({"body": "first"})).await;
    // urgent, so delivery does not wait for anyone's working hours.
    owner
        .create(&format!("/api/v1/threads/{}/messages", thread["id"]), json!({"body": "@bo @ana look", "urgent": true}))
        .await;
    let (_, bo_inbox) = bo.get("/api/v1/inbox?held=true").await;
    assert_eq!(bo_inbox, json!([]), "bo is not in #hush: mentioning him tells him nothing");
    let (_, ana_inbox) = ana.get("/api/v1/inbox").await;
    let kinds: Vec<&str> = ana_inbox.as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["mention"], "one notification each, the mention winning over the reply");
}
