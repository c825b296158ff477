//! Private channels and direct messages never leak to someone outside them: not through lists,
//! direct reads, the event log, the stream, search or error messages.

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Client, TestServer};
use crate::stream::connect;

const SECRETS: [&str; 4] = ["hush-channel", "hush topic", "hush-text-31337", "dm-text-4242"];

fn assert_hidden(label: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{label} shows {secret:?} to an outsider: {text}");
    }
}

async fn assert_not_found(outsider: &Client<'_>, path: &str) {
    let (status, body) = outsider.get(path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}: {body}");
    assert_eq!(body["error"]["code"], "not_found");
    assert_hidden(path, &body.to_string());
}

#[tokio::test]
async fn outsiders_see_nothing_private() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let outsider = owner.add_member("outsider", "member").await;
    let third = owner.add_member("third", "member").await;

    let (_, public_thread) = owner.channel_and_thread("open").await;
    owner.create(&format!("/api/v1/threads/{public_thread}/messages"), json!({"body": "public words"})).await;
    let private = owner.create("/api/v1/channels", json!({"name": "hush-channel", "visibility": "private"})).await;
    let channel = private["id"].as_i64().unwrap();
    let thread = owner.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "hush topic"})).await;
    let thread = thread["id"].as_i64().unwrap();
    let message = owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "hush-text-31337"})).await;
    let message = message["id"].as_i64().unwrap();
    owner.create(&format!("/api/v1/channels/{channel}/members"), json!({"member_id": third.id})).await;
    let dm = owner.create("/api/v1/dms", json!({"member_ids": [third.id]})).await["id"].as_i64().unwrap();
    owner.create(&format!("/api/v1/dms/{dm}/messages"), json!({"body": "dm-text-4242"})).await;

    let (_, channels) = outsider.get("/api/v1/channels").await;
    assert_hidden("GET /channels", &channels.to_string());
    assert_eq!(channels.as_array().unwrap().len(), 1, "only the public channel");
    let (_, dms) = outsider.get("/api/v1/dms").await;
    assert_eq!(dms, json!([]));

    for path in [
        format!("/api/v1/channels/{channel}"),
        format!("/api/v1/channels/{channel}/threads"),
        format!("/api/v1/channels/{channel}/members"),
        format!("/api/v1/threads/{thread}"),
        format!("/api/v1/threads/{thread}/messages"),
        format!("/api/v1/messages/{message}"),
        format!("/api/v1/messages/{message}/history"),
        format!("/api/v1/dms/{dm}"),
        format!("/api/v1/dms/{dm}/messages"),
    ] {
        assert_not_found(&outsider, &path).await;
    }
    // Writing into them is refused the same way, and reveals nothing either.
    let (status, body) = outsider
        .send(reqwest::Method::POST, &format!("/api/v1/threads/{thread}/messages"), json!({"body": "hi"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) =
        outsider.send(reqwest::Method::POST, &format!("/api/v1/channels/{channel}/join"), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a private channel cannot be joined from outside");

    let events = outsider.all_events().await;
    assert_hidden("GET /events", &serde_json::to_string(&events).unwrap());
    assert!(events.iter().any(|e| e.to_string().contains("public words")), "the outsider does see public messages");

    let (_, found) = outsider.get("/api/v1/search?q=hush").await;
    assert_eq!(found, json!([]));
    let (_, found) = outsider.get("/api/v1/search?q=dm-text").await;
    assert_eq!(found, json!([]));
    let (_, found) = third.get("/api/v1/search?q=hush-text").await;
    assert_eq!(found.as_array().unwrap().len(), 1, "a member of the channel finds it");

    let mut socket = connect(&server, &outsider.token, 0).await;
    let mut frames = Vec::new();
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(std::time::Duration::from_millis(500), socket.next()).await {
        frames.push(frame.to_string());
    }
    assert!(!frames.is_empty());
    assert_hidden("the stream", &frames.join("\n"));

    // Once added, the same member sees the channel's history.
    owner.create(&format!("/api/v1/channels/{channel}/members"), json!({"member_id": outsider.id})).await;
    let (status, _) = outsider.get(&format!("/api/v1/threads/{thread}/messages")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn guests_see_only_the_channels_they_are_in() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let guest = owner.add_member("guest", "guest").await;
    let (open, open_thread) = owner.channel_and_thread("open").await;
    let (shared, _) = owner.channel_and_thread("shared").await;
    owner.create(&format!("/api/v1/channels/{shared}/members"), json!({"member_id": guest.id})).await;
    let project = owner.create("/api/v1/projects", json!({"name": "p"})).await["id"].as_i64().unwrap();

    let (_, channels) = guest.get("/api/v1/channels").await;
    let ids: Vec<i64> = channels.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![shared]);
    assert_not_found(&guest, &format!("/api/v1/channels/{open}")).await;
    assert_not_found(&guest, &format!("/api/v1/threads/{open_thread}")).await;
    assert_not_found(&guest, &format!("/api/v1/projects/{project}")).await;
    let (status, _) = guest.send(reqwest::Method::POST, &format!("/api/v1/channels/{open}/join"), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = guest.send(reqwest::Method::POST, "/api/v1/channels", json!({"name": "mine"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let events = guest.all_events().await;
    assert!(events.iter().all(|e| !e["kind"].as_str().unwrap().starts_with("project")), "guests see no projects");
}

#[tokio::test]
async fn only_admins_bring_guests_into_channels() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let member = owner.add_member("mia", "member").await;
    let guest = owner.add_member("gus", "guest").await;
    let (status, body) = member
        .send(reqwest::Method::POST, "/api/v1/channels", json!({"name": "sneaky", "member_ids": [guest.id]}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, channels) = guest.get("/api/v1/channels").await;
    assert_eq!(channels, json!([]));
    owner.create("/api/v1/channels", json!({"name": "welcome", "member_ids": [guest.id]})).await;
    let (_, channels) = guest.get("/api/v1/channels").await;
    assert_eq!(channels.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_removed_member_learns_of_it_and_reads_no_more() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let channel = owner
        .create("/api/v1/channels", json!({"name": "hush-channel", "visibility": "private", "member_ids": [ana.id]}))
        .await;
    let channel = channel["id"].as_i64().unwrap();
    let thread = owner.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "plans"})).await;
    let thread = thread["id"].as_i64().unwrap();
    let (status, _) =
        owner.send(reqwest::Method::DELETE, &format!("/api/v1/channels/{channel}/members/{}", ana.id), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "hush-text-31337"})).await;

    let events = ana.all_events().await;
    let removed: Vec<_> = events.iter().filter(|e| e["kind"] == "channel.member_removed").collect();
    assert_eq!(removed.len(), 1, "the removed member sees their removal");
    assert_eq!(removed[0]["payload"]["member_id"], ana.id);
    assert_hidden("events after removal", &serde_json::to_string(&events).unwrap());
    assert_not_found(&ana, &format!("/api/v1/threads/{thread}/messages")).await;
}

/// A direct conversation's threads are its people's only: an admin outside it (the owner) and a
/// member outside it read, find, reply to and stream none of it.
#[tokio::test]
async fn a_direct_conversations_threads_stay_with_its_people() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let member_outside = owner.add_member("outsider", "member").await;
    let ana = owner.add_member("ana", "member").await;
    let bo = owner.add_member("bo", "member").await;
    let dm = ana.create("/api/v1/dms", json!({"member_ids": [bo.id]})).await["id"].as_i64().unwrap();
    let parent = ana.create(&format!("/api/v1/dms/{dm}/messages"), json!({"body": "dm-text-4242"})).await;
    let parent = parent["id"].as_i64().unwrap();
    let reply = bo.create(&format!("/api/v1/messages/{parent}/replies"), json!({"body": "hush-text-31337"})).await;
    let thread = reply["thread_id"].as_i64().expect("the reply started a thread");
    let reply = reply["id"].as_i64().unwrap();
    // Mentioning someone outside the conversation does not let them in, nor tell them of it.
    bo.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "@outsider @owner hush words"})).await;
    let titled =
        bo.create(&format!("/api/v1/dms/{dm}/threads"), json!({"title": "hush topic", "body": "hush words"})).await;
    assert_eq!(titled["dm_id"], dm);

    let (status, threads) = ana.get(&format!("/api/v1/dms/{dm}/threads?order=id")).await;
    assert_eq!(status, StatusCode::OK);
    let titles: Vec<&str> = threads.as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["dm-text-4242", "hush topic"]);

    for outsider in [&owner, &member_outside] {
        for path in [
            format!("/api/v1/dms/{dm}/threads"),
            format!("/api/v1/threads/{thread}"),
            format!("/api/v1/threads/{thread}/messages"),
            format!("/api/v1/messages/{parent}"),
            format!("/api/v1/messages/{reply}"),
        ] {
            assert_not_found(outsider, &path).await;
        }
        for (path, body) in [
            (format!("/api/v1/messages/{parent}/replies"), json!({"body": "let me in"})),
            (format!("/api/v1/threads/{thread}/messages"), json!({"body": "let me in"})),
            (format!("/api/v1/dms/{dm}/threads"), json!({"title": "mine"})),
        ] {
            let (status, body) = outsider.send(reqwest::Method::POST, &path, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "POST {path}: {body}");
            assert_hidden(&path, &body.to_string());
        }
        let events = outsider.all_events().await;
        assert_hidden("GET /events", &serde_json::to_string(&events).unwrap());
        assert!(events.iter().all(|e| e["kind"] != "message.moved"), "not even that something moved");
        let (_, inbox) = outsider.get("/api/v1/inbox?held=true").await;
        assert_eq!(inbox, json!([]), "a mention from inside notifies no one outside");
        for query in ["hush", "dm-text"] {
            let (_, found) = outsider.get(&format!("/api/v1/search?q={query}")).await;
            assert_eq!(found, json!([]), "{query}");
        }
        let mut socket = connect(&server, &outsider.token, 0).await;
        let mut frames = Vec::new();
        while let Ok(Some(Ok(frame))) = tokio::time::timeout(std::time::Duration::from_millis(300), socket.next()).await
        {
            frames.push(frame.to_string());
        }
        assert_hidden("the stream", &frames.join("\n"));
    }
    let (_, found) = ana.get("/api/v1/search?q=hush-text").await;
    assert_eq!(found.as_array().unwrap().len(), 1, "its people find it");
    let (_, inbox) = ana.get("/api/v1/inbox?held=true").await;
    assert!(inbox.to_string().contains(&format!("\"thread_id\":{thread}")), "ana hears of bo's reply: {inbox}");
}

