//! A deleted message is gone: its text, its edits and its mentions leave every read, the log
//! itself (the events stay, redacted), a retry's stored answer, and the database files on disk.
//! Only its place, author and time remain.

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestServer;
use crate::stream::connect;

const SECRETS: [&str; 3] = ["first-secret-7731", "edited-secret-8842", "@bo"];

fn assert_gone(label: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{label} still holds {secret:?}: {text}");
    }
}

#[tokio::test]
async fn a_deleted_message_leaves_the_log_the_reads_and_the_files() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("general").await;
    let post = json!({"body": "first-secret-7731 for @bo?"});
    let key = "retry-me";
    let send = || {
        server
            .http
            .post(server.url(&format!("/api/v1/threads/{thread}/messages")))
            .bearer_auth(&owner.token)
            .header("Idempotency-Key", key)
            .json(&post)
    };
    let posted: serde_json::Value = send().send().await.unwrap().json().await.unwrap();
    let id = posted["id"].as_i64().unwrap();
    let (status, _) = owner
        .send(reqwest::Method::PATCH, &format!("/api/v1/messages/{id}"), json!({"body": "edited-secret-8842"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "an innocent reply"})).await;
    let (status, deleted) = owner.send(reqwest::Method::DELETE, &format!("/api/v1/messages/{id}"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["deleted"], true);

    for reader in [&owner, &bo] {
        let events = reader.all_events().await;
        assert_gone("GET /events since 0", &serde_json::to_string(&events).unwrap());
        let posted =
            events.iter().find(|e| e["kind"] == "message.posted" && e["payload"]["message"]["id"] == id).unwrap();
        assert_eq!(posted["payload"]["redacted"], true, "the event stays, redacted: {posted}");
        assert_eq!(posted["payload"]["message"]["author_id"], owner.id, "its author and place stay");
        assert!(events.iter().any(|e| e.to_string().contains("an innocent reply")), "the rest is untouched");
        let mut socket = connect(&server, &reader.token, 0).await;
        let mut frames = Vec::new();
        while let Ok(Some(Ok(frame))) = tokio::time::timeout(std::time::Duration::from_millis(400), socket.next()).await
        {
            frames.push(frame.to_string());
        }
        assert!(frames.len() >= events.len(), "the stream replayed the log");
        assert_gone("the stream resumed from 0", &frames.join("\n"));
        let (_, found) = reader.get("/api/v1/search?q=secret").await;
        assert_eq!(found, json!([]));
        let (_, message) = reader.get(&format!("/api/v1/messages/{id}")).await;
        assert_gone("GET /messages/{id}", &message.to_string());
        let (_, history) = reader.get(&format!("/api/v1/messages/{id}/history")).await;
        assert_eq!(history, json!([]), "no edit history");
    }
    // A retry of the original post answers with what is left of it, and posts nothing new.
    let retried: serde_json::Value = send().send().await.unwrap().json().await.unwrap();
    assert_eq!(retried["id"], id);
    assert_gone("a retried post's answer", &retried.to_string());

    // Nor do the database files keep it: secure_delete zeroes freed space, and the write-ahead
    // log was checkpointed and emptied after the deletion.
    for file in ["baton.db", "baton.db-wal"] {
        let path = server.data_dir().join(file);
        let Ok(bytes) = std::fs::read(&path) else { continue };
        for secret in &SECRETS[..2] {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{file} still holds {secret:?}");
        }
    }
}
