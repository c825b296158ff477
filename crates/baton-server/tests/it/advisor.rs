//! The advisor on a workspace with one planted bouncing thread, one stalled task and one
//! isolated member: exactly those suggestions appear, each accepted or dismissed once, and
//! accepting creates the huddle, the nudge and the pairing conversation.

use baton_core::model::{Priority, Role, TaskStatus, Visibility};
use baton_core::text::MessageText;
use baton_core::{ChannelId, MemberId, ProjectId, ThreadId};
use baton_store::testing::Scratch;
use baton_store::{Command, Envelope, MessageTarget, SqlStore, Store, Viewer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{new_member, TestServer, PASSWORD};

/// Handles and zones: ana in Berlin, bo in New York, everyone else in UTC.
const PEOPLE: [(&str, &str); 6] = [
    ("owner", "UTC"),
    ("ana", "Europe/Berlin"),
    ("bo", "America/New_York"),
    ("cy", "UTC"),
    ("quinn", "UTC"),
    ("dee", "UTC"),
];

/// The advisor looks at the four weeks before this Monday.
const AT: &str = "2024-05-13T00:00:00Z";

async fn exec(store: &SqlStore, who: Viewer, at: &str, command: Command) -> Value {
    store.execute(Envelope::new(who, at.parse().unwrap(), command)).await.expect("the command applies").to_json()
}

fn post(thread: ThreadId, body: &str) -> Command {
    Command::PostMessage { target: MessageTarget::Thread(thread), text: MessageText::new(body.into()), urgent: false }
}

struct Planted {
    server: TestServer,
    store: baton_store::DynStore,
    ids: Vec<MemberId>,
    bouncing: i64,
    budget: i64,
    task: i64,
    task_thread: i64,
}

async fn workspace() -> Planted {
    workspace_at(None).await
}

/// The planted workspace, served with its clock at `at` (default: the machine's).
async fn workspace_at(at: Option<&str>) -> Planted {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let hash = baton_server::auth::hash_password_blocking(PASSWORD).unwrap();
    let new = |(handle, zone): (&str, &str), role| new_member(handle, zone, role, &hash);
    let setup =
        Command::Setup { workspace_name: "W".into(), time_zone: "UTC".into(), owner: new(PEOPLE[0], Role::Owner) };
    store.execute(Envelope::system("2024-04-01T00:00:00Z".parse().unwrap(), setup)).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let mut people = vec![owner];
    for person in &PEOPLE[1..] {
        let added = exec(
            &store,
            owner,
            "2024-04-01T00:00:00Z",
            Command::AddMember { member: new(*person, Role::Member), invite: None },
        )
        .await;
        people.push(Viewer { member: MemberId(added["member"]["id"].as_i64().unwrap()), role: Role::Member });
    }
    let channel = Command::CreateChannel {
        name: "launch".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![],
    };
    let channel = ChannelId(exec(&store, owner, "2024-05-01T00:00:00Z", channel).await["id"].as_i64().unwrap());
    let thread =
        |title: &str| Command::CreateThread { home: channel.into(), title: title.into(), tags: vec![], body: None };

    // ana, bo and cy take turns eight times from Monday to Wednesday: 7 handoffs over 50 h.
    let bouncing = exec(&store, people[1], "2024-05-06T09:00:00Z", thread("Ship date")).await["id"].as_i64().unwrap();
    for n in 0..8 {
        let who = people[1 + n % 3];
        let at = format!("2024-05-{:02}T{}:00:00Z", 6 + n / 3, 10 + (n % 3) * 2);
        exec(&store, who, &at, post(ThreadId(bouncing), &format!("ship date? {n}"))).await;
    }
    // bo's question to ana on Thursday morning gets no answer.
    let budget = exec(&store, people[1], "2024-05-09T08:00:00Z", thread("Budget")).await["id"].as_i64().unwrap();
    exec(&store, people[1], "2024-05-09T08:30:00Z", post(ThreadId(budget), "numbers are in the sheet")).await;
    exec(&store, people[2], "2024-05-09T09:00:00Z", post(ThreadId(budget), "@ana can you approve the budget?")).await;
    // quinn talks to nobody: active, no collaborator.
    let ideas = exec(&store, people[4], "2024-05-07T09:00:00Z", thread("quinn's ideas")).await["id"].as_i64().unwrap();
    exec(&store, people[4], "2024-05-07T10:00:00Z", post(ThreadId(ideas), "an idea")).await;
    // cy's task has had no activity since the 1st.
    let project = Command::CreateProject { name: "Migration".into(), description: String::new() };
    let project = ProjectId(exec(&store, owner, "2024-05-01T00:00:00Z", project).await["id"].as_i64().unwrap());
    let task = Command::CreateTask {
        project,
        title: "Move data".into(),
        description: String::new(),
        assignee: Some(people[3].member),
        status: TaskStatus::InProgress,
        due: None,
        priority: Priority::Normal,
    };
    let task = exec(&store, owner, "2024-05-01T09:00:00Z", task).await;
    let ids = people.iter().map(|p| p.member).collect();
    let shared: baton_store::DynStore = std::sync::Arc::new(store.clone());
    Planted {
        store: shared,
        server: match at {
            Some(at) => TestServer::serve_at(data, store, at.parse().unwrap()).await,
            None => TestServer::serve(data, store).await,
        },
        ids,
        bouncing,
        budget,
        task: task["id"].as_i64().unwrap(),
        task_thread: task["thread_id"].as_i64().unwrap(),
    }
}

async fn advice(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, list) = server.call(Method::GET, &format!("/api/v1/advisor?at={AT}"), Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

fn keys(list: &[Value]) -> Vec<String> {
    list.iter().map(|s| s["key"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn exactly_the_planted_findings_are_suggested_and_accepting_creates_what_they_say() {
    let planted = workspace_at(Some(AT)).await;
    let server = &planted.server;
    let owner = server.login("owner").await;
    let quinn = planted.ids[4];
    let list = advice(server, &owner).await;
    // bo's question (Thursday 09:00Z) has waited 16 working hours (UTC) by Monday.
    let escalate = format!(
        "escalate-thread-{}-{}",
        planted.budget,
        "2024-05-09T09:00:00Z".parse::<jiff::Timestamp>().unwrap().as_second()
    );
    let all = [
        format!("take-live-thread-{}", planted.bouncing),
        format!("nudge-task-{}", planted.task),
        escalate.clone(),
        format!("pair-member-{}", quinn.0),
    ];
    assert_eq!(keys(&list), all);
    // A page at a time: the Link header's next pages walk the same list, once each.
    let mut walked = Vec::new();
    let mut next = Some(format!("/api/v1/advisor?at={AT}&limit=3"));
    while let Some(path) = next.take() {
        let response = reqwest::Client::new().get(server.url(&path)).bearer_auth(&owner).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        next = response.headers().get("link").map(|link| {
            let link = link.to_str().unwrap();
            assert!(link.ends_with("rel=\"next\""), "{link}");
            link[link.find('<').unwrap() + 1..link.find('>').unwrap()].to_string()
        });
        let page: Vec<Value> = response.json().await.unwrap();
        walked.extend(keys(&page));
    }
    assert_eq!(walked, all, "two pages, 3 and 1");
    for bad in ["limit=0", "limit=201", "offset=-1"] {
        let (status, _) = server.call(Method::GET, &format!("/api/v1/advisor?{bad}"), Some(&owner), None).await;
        assert!(status.is_client_error(), "{bad}: {status}");
    }
    assert_eq!(list[2]["numbers"]["waited_working_s"], 16 * 3600);
    assert!(list[2]["reason"].as_str().unwrap().starts_with("@bo asked in #launch"), "{}", list[2]);
    let (status, body) =
        server.call(Method::POST, &format!("/api/v1/advisor/{escalate}/dismiss?at={AT}"), Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list = advice(server, &owner).await;
    let want = [all[0].clone(), all[1].clone(), all[3].clone()];
    assert_eq!(keys(&list), want);

    // Take it live: ana (Berlin 07–15Z), bo (New York 13–21Z) and cy (UTC 09–17Z) meet
    // 13:00–15:00Z; the first half hour after Monday 00:00Z is Monday 13:00Z.
    let live = &list[0];
    assert_eq!(live["slot"], json!(["2024-05-13T13:00:00Z", "2024-05-13T13:30:00Z"]));
    assert_eq!(live["numbers"]["handoffs"], 7);
    assert_eq!(live["numbers"]["span_s"], 50 * 3600, "Monday 10:00 to Wednesday 12:00");
    assert!(live["reason"].as_str().unwrap().contains("bounced 7 times"), "{live}");
    // The pairing goes to cy: 8 shared working hours a day with quinn (ana 6, bo 4).
    assert_eq!(list[2]["title"], "Pair @quinn with @cy");
    assert_eq!(list[2]["numbers"]["overlap_s"], 40 * 3600);
    assert_eq!(list[1]["member_id"], planted.ids[3].0);

    // A member sees the thread and the task, not the pairing (one person's isolation).
    let ana = server.login("ana").await;
    assert_eq!(keys(&advice(server, &ana).await), want[..2]);
    let (status, body) =
        server.call(Method::POST, &format!("/api/v1/advisor/{}/accept?at={AT}", want[2]), Some(&ana), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let accept = |key: &str| {
        let url = format!("/api/v1/advisor/{key}/accept?at={AT}");
        let token = owner.clone();
        async move { server.call(Method::POST, &url, Some(&token), None).await }
    };
    let (status, live) = accept(&want[0]).await;
    assert_eq!(status, StatusCode::OK, "{live}");
    let huddle = &live["created"]["huddle"];
    assert_eq!(huddle["thread_id"], planted.bouncing);
    assert_eq!(huddle["invited"], json!([planted.ids[1].0, planted.ids[2].0, planted.ids[3].0]));
    assert_eq!(huddle["participants"], json!([]), "set up for later: nobody is in it yet");
    let (_, messages) =
        server.call(Method::GET, &format!("/api/v1/threads/{}/messages", planted.bouncing), Some(&owner), None).await;
    let invitation = messages.as_array().unwrap().last().unwrap();
    assert!(invitation["body"].as_str().unwrap().contains("2024-05-13T13:00:00Z"), "{invitation}");
    // It opens at the slot, not when accepted: nobody joins before, everyone invited may then.
    assert_eq!(huddle["opens_at"], "2024-05-13T13:00:00Z", "{huddle}");
    let id = baton_core::HuddleId(huddle["id"].as_i64().unwrap());
    let bo = Viewer { member: planted.ids[2], role: baton_core::model::Role::Member };
    let early = planted
        .store
        .execute(Envelope::new(bo, "2024-05-13T12:59:00Z".parse().unwrap(), Command::JoinHuddle { id }))
        .await;
    assert!(matches!(early, Err(baton_store::Error::Conflict { .. })), "{early:?}");
    planted
        .store
        .execute(Envelope::new(bo, "2024-05-13T13:00:00Z".parse().unwrap(), Command::JoinHuddle { id }))
        .await
        .unwrap();
    // The invitees heard of it when it was set up, and hear again, at once, when it opens.
    let invited = planted.store.notifications(&bo, false, true, None, 50).await.unwrap();
    assert!(
        invited.iter().any(|n| n.kind == "huddle_invite" && n.payload["opens_at"] == "2024-05-13T13:00:00Z"),
        "{invited:?}"
    );
    let clock = std::sync::Arc::new(baton_server::scheduler::ManualClock::new("2024-05-13T13:00:00Z".parse().unwrap()));
    baton_server::scheduler::Scheduler::new(planted.store.clone(), clock).run_due().await.unwrap();
    let opened = planted.store.notifications(&bo, false, false, None, 50).await.unwrap();
    assert!(opened.iter().any(|n| n.kind == "huddle_opens" && n.urgent && n.delivered_at.is_some()), "{opened:?}");

    let (status, nudge) = accept(&want[1]).await;
    assert_eq!(status, StatusCode::OK, "{nudge}");
    assert_eq!(nudge["created"]["message"]["thread_id"], planted.task_thread);
    assert_eq!(nudge["created"]["message"]["mentions"], json!([planted.ids[3].0]), "the assignee is mentioned");

    let url = format!("/api/v1/advisor/{}/dismiss?at={AT}", want[2]);
    let (status, dismissed) = server.call(Method::POST, &url, Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{dismissed}");
    assert_eq!(dismissed["created"], Value::Null);

    assert_eq!(advice(server, &owner).await, Vec::<Value>::new(), "decided suggestions are not offered again");
    let (status, _) = accept(&want[1]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "once");

    // Both outcomes are events; the pairing's only for admins.
    let events = |token: String| async move {
        let (_, page) = server.call(Method::GET, "/api/v1/events?since=0&limit=1000", Some(&token), None).await;
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"].as_str().unwrap().starts_with("advisor."))
            .map(|e| (e["kind"].as_str().unwrap().to_string(), e["payload"]["key"].as_str().unwrap().to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        events(owner.clone()).await,
        [
            ("advisor.dismissed".to_string(), escalate.clone()),
            ("advisor.accepted".to_string(), want[0].clone()),
            ("advisor.accepted".to_string(), want[1].clone()),
            ("advisor.dismissed".to_string(), want[2].clone())
        ]
    );
    assert_eq!(events(ana.clone()).await.len(), 3, "ana does not see the pairing's outcome");
}

#[tokio::test]
async fn accepting_a_pairing_opens_a_conversation_with_both() {
    let planted = workspace().await;
    let server = &planted.server;
    let owner = server.login("owner").await;
    let key = format!("pair-member-{}", planted.ids[4].0);
    let (status, accepted) =
        server.call(Method::POST, &format!("/api/v1/advisor/{key}/accept?at={AT}"), Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let members = &accepted["created"]["dm"]["member_ids"];
    for id in [planted.ids[0], planted.ids[3], planted.ids[4]] {
        assert!(members.as_array().unwrap().contains(&json!(id.0)), "{members}");
    }
    let (status, body) = server.call(Method::GET, "/api/v1/advisor?at=yesterday", Some(&owner), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn a_stalled_task_can_go_on_its_owners_next_check_in() {
    let planted = workspace().await;
    let server = &planted.server;
    let owner = server.login("owner").await;
    let cy = planted.ids[3];
    let checkin = json!({"title": "Daily", "questions": ["Status?"], "ask_at": "09:30", "digest_at": "16:00",
                         "member_ids": [cy.0]});
    let (status, body) = server.call(Method::POST, "/api/v1/channels/1/checkins", Some(&owner), Some(checkin)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let list = advice(server, &owner).await;
    let key = format!("checkin-task-{}", planted.task);
    let found = list.iter().find(|s| s["key"] == key.as_str()).expect("the check-in alternative to the nudge");
    assert_eq!(found["title"], "Ask @cy about \"Move data\" at the next \"Daily\" check-in");
    let (status, accepted) =
        server.call(Method::POST, &format!("/api/v1/advisor/{key}/accept?at={AT}"), Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");

    // A week of cy's asks (working days at 09:30 UTC): the first carries the task, the others
    // do not: it is asked about once.
    let clock = std::sync::Arc::new(baton_server::scheduler::ManualClock::new(
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 8),
    ));
    let scheduler = baton_server::scheduler::Scheduler::new(planted.store.clone(), clock);
    scheduler.run_due().await.unwrap();
    let cy_token = server.login("cy").await;
    let (_, inbox) = server.call(Method::GET, "/api/v1/inbox", Some(&cy_token), None).await;
    let mut prompts: Vec<&Value> = inbox.as_array().unwrap().iter().filter(|n| n["kind"] == "checkin").collect();
    prompts.sort_by_key(|n| n["payload"]["day"].as_str().unwrap().to_string());
    assert!(prompts.len() >= 4, "a week of asks: {inbox}");
    assert_eq!(prompts[0]["payload"]["agenda"], json!([{"task_id": planted.task, "title": "Move data"}]));
    assert!(prompts[1..].iter().all(|n| n["payload"]["agenda"] == json!([])), "asked about once");
}