/// Tasks are seen by every member but guests; the tasks a huddle in a private channel leaves
/// behind name nothing of it (its title defaults to the private thread's).
#[tokio::test]
async fn action_items_of_a_private_huddle_do_not_name_it() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let channel = ana.create("/api/v1/channels", json!({"name": "hush-channel", "visibility": "private"})).await["id"]
        .as_i64()
        .unwrap();
    let thread = ana.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "hush topic"})).await;
    let thread = thread["id"].as_i64().unwrap();
    let huddle = ana.create(&format!("/api/v1/threads/{thread}/huddles"), json!({})).await["id"].as_i64().unwrap();
    ana.create(&format!("/api/v1/huddles/{huddle}/action-items"), json!({"title": "Follow up with legal"})).await;
    ana.create(&format!("/api/v1/huddles/{huddle}/end"), json!({})).await;

    // The owner, an admin outside the channel, sees the task, and nothing of where it came from.
    let (_, tasks) = owner.get("/api/v1/tasks").await;
    let task = tasks.as_array().unwrap().iter().find(|t| t["title"] == "Follow up with legal").expect("the task");
    assert_eq!(task["description"], "Action item from a huddle in a private conversation.");
    assert_hidden("the owner's events", &serde_json::to_string(&owner.all_events().await).unwrap());
    assert_hidden("the task", &task.to_string());
}

