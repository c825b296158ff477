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
