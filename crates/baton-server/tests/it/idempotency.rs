//! A create retried with the same `Idempotency-Key` never creates a second thing, even when the
//! retries race.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::TestServer;

async fn race(server: &TestServer, token: &str, path: &str, body: Value, key: &str, n: usize) -> Vec<Value> {
    let requests = (0..n).map(|_| {
        let request = server.http.post(server.url(path)).bearer_auth(token).header("Idempotency-Key", key).json(&body);
        async move {
            let response = request.send().await.expect("an answer");
            assert_eq!(response.status(), StatusCode::CREATED);
            response.json::<Value>().await.expect("a JSON answer")
        }
    });
    futures_util::future::join_all(requests).await
}

#[tokio::test]
async fn concurrent_retries_create_one_message_and_one_task() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("retries").await;
    let path = format!("/api/v1/threads/{thread}/messages");

    let answers = race(&server, &owner.token, &path, json!({"body": "only once"}), "key-1", 16).await;
    let ids: Vec<&Value> = answers.iter().map(|a| &a["id"]).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "every retry gets the first answer: {ids:?}");
    let (_, listed) = owner.get(&path).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let first_message = answers[0]["id"].clone();

    let project = owner.create("/api/v1/projects", json!({"name": "p"})).await["id"].as_i64().unwrap();
    let tasks_path = format!("/api/v1/projects/{project}/tasks");
    let answers = race(&server, &owner.token, &tasks_path, json!({"title": "once"}), "key-2", 16).await;
    assert!(answers.iter().all(|a| a["id"] == answers[0]["id"]));
    let (_, tasks) = owner.get(&tasks_path).await;
    assert_eq!(tasks.as_array().unwrap().len(), 1);

    let events = owner.all_events().await;
    let posted = events.iter().filter(|e| e["kind"] == "message.posted").count();
    let created = events.iter().filter(|e| e["kind"] == "task.created").count();
    assert_eq!((posted, created), (1, 1));

    // A different key, or another member with the same key, is a new request.
    owner.create(&path, json!({"body": "second"})).await;
    let ana = owner.add_member("ana", "member").await;
    let theirs = race(&server, &ana.token, &path, json!({"body": "ana's"}), "key-1", 2).await;
    assert!(theirs.iter().all(|a| a["id"] == theirs[0]["id"]));
    assert_ne!(theirs[0]["id"], first_message);
    let (_, listed) = owner.get(&path).await;
    assert_eq!(listed.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_key_answers_only_the_request_it_was_first_used_with() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("reuse").await;
    let url = server.url("/api/v1/channels");
    let first =
        server.http.post(&url).bearer_auth(&owner.token).header("Idempotency-Key", "k").json(&json!({"name": "once"}));
    assert_eq!(first.send().await.unwrap().status(), StatusCode::CREATED);
    let other = server
        .http
        .post(server.url(&format!("/api/v1/threads/{thread}/messages")))
        .bearer_auth(&owner.token)
        .header("Idempotency-Key", "k")
        .json(&json!({"body": "a different request"}));
    let response = other.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("Idempotency-Key"), "{body}");
    let (_, messages) = owner.get(&format!("/api/v1/threads/{thread}/messages")).await;
    assert_eq!(messages, json!([]), "nothing was posted under the reused key");
}

#[tokio::test]
async fn a_retried_invitation_hands_out_the_token_that_works() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let body = json!({"handle": "newbie", "email": "newbie@example.com"});
    let answers = race(&server, &owner.token, "/api/v1/members", body, "invite-1", 2).await;
    assert_eq!(answers[0]["invite_token"], answers[1]["invite_token"]);
    let accept = json!({"invite_token": answers[1]["invite_token"], "password": "newbie-password"});
    let (status, session) = server.call(reqwest::Method::POST, "/api/v1/invites/accept", None, Some(accept)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
}
