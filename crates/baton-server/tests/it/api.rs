//! The happy path of every endpoint, and the errors each is known for.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{seqs, TestServer, PASSWORD};

#[tokio::test]
async fn setup_login_logout_and_profile() {
    let server = TestServer::start().await;
    let (status, _) = server.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let owner = server.setup().await;

    let again = json!({"workspace_name": "Other", "handle": "x", "email": "x@example.com", "password": PASSWORD});
    let (status, body) = server.call(Method::POST, "/api/v1/setup", None, Some(again)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "conflict");

    let (status, me) = owner.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["handle"], "owner");
    assert_eq!(me["role"], "owner");
    assert_eq!(me["time_zone"], "Europe/Berlin");

    let hours = json!({"mon": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "16:30"}]});
    let (status, me) =
        owner.send(Method::PATCH, "/api/v1/me", json!({"time_zone": "Asia/Kolkata", "working_hours": hours})).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["time_zone"], "Asia/Kolkata");
    assert_eq!(me["working_hours"]["mon"][1]["end"], "16:30");
    assert_eq!(me["working_hours"]["tue"], json!([]));

    let login = json!({"email": "owner", "password": PASSWORD});
    let (status, session) = server.call(Method::POST, "/api/v1/auth/login", None, Some(login)).await;
    assert_eq!(status, StatusCode::OK, "login by handle");
    let token = session["token"].as_str().unwrap().to_string();
    assert_ne!(token, owner.token, "every login gets its own token");

    let (status, _) = server.call(Method::POST, "/api/v1/auth/logout", Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = server.call(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked token no longer works: {body}");
    let (status, _) = owner.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "other sessions stay");
}

