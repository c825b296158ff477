//! Huddles end to end over HTTP: start from a thread or a task, join and leave, agenda, notes,
//! decisions, action items, end; then the summary in the thread and the tasks on the board.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::TestServer;

fn kinds(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["kind"].as_str().unwrap().to_string()).filter(|k| k.starts_with("huddle.")).collect()
}

#[tokio::test]
async fn a_huddle_from_a_thread_ends_with_a_summary_and_tasks() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("launch").await;

    let start = json!({"call_link": "https://meet.example.com/abc", "agenda": "1. ship?", "invite": [bo.id]});
    let huddle = owner.create(&format!("/api/v1/threads/{thread}/huddles"), start).await;
    let id = huddle["id"].as_i64().unwrap();
    assert_eq!(huddle["title"], "launch topic", "the thread's title by default");
    assert_eq!(huddle["call_link"], "https://meet.example.com/abc");
    assert_eq!(huddle["invited"], json!([bo.id]));
    assert_eq!(huddle["participants"].as_array().unwrap().len(), 1, "the starter is in at once");

    let joined = bo.create(&format!("/api/v1/huddles/{id}/join"), json!({})).await;
    assert_eq!(joined["participants"].as_array().unwrap().len(), 2);
    let again = bo.create(&format!("/api/v1/huddles/{id}/join"), json!({})).await;
    assert_eq!(again["participants"].as_array().unwrap().len(), 2, "joining twice changes nothing");
    let left = bo.create(&format!("/api/v1/huddles/{id}/leave"), json!({})).await;
    assert!(left["participants"][1]["left_at"].is_string(), "{left}");
    let (status, body) = bo.send(Method::POST, &format!("/api/v1/huddles/{id}/leave"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "not in it any more: {body}");
    bo.create(&format!("/api/v1/huddles/{id}/join"), json!({})).await;

    let (status, updated) = owner
        .send(Method::PATCH, &format!("/api/v1/huddles/{id}"), json!({"notes": "QA is green", "agenda": "ship"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["notes"], "QA is green");
    owner.create(&format!("/api/v1/huddles/{id}/decisions"), json!({"text": "We ship on Friday"})).await;
    let item = json!({"title": "Write the release notes", "assignee_id": bo.id, "due": "2027-03-26"});
    owner.create(&format!("/api/v1/huddles/{id}/action-items"), item).await;

    let ended = owner.create(&format!("/api/v1/huddles/{id}/end"), json!({})).await;
    assert!(ended["ended_at"].is_string());
    assert!(
        ended["participants"].as_array().unwrap().iter().all(|p| p["left_at"].is_string()),
        "everyone left: {ended}"
    );
    assert_eq!(ended["participants"].as_array().unwrap().len(), 3, "bo's two stretches and the owner's");
    let task_id = ended["action_items"][0]["task_id"].as_i64().expect("the action item became a task");

    let (_, task) = owner.get(&format!("/api/v1/tasks/{task_id}")).await;
    assert_eq!(task["title"], "Write the release notes");
    assert_eq!(task["assignee_id"], bo.id);
    assert_eq!(task["due"], "2027-03-26");
    assert_eq!(task["status"], "todo");
    let (_, project) = owner.get(&format!("/api/v1/projects/{}", task["project_id"])).await;
    assert_eq!(project["name"], "Action items", "no task, no project named: the workspace's action items");

    let (_, messages) = owner.get(&format!("/api/v1/threads/{thread}/messages")).await;
    let summary = messages.as_array().unwrap().last().unwrap();
    assert_eq!(summary["id"], ended["summary_message_id"]);
    let body = summary["body"].as_str().unwrap();
    for needle in [
        "Huddle ended",
        "@owner",
        "@bo",
        "We ship on Friday",
        "Write the release notes",
        "due 2027-03-26",
        "**Notes**\n\nQA is green",
    ] {
        assert!(body.contains(needle), "{needle:?} in the summary: {body}");
    }
    assert!(summary["mentions"].as_array().unwrap().contains(&json!(bo.id)), "participants are mentioned");

    let (status, body) = bo.send(Method::POST, &format!("/api/v1/huddles/{id}/join"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "an ended huddle takes no one: {body}");
    let (status, _) = owner.send(Method::POST, &format!("/api/v1/huddles/{id}/end"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let events = owner.all_events().await;
    assert_eq!(
        kinds(&events),
        [
            "huddle.started",
            "huddle.joined",
            "huddle.joined",
            "huddle.left",
            "huddle.joined",
            "huddle.updated",
            "huddle.decision_recorded",
            "huddle.action_item_added",
            "huddle.left",
            "huddle.left",
            "huddle.ended"
        ]
    );
    let ended_event = events.iter().find(|e| e["kind"] == "huddle.ended").unwrap();
    assert_eq!(ended_event["payload"]["action_items"][0]["task_id"], task_id);

    let (_, open) = owner.get("/api/v1/huddles?open=true").await;
    assert_eq!(open, json!([]));
    let (_, all) = owner.get("/api/v1/huddles").await;
    assert_eq!(all.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_huddle_on_a_task_files_action_items_in_its_project() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let project = owner.create("/api/v1/projects", json!({"name": "Relaunch"})).await;
    let task = owner.create(&format!("/api/v1/projects/{}/tasks", project["id"]), json!({"title": "Pages"})).await;
    let huddle = owner.create(&format!("/api/v1/tasks/{}/huddles", task["id"]), json!({})).await;
    assert_eq!(huddle["task_id"], task["id"]);
    assert_eq!(huddle["thread_id"], task["thread_id"]);
    let id = huddle["id"].as_i64().unwrap();
    owner.create(&format!("/api/v1/huddles/{id}/action-items"), json!({"title": "Fix the footer"})).await;
    let ended = owner.create(&format!("/api/v1/huddles/{id}/end"), json!({})).await;
    let (_, made) = owner.get(&format!("/api/v1/tasks/{}", ended["action_items"][0]["task_id"])).await;
    assert_eq!(made["project_id"], project["id"]);
    let (_, messages) = owner.get(&format!("/api/v1/threads/{}/messages", task["thread_id"])).await;
    assert!(messages[0]["body"].as_str().unwrap().contains("Fix the footer"), "the summary is in the task's thread");
}

#[tokio::test]
async fn huddles_follow_their_threads_privacy_and_refuse_bad_input() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let channel = owner.create("/api/v1/channels", json!({"name": "hush", "visibility": "private"})).await;
    let thread = owner.create(&format!("/api/v1/channels/{}/threads", channel["id"]), json!({"title": "secret"})).await;
    let huddle = owner.create(&format!("/api/v1/threads/{}/huddles", thread["id"]), json!({})).await;
    let id = huddle["id"].as_i64().unwrap();
    for (method, path) in [
        (Method::GET, format!("/api/v1/huddles/{id}")),
        (Method::POST, format!("/api/v1/huddles/{id}/join")),
        (Method::POST, format!("/api/v1/huddles/{id}/end")),
        (Method::POST, format!("/api/v1/threads/{}/huddles", thread["id"])),
    ] {
        let (status, body) = bo.send(method.clone(), &path, json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    let (_, listed) = bo.get("/api/v1/huddles").await;
    assert_eq!(listed, json!([]), "a private channel's huddles are not listed for outsiders");

    let (status, body) = owner
        .send(
            Method::POST,
            &format!("/api/v1/threads/{}/huddles", thread["id"]),
            json!({"call_link": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = owner
        .send(Method::POST, &format!("/api/v1/huddles/{id}/action-items"), json!({"title": "x", "due": "friday"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = owner
        .send(Method::POST, &format!("/api/v1/huddles/{id}/action-items"), json!({"title": "x", "assignee_id": 999}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = owner.send(Method::POST, "/api/v1/threads/987654/huddles", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
