//! Send later and reminders, fired by a scheduler whose clock the test moves: each job fires
//! once, when due, with its effect; cancelled jobs never fire; a job that can no longer be done
//! fires once with the reason.

use std::sync::Arc;

use baton_server::scheduler::{ManualClock, Scheduler};
use baton_store::testing::Scratch;
use baton_store::DynStore;
use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::TestServer;

#[tokio::test]
async fn due_jobs_fire_once_when_the_clock_reaches_them() {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let shared: DynStore = Arc::new(store.clone());
    let server = TestServer::serve(data, store).await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("later").await;
    let hush =
        owner.create("/api/v1/channels", json!({"name": "hush", "visibility": "private", "member_ids": [bo.id]})).await;
    let hush_thread = owner.create(&format!("/api/v1/channels/{}/threads", hush["id"]), json!({"title": "t"})).await;

    let start = Timestamp::now();
    let at = |minutes: i64| (start + SignedDuration::from_mins(minutes)).to_string();
    let first = owner
        .create("/api/v1/scheduled-messages", json!({"thread_id": thread, "body": "good morning", "send_at": at(60)}))
        .await;
    let second = owner
        .create("/api/v1/scheduled-messages", json!({"thread_id": thread, "body": "second", "send_at": at(120)}))
        .await;
    let cancelled = owner
        .create("/api/v1/scheduled-messages", json!({"thread_id": thread, "body": "never", "send_at": at(30)}))
        .await;
    let (status, body) = owner.send(Method::DELETE, &format!("/api/v1/scheduled/{}", cancelled["id"]), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let posted = owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "remind me"})).await;
    let reminder = owner
        .create(&format!("/api/v1/messages/{}/reminders", posted["id"]), json!({"at": at(90), "note": "answer this"}))
        .await;
    // bo may post in #hush now, but is removed before the message is due.
    let lost = bo
        .create(
            "/api/v1/scheduled-messages",
            json!({"thread_id": hush_thread["id"], "body": "too late", "send_at": at(60)}),
        )
        .await;
    let (status, _) =
        owner.send(Method::DELETE, &format!("/api/v1/channels/{}/members/{}", hush["id"], bo.id), json!({})).await;
    assert!(status.is_success());

    let clock = Arc::new(ManualClock::new(start + SignedDuration::from_mins(59)));
    let scheduler = Scheduler::new(shared, clock.clone());
    assert_eq!(scheduler.run_due().await.unwrap(), 0, "nothing is due yet");
    clock.set(start + SignedDuration::from_mins(100));
    assert_eq!(scheduler.run_due().await.unwrap(), 3, "the first message, bo's and the reminder");
    assert_eq!(scheduler.run_due().await.unwrap(), 0, "each fires once");
    clock.set(start + SignedDuration::from_mins(200));
    assert_eq!(scheduler.run_due().await.unwrap(), 1);

    let (_, messages) = owner.get(&format!("/api/v1/threads/{thread}/messages")).await;
    let bodies: Vec<&str> = messages.as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["remind me", "good morning", "second"]);

    let (_, jobs) = owner.get("/api/v1/scheduled").await;
    let by_id = |id: &Value| jobs.as_array().unwrap().iter().find(|j| j["id"] == *id).cloned().unwrap();
    assert!(by_id(&first["id"])["outcome"]["message_id"].is_i64());
    assert!(by_id(&second["id"])["fired_at"].is_string());
    assert!(by_id(&cancelled["id"])["fired_at"].is_null());
    assert_eq!(by_id(&reminder["id"])["outcome"], json!({"reminded": true}));
    let (_, pending) = owner.get("/api/v1/scheduled?pending=true").await;
    assert_eq!(pending, json!([]));

    let (_, bo_jobs) = bo.get("/api/v1/scheduled").await;
    assert_eq!(bo_jobs.as_array().unwrap().len(), 1, "each member sees their own jobs");
    assert_eq!(bo_jobs[0]["id"], lost["id"]);
    assert!(bo_jobs[0]["outcome"]["error"].is_string(), "fired once, with why it could not post: {bo_jobs}");

    // The reminder is on the owner's stream only.
    let due = |events: Vec<Value>| events.into_iter().filter(|e| e["kind"] == "reminder.due").count();
    assert_eq!(due(owner.all_events().await), 1);
    assert_eq!(due(bo.all_events().await), 0);
}

#[tokio::test]
async fn bad_schedules_are_refused() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("later").await;
    for (body, status) in [
        (
            json!({"thread_id": thread, "body": "x", "send_at": "2001-01-01T00:00:00Z"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"thread_id": thread, "body": "x", "send_at": "tomorrow"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"body": "x", "send_at": "2999-01-01T00:00:00Z"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"thread_id": 98765, "body": "x", "send_at": "2999-01-01T00:00:00Z"}), StatusCode::NOT_FOUND),
        (
            json!({"thread_id": thread, "body": " ", "send_at": "2999-01-01T00:00:00Z"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (got, answer) = owner.send(Method::POST, "/api/v1/scheduled-messages", body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
    }
    let (status, _) = owner.send(Method::DELETE, "/api/v1/scheduled/4242", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_task_due_today_reminds_its_assignee_once_at_its_current_due_date() {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let shared: DynStore = Arc::new(store.clone());
    let server = TestServer::serve(data, store).await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let project = owner.create("/api/v1/projects", json!({"name": "P"})).await;
    let tasks = format!("/api/v1/projects/{}/tasks", project["id"]);
    let moved = owner.create(&tasks, json!({"title": "moved", "assignee_id": bo.id, "due": "2099-03-02"})).await;
    let kept = owner.create(&tasks, json!({"title": "kept", "assignee_id": bo.id, "due": "2099-03-03"})).await;
    let closed = owner.create(&tasks, json!({"title": "closed", "assignee_id": bo.id, "due": "2099-03-03"})).await;
    let (status, _) =
        owner.send(Method::PATCH, &format!("/api/v1/tasks/{}", moved["id"]), json!({"due": "2099-03-09"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        owner.send(Method::PATCH, &format!("/api/v1/tasks/{}", closed["id"]), json!({"status": "done"})).await;
    assert_eq!(status, StatusCode::OK);

    let clock = Arc::new(ManualClock::new("2099-03-05T00:00:00Z".parse::<Timestamp>().unwrap()));
    let scheduler = Scheduler::new(shared, clock.clone());
    scheduler.run_due().await.unwrap();
    let due_soon = |inbox: &Value| -> Vec<Value> {
        inbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "due_soon")
            .map(|n| n["payload"]["task_id"].clone())
            .collect()
    };
    let (_, inbox) = bo.get("/api/v1/inbox?held=true").await;
    assert_eq!(due_soon(&inbox), [kept["id"].clone()], "the moved task is not due yet, the closed one never");
    clock.set("2099-03-10T00:00:00Z".parse().unwrap());
    scheduler.run_due().await.unwrap();
    let (_, inbox) = bo.get("/api/v1/inbox?held=true").await;
    assert_eq!(due_soon(&inbox), [moved["id"].clone(), kept["id"].clone()], "newest first, each once");
}
