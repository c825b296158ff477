//! Norms over HTTP, and follow-ups ("if nobody answers within the norm, notify X") fired by a
//! scheduler whose clock the test moves.

use std::sync::Arc;

use baton_server::scheduler::{ManualClock, Scheduler};
use baton_store::testing::Scratch;
use baton_store::DynStore;
use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestServer;

#[tokio::test]
async fn norms_per_workspace_and_channel() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (channel, _) = owner.channel_and_thread("support").await;
    let (_, norms) = owner.get("/api/v1/norms").await;
    assert_eq!(norms, json!({"default_reply_within_minutes": 240, "channels": []}));

    let (status, _) = owner.send(Method::PUT, "/api/v1/norms", json!({"reply_within_hours": 4.5})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = bo.send(Method::PUT, "/api/v1/norms", json!({"reply_within_hours": 1})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) =
        owner.send(Method::PUT, &format!("/api/v1/channels/{channel}/norm"), json!({"reply_within_hours": 1})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, norms) = bo.get("/api/v1/norms").await;
    assert_eq!(norms["default_reply_within_minutes"], 270);
    assert_eq!(norms["channels"], json!([{"channel_id": channel, "name": "support", "reply_within_minutes": 60}]));
    let (status, body) =
        bo.send(Method::PUT, &format!("/api/v1/channels/{channel}/norm"), json!({"reply_within_hours": 2})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only its creator or an admin: {body}");
    for bad in [json!({"reply_within_hours": 0}), json!({"reply_within_hours": 100}), json!({})] {
        let (status, body) = owner.send(Method::PUT, &format!("/api/v1/channels/{channel}/norm"), bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (status, _) =
        owner.send(Method::PUT, &format!("/api/v1/channels/{channel}/norm"), json!({"reply_within_hours": null})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, norms) = owner.get("/api/v1/norms").await;
    assert_eq!(norms["channels"], json!([]), "back to the default");
}

#[tokio::test]
async fn a_follow_up_notifies_when_nobody_answers_and_not_when_someone_does() {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let shared: DynStore = Arc::new(store.clone());
    let server = TestServer::serve(data, store).await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("support").await;
    let answered = owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "and this?"})).await;
    let (_, thread2) = owner.channel_and_thread("quiet").await;
    let unanswered = owner.create(&format!("/api/v1/threads/{thread2}/messages"), json!({"body": "hello?"})).await;
    let mut due = Vec::new();
    for message in [&answered, &unanswered] {
        let follow = owner
            .create(
                &format!("/api/v1/messages/{}/follow-up", message["id"]),
                json!({"notify_member_id": bo.id, "within_hours": 2}),
            )
            .await;
        assert_eq!(follow["within_minutes"], 120);
        due.push(follow["due_at"].as_str().unwrap().parse::<Timestamp>().unwrap());
    }
    bo.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "here"})).await;
    let (status, body) = owner
        .send(
            Method::POST,
            &format!("/api/v1/messages/{}/follow-up", unanswered["id"]),
            json!({"notify_member_id": 4242}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Two working hours in the workspace's calendar (UTC, Mon–Fri 09–17) after now.
    assert!(due[0].duration_since(Timestamp::now()) >= SignedDuration::from_hours(2) - SignedDuration::from_secs(5));
    let clock = Arc::new(ManualClock::new(*due.iter().max().unwrap()));
    let scheduler = Scheduler::new(shared, clock);
    // The two follow-ups, and any notification held until the owner's working hours.
    assert!(scheduler.run_due().await.unwrap() >= 2);
    let (_, inbox) = bo.get("/api/v1/inbox?held=true").await;
    let no_reply: Vec<_> = inbox.as_array().unwrap().iter().filter(|n| n["kind"] == "no_reply").collect();
    assert_eq!(no_reply.len(), 1, "only the unanswered message: {inbox}");
    assert_eq!(no_reply[0]["payload"]["message_id"], unanswered["id"]);
}