#[tokio::test]
async fn members_roles_and_invitations() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;

    let (status, list) = owner.get("/api/v1/members").await;
    assert_eq!(status, StatusCode::OK);
    let handles: Vec<&str> = list.as_array().unwrap().iter().map(|m| m["handle"].as_str().unwrap()).collect();
    assert_eq!(handles, ["ana", "owner"], "sorted by handle");
    assert_eq!(list[0]["email"], "ana@example.com", "admins see e-mail addresses");

    let (_, seen_by_ana) = ana.get(&format!("/api/v1/members/{}", owner.id)).await;
    assert!(seen_by_ana.get("email").is_none(), "members do not see others' e-mail: {seen_by_ana}");

    let body = json!({"handle": "bo", "email": "bo@example.com"});
    let (status, body) = ana.send(Method::POST, "/api/v1/members", body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let added =
        owner.create("/api/v1/members", json!({"handle": "cy", "email": "cy@example.com", "role": "guest"})).await;
    let invite = added["invite_token"].as_str().expect("an invitation token without a password");
    let accept = json!({"invite_token": invite, "password": "a-new-password"});
    let (status, session) = server.call(Method::POST, "/api/v1/invites/accept", None, Some(accept.clone())).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(session["member"]["handle"], "cy");
    let (status, _) = server.call(Method::POST, "/api/v1/invites/accept", None, Some(accept)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an invitation works once");

    let (status, changed) =
        owner.send(Method::PATCH, &format!("/api/v1/members/{}", ana.id), json!({"role": "admin"})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["role"], "admin");
    let (status, _) =
        ana.send(Method::PATCH, &format!("/api/v1/members/{}", owner.id), json!({"role": "member"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an admin cannot demote the owner");
    let (status, body) =
        owner.send(Method::PATCH, &format!("/api/v1/members/{}", owner.id), json!({"role": "admin"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "the last owner stays: {body}");

    let (status, _) = owner.send(Method::PATCH, &format!("/api/v1/members/{}", ana.id), json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ana.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a deactivated member's tokens stop working");
}

#[tokio::test]
async fn channels_threads_and_membership() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let (channel, thread) = owner.channel_and_thread("General Chat").await;

    let (_, shown) = owner.get(&format!("/api/v1/channels/{channel}")).await;
    assert_eq!(shown["name"], "general-chat");
    assert_eq!(shown["visibility"], "public");
    assert_eq!(shown["is_member"], true);

    let (status, body) = owner.send(Method::POST, "/api/v1/channels", json!({"name": "general-chat"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let (_, joined) = ana.send(Method::POST, &format!("/api/v1/channels/{channel}/join"), json!({})).await;
    assert_eq!(joined["is_member"], true);
    let (_, members) = owner.get(&format!("/api/v1/channels/{channel}/members")).await;
    assert_eq!(members.as_array().unwrap().len(), 2);
    let (status, _) =
        ana.send(Method::DELETE, &format!("/api/v1/channels/{channel}/members/{}", ana.id), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, members) = owner.get(&format!("/api/v1/channels/{channel}/members")).await;
    assert_eq!(members.as_array().unwrap().len(), 1);

    let (status, renamed) =
        owner.send(Method::PATCH, &format!("/api/v1/channels/{channel}"), json!({"topic": "all hands"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["topic"], "all hands");
    let (status, _) = ana.send(Method::PATCH, &format!("/api/v1/channels/{channel}"), json!({"topic": "mine"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, threads) = ana.get(&format!("/api/v1/channels/{channel}/threads")).await;
    assert_eq!(threads[0]["id"], thread);
    let (status, resolved) = ana
        .send(Method::PATCH, &format!("/api/v1/threads/{thread}"), json!({"resolved": true, "tags": ["Decision"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["resolved"], true);
    assert_eq!(resolved["tags"], json!(["decision"]));

    let with_body = owner
        .create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "kickoff", "body": "first words"}))
        .await;
    assert_eq!(with_body["message_count"], 1);

    let events = owner.all_events().await;
    let created = events.iter().find(|e| e["kind"] == "channel.created").expect("a channel.created event");
    assert_eq!(created["payload"]["channel"]["name"], "general-chat");
    assert!(created["payload"]["channel"].get("is_member").is_none(), "membership is the reader's, not the event's");
    let kinds: Vec<String> = events.iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect();
    for kind in [
        "channel.created",
        "channel.member_added",
        "channel.member_removed",
        "thread.created",
        "thread.resolved",
        "thread.updated",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} event in {kinds:?}");
    }
}

#[tokio::test]
async fn messages_edits_tombstones_reactions_and_search() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let (_, thread) = owner.channel_and_thread("dev").await;
    let path = format!("/api/v1/threads/{thread}/messages");

    let posted = owner.create(&path, json!({"body": "Hello **@ana**, ready?"})).await;
    let id = posted["id"].as_i64().unwrap();
    assert_eq!(posted["mentions"], json!([ana.id]));
    assert!(posted["html"].as_str().unwrap().contains("<strong>"));
    ana.create(&path, json!({"body": "<script>alert(1)</script> yes", "urgent": true})).await;

    let (_, listed) = ana.get(&path).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(!listed[1]["html"].as_str().unwrap().contains("<script"), "rendered HTML is sanitized");
    assert_eq!(listed[1]["urgent"], true);
    let (_, page) = ana.get(&format!("{path}?after={id}&limit=1")).await;
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_ne!(page[0]["id"], id);

    let (status, edited) =
        owner.send(Method::PATCH, &format!("/api/v1/messages/{id}"), json!({"body": "Hello again"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(edited["body"], "Hello again");
    assert!(edited["edited_at"].is_string());
    assert_eq!(edited["mentions"], json!([]));
    let (_, history) = owner.get(&format!("/api/v1/messages/{id}/history")).await;
    assert_eq!(history[0]["body"], "Hello **@ana**, ready?");
    let (status, _) = ana.send(Method::PATCH, &format!("/api/v1/messages/{id}"), json!({"body": "hijack"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the author edits");

    let (_, reacted) =
        ana.send(Method::POST, &format!("/api/v1/messages/{id}/reactions"), json!({"emoji": "+1"})).await;
    assert_eq!(reacted["reactions"], json!([{"emoji": "+1", "members": [ana.id]}]));
    let (_, unreacted) = ana.send(Method::DELETE, &format!("/api/v1/messages/{id}/reactions/+1"), json!({})).await;
    assert_eq!(unreacted["reactions"], json!([]));

    let (_, found) = ana.get("/api/v1/search?q=again").await;
    assert_eq!(found.as_array().unwrap().len(), 1);

    let (status, deleted) = owner.send(Method::DELETE, &format!("/api/v1/messages/{id}"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deleted["deleted"], true);
    assert_eq!(deleted["body"], "");
    let (_, listed) = ana.get(&path).await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "a tombstone keeps its place");
    let (_, history) = owner.get(&format!("/api/v1/messages/{id}/history")).await;
    assert_eq!(history, json!([]), "deleting drops the old text too");
    let (_, found) = ana.get("/api/v1/search?q=again").await;
    assert_eq!(found, json!([]));
    let (status, _) = owner.send(Method::PATCH, &format!("/api/v1/messages/{id}"), json!({"body": "back"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn direct_conversations() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let bo = owner.add_member("bo", "member").await;

    let dm = owner.create("/api/v1/dms", json!({"member_ids": [ana.id]})).await;
    let again = ana.create("/api/v1/dms", json!({"member_ids": [owner.id]})).await;
    assert_eq!(dm["id"], again["id"], "one conversation per set of people");
    assert_eq!(dm["name"], "ana,owner");
    let dm_id = dm["id"].as_i64().unwrap();
    let group = owner.create("/api/v1/dms", json!({"member_ids": [ana.id, bo.id]})).await;
    assert_ne!(group["id"], dm["id"]);

    owner.create(&format!("/api/v1/dms/{dm_id}/messages"), json!({"body": "psst"})).await;
    let (_, messages) = ana.get(&format!("/api/v1/dms/{dm_id}/messages")).await;
    assert_eq!(messages[0]["body"], "psst");
    let (_, mine) = ana.get("/api/v1/dms").await;
    assert_eq!(mine.as_array().unwrap().len(), 2);
    assert_eq!(mine[0]["id"], dm_id, "the conversation with the latest message first");

    let (status, _) = bo.get(&format!("/api/v1/dms/{dm_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = owner.send(Method::POST, "/api/v1/dms", json!({"member_ids": []})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, notes) = owner.send(Method::POST, "/api/v1/dms", json!({"member_ids": [owner.id]})).await;
    assert!(status.is_success(), "naming only yourself opens notes to self (a Slack self-DM): {notes}");
    assert_eq!(notes["member_ids"], json!([owner.id]));
    let (status, _) = owner.send(Method::POST, "/api/v1/dms", json!({"member_ids": [987654]})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn projects_tasks_and_their_history() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let project = owner.create("/api/v1/projects", json!({"name": "Relaunch", "description": "new site"})).await;
    let project_id = project["id"].as_i64().unwrap();
    let task = owner
        .create(
            &format!("/api/v1/projects/{project_id}/tasks"),
            json!({"title": "Write copy", "assignee_id": ana.id, "due": "2027-01-15", "priority": "high"}),
        )
        .await;
    let task_id = task["id"].as_i64().unwrap();
    assert_eq!(task["status"], "todo");
    assert_eq!(task["due"], "2027-01-15");

    let (_, thread) = ana.get(&format!("/api/v1/threads/{}", task["thread_id"])).await;
    assert_eq!(thread["task_id"], task_id, "every task owns a thread");
    ana.create(&format!("/api/v1/threads/{}/messages", task["thread_id"]), json!({"body": "on it"})).await;

    let path = format!("/api/v1/tasks/{task_id}");
    let (_, moved) = ana.send(Method::PATCH, &path, json!({"status": "in_progress"})).await;
    assert_eq!(moved["status"], "in_progress");
    let (_, moved) =
        ana.send(Method::PATCH, &path, json!({"status": "done", "due": null, "assignee_id": owner.id})).await;
    assert_eq!(moved["status"], "done");
    assert!(moved["done_at"].is_string());
    assert_eq!(moved["due"], Value::Null);
    assert_eq!(moved["assignee_id"], owner.id);
    let (_, kept) = ana.send(Method::PATCH, &path, json!({"title": "Write better copy"})).await;
    assert_eq!(kept["assignee_id"], owner.id, "a missing field stays as it is");

    let (_, history) = owner.get(&format!("{path}/history")).await;
    let kinds: Vec<&str> = history.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "task.created",
            "task.status_changed",
            "task.assigned",
            "task.due_changed",
            "task.status_changed",
            "task.updated"
        ]
    );
    assert_eq!(history[4]["payload"]["from"], "in_progress");
    assert_eq!(history[4]["payload"]["to"], "done");

    let (_, by_project) = owner.get(&format!("/api/v1/projects/{project_id}/tasks")).await;
    assert_eq!(by_project.as_array().unwrap().len(), 1);
    let (_, done) = owner.get("/api/v1/tasks?status=done").await;
    assert_eq!(done.as_array().unwrap().len(), 1);
    let (_, todo) = owner.get("/api/v1/tasks?status=todo").await;
    assert_eq!(todo, json!([]));
    let (_, renamed) =
        owner.send(Method::PATCH, &format!("/api/v1/projects/{project_id}"), json!({"archived": true})).await;
    assert_eq!(renamed["archived"], true);
}

#[tokio::test]
async fn events_are_gap_free_and_paged() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("log").await;
    for n in 0..30 {
        owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": format!("m{n}")})).await;
    }
    let events = owner.all_events().await;
    let seqs = seqs(&events);
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let (_, page) = owner.get("/api/v1/events?since=3&limit=5").await;
    assert_eq!(seqs_of(&page), vec![4, 5, 6, 7, 8]);
    assert_eq!(page["next_since"], 8);
    let (_, tail) = owner.get(&format!("/api/v1/events?since={}", seqs.len())).await;
    assert_eq!(tail["events"], json!([]));
    for event in &events {
        assert_eq!(event["workspace"], 1);
        assert_eq!(event["source"], "baton");
        assert!(event["at"].as_str().unwrap().ends_with('Z'));
    }
}

fn seqs_of(page: &Value) -> Vec<i64> {
    page["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let server = TestServer::start().await;
    let (status, doc) = server.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/setup",
        "/api/v1/auth/login",
        "/api/v1/members",
        "/api/v1/channels/{channel_id}/threads",
        "/api/v1/threads/{thread_id}/messages",
        "/api/v1/messages/{message_id}/reactions",
        "/api/v1/dms/{dm_id}/messages",
        "/api/v1/projects/{project_id}/tasks",
        "/api/v1/tasks/{task_id}",
        "/api/v1/events",
        "/api/v1/stream",
        "/api/v1/search",
    ] {
        assert!(paths.contains_key(path), "{path} is not in the OpenAPI document");
    }
    let n_operations: usize = paths.values().map(|item| item.as_object().unwrap().len()).sum();
    assert!(n_operations >= 40, "only {n_operations} operations");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

/// Every answer says how long the server took to make it (what `bench/pages` reads), pages and
/// errors too.
#[tokio::test]
async fn every_answer_has_its_server_timing() {
    let server = TestServer::start().await;
    for path in ["/healthz", "/api/v1/no-such-route", "/login"] {
        let response = server.http.get(server.url(path)).send().await.expect("an answer");
        let timing = response.headers().get("server-timing").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let millis: f64 = timing.strip_prefix("app;dur=").and_then(|d| d.parse().ok()).unwrap_or(-1.0);
        assert!(millis >= 0.0, "{path}: server-timing {timing:?}");
    }
}