/// Naming a channel like a private one you cannot see is no way to learn that it exists: the
/// name is yours to take, and your filters then mean your channel.
#[tokio::test]
async fn a_private_channels_name_is_not_revealed_by_taking_it() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let outsider = owner.add_member("outsider", "member").await;
    let private = owner.create("/api/v1/channels", json!({"name": "hush-channel", "visibility": "private"})).await;
    let private = private["id"].as_i64().unwrap();
    let thread = owner.create(&format!("/api/v1/channels/{private}/threads"), json!({"title": "hush topic"})).await;
    owner.create(&format!("/api/v1/threads/{}/messages", thread["id"]), json!({"body": "hush-text-31337"})).await;

    let (status, mine) =
        outsider.send(reqwest::Method::POST, "/api/v1/channels", json!({"name": "hush-channel"})).await;
    assert_eq!(status, StatusCode::CREATED, "the name is free for someone who cannot see the other: {mine}");
    assert_ne!(mine["id"], private);
    let (status, _) = outsider.send(reqwest::Method::POST, "/api/v1/channels", json!({"name": "hush-channel"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "their own is visible to them");
    let (_, other) = outsider.send(reqwest::Method::POST, "/api/v1/channels", json!({"name": "spare"})).await;
    let (status, _) = outsider
        .send(reqwest::Method::PATCH, &format!("/api/v1/channels/{}", other["id"]), json!({"name": "hush-channel"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let own_thread =
        outsider.create(&format!("/api/v1/channels/{}/threads", mine["id"]), json!({"title": "plans"})).await;
    outsider.create(&format!("/api/v1/threads/{}/messages", own_thread["id"]), json!({"body": "mine"})).await;

    // The outsider's filter by that name is their channel: no 404, nothing of the private one.
    // Two days either side: the workspace's days are Berlin's, already tomorrow in the last
    // hour before UTC midnight.
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let two_days = jiff::Span::new().days(2);
    let (from, to) = (today - two_days, today + two_days);
    let (status, report) = outsider.get(&format!("/api/v1/insights?from={from}&to={to}&channel=hush-channel")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_hidden("the outsider's filtered insights", &report.to_string().replace("hush-channel", ""));
    assert_eq!(report["privacy"]["aggregates_withheld"], true, "one person took part: {report}");
    let (status, report) = owner.get(&format!("/api/v1/insights?from={from}&to={to}&channel=hush-channel")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["messages"]["count"], 2, "the owner sees both channels of that name");
}
