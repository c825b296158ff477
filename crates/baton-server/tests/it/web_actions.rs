//! The web app's forms for what the API already does: a thread's state and tags, deleting a
//! message, a private channel's members, a channel's topic and archive, one's password, a task's
//! title and description, a huddle's invitees and project. And forms that are refused: they come
//! back with what was typed and the reason beside the field.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{location, Browser};
use crate::harness::{TestServer, PASSWORD};

#[tokio::test]
async fn a_thread_is_resolved_reopened_and_tagged_from_its_page() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("general").await;
    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let (_, page) = browser.get(&format!("/t/{thread}")).await;
    assert!(page.contains("Resolve thread") && page.contains("name=\"tags\""), "{page}");

    let resolved = browser.post(&format!("/t/{thread}/state"), &[("resolved", "true")], None).await;
    assert_eq!(resolved.status(), StatusCode::SEE_OTHER);
    assert_eq!(owner.get(&format!("/api/v1/threads/{thread}")).await.1["resolved"], true);
    let (_, page) = browser.get(&format!("/t/{thread}")).await;
    assert!(page.contains("Reopen thread"), "{page}");
    browser.post(&format!("/t/{thread}/state"), &[("resolved", "false")], None).await;
    assert_eq!(owner.get(&format!("/api/v1/threads/{thread}")).await.1["resolved"], false);

    browser.post(&format!("/t/{thread}/tags"), &[("tags", "Decision, brainstorm, decision")], None).await;
    assert_eq!(owner.get(&format!("/api/v1/threads/{thread}")).await.1["tags"], json!(["decision", "brainstorm"]));
    let refused = browser.post(&format!("/t/{thread}/tags"), &[("tags", "not/allowed!")], None).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains("class=\"error\"") && page.contains("tags"), "the reason, on the thread's page: {page}");
    assert_eq!(owner.get(&format!("/api/v1/threads/{thread}")).await.1["tags"], json!(["decision", "brainstorm"]));
}

#[tokio::test]
async fn messages_are_deleted_by_their_author_or_an_admin_only() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let _cy = owner.add_member("cy", "member").await;
    let (_, thread) = owner.channel_and_thread("general").await;
    let mine = bo.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "bo's words"})).await;
    let mine = mine["id"].as_i64().unwrap();
    let other = bo.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "more words"})).await;
    let other = other["id"].as_i64().unwrap();

    let mut cy = Browser::signed_in(&server, "cy@example.com").await;
    let (_, page) = cy.get(&format!("/t/{thread}")).await;
    assert!(!page.contains(&format!("/messages/{mine}/delete")), "no delete for someone else's message: {page}");
    let refused = cy.post(&format!("/messages/{mine}/delete"), &[("back", &format!("/t/{thread}"))], None).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let mut bo_browser = Browser::signed_in(&server, "bo@example.com").await;
    let deleted =
        bo_browser.post(&format!("/messages/{mine}/delete"), &[("back", &format!("/t/{thread}"))], None).await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&deleted), format!("/t/{thread}#m{mine}"));
    let mut admin = Browser::signed_in(&server, "owner@example.com").await;
    admin.post(&format!("/messages/{other}/delete"), &[("back", &format!("/t/{thread}"))], None).await;
    let (_, page) = admin.get(&format!("/t/{thread}")).await;
    assert!(!page.contains("bo's words") && !page.contains("more words"), "{page}");
    assert_eq!(page.matches("This message was deleted.").count(), 2, "{page}");
}

#[tokio::test]
async fn a_private_channels_members_topic_and_archive_are_managed_on_its_page() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let cy = owner.add_member("cy", "member").await;
    let channel = owner
        .create("/api/v1/channels", json!({"name": "leads", "visibility": "private", "member_ids": [bo.id]}))
        .await["id"]
        .as_i64()
        .unwrap();
    let mut admin = Browser::signed_in(&server, "owner@example.com").await;
    let (_, page) = admin.get(&format!("/c/{channel}")).await;
    assert!(page.contains("Members") && page.contains("Remove @bo") && page.contains("Add to channel"), "{page}");
    assert!(page.contains("Channel settings"), "{page}");

    let added = admin.post(&format!("/c/{channel}/members"), &[("member", &cy.id.to_string())], None).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(cy.get(&format!("/api/v1/channels/{channel}")).await.0, StatusCode::OK, "cy is in");
    admin.post(&format!("/c/{channel}/members/{}/remove", cy.id), &[], None).await;
    assert_eq!(cy.get(&format!("/api/v1/channels/{channel}")).await.0, StatusCode::NOT_FOUND, "and out again");

    admin.post(&format!("/c/{channel}/settings"), &[("topic", "Who leads what")], None).await;
    let (_, page) = admin.get(&format!("/c/{channel}")).await;
    assert!(page.contains("<p class=\"topic\">Who leads what</p>"), "{page}");

    // bo is a member but did not create it: no settings, and the form is refused.
    let mut bo_browser = Browser::signed_in(&server, "bo@example.com").await;
    let (_, page) = bo_browser.get(&format!("/c/{channel}")).await;
    assert!(!page.contains("Channel settings"), "{page}");
    let refused = bo_browser.post(&format!("/c/{channel}/settings"), &[("archived", "true")], None).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let page = refused.text().await.unwrap();
    assert!(page.contains("class=\"error\"") && page.contains("creator or an admin"), "{page}");
    assert_eq!(owner.get(&format!("/api/v1/channels/{channel}")).await.1["archived"], false);

    admin.post(&format!("/c/{channel}/settings"), &[("archived", "true")], None).await;
    assert_eq!(owner.get(&format!("/api/v1/channels/{channel}")).await.1["archived"], true);
    let (_, page) = admin.get(&format!("/c/{channel}")).await;
    assert!(page.contains("Unarchive channel") && !page.contains("Start thread"), "{page}");

    // Anyone may leave; then the channel is gone for them.
    let left = bo_browser.post(&format!("/c/{channel}/members/{}/remove", bo.id), &[], None).await;
    assert_eq!(location(&left), "/");
    assert_eq!(bo.get(&format!("/api/v1/channels/{channel}")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_member_changes_their_password_and_other_sessions_end() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (_, page) = browser.get("/settings").await;
    assert!(page.contains("Change password"), "{page}");

    let fields = |current: &'static str, new: &'static str, again: &'static str| {
        [("current_password", current), ("new_password", new), ("repeat_password", again)]
    };
    let wrong =
        browser.post("/settings/password", &fields("not it", "brand-new-secret", "brand-new-secret"), None).await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert!(wrong.text().await.unwrap().contains("not your current password"));
    let differ =
        browser.post("/settings/password", &fields(PASSWORD, "brand-new-secret", "brand-new-secreT"), None).await;
    assert_eq!(differ.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed =
        browser.post("/settings/password", &fields(PASSWORD, "brand-new-secret", "brand-new-secret"), None).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(changed.text().await.unwrap().contains("Your password was changed"));
    // This browser stays in; the API session bo had is over; only the new password signs in.
    assert_eq!(browser.get("/settings").await.0, StatusCode::OK);
    assert_eq!(bo.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let old = json!({"email": "bo@example.com", "password": PASSWORD});
    assert_eq!(
        server.call(reqwest::Method::POST, "/api/v1/auth/login", None, Some(old)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let new = json!({"email": "bo@example.com", "password": "brand-new-secret"});
    assert_eq!(server.call(reqwest::Method::POST, "/api/v1/auth/login", None, Some(new)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_tasks_title_and_description_are_edited_on_its_page() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let project = owner.create("/api/v1/projects", json!({"name": "Site"})).await["id"].as_i64().unwrap();
    let task = owner.create(&format!("/api/v1/projects/{project}/tasks"), json!({"title": "Draft copy"})).await;
    let task = task["id"].as_i64().unwrap();
    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let saved = browser
        .post(&format!("/tasks/{task}/text"), &[("title", "Final copy"), ("description", "For the landing page")], None)
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, shown) = owner.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(
        (shown["title"].as_str(), shown["description"].as_str()),
        (Some("Final copy"), Some("For the landing page"))
    );
    let refused =
        browser.post(&format!("/tasks/{task}/text"), &[("title", "  "), ("description", "kept text")], None).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains("class=\"error\"") && page.contains("kept text"), "what was typed stays: {page}");
    assert_eq!(owner.get(&format!("/api/v1/tasks/{task}")).await.1["title"], "Final copy");
}

#[tokio::test]
async fn a_huddle_started_from_a_thread_invites_people_and_files_action_items_in_the_chosen_project() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("general").await;
    let project = owner.create("/api/v1/projects", json!({"name": "Launch"})).await["id"].as_i64().unwrap();
    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let (_, page) = browser.get(&format!("/t/{thread}")).await;
    assert!(page.contains("name=\"invite\"") && page.contains(">Launch</option>"), "{page}");
    let started = browser
        .post(
            &format!("/t/{thread}/huddle"),
            &[("title", "Sync"), ("invite", &bo.id.to_string()), ("project", &project.to_string())],
            None,
        )
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let huddle = location(&started).trim_start_matches("/huddles/").to_string();
    let (_, shown) = owner.get(&format!("/api/v1/huddles/{huddle}")).await;
    assert_eq!(shown["invited"], json!([bo.id]), "{shown}");
    owner.create(&format!("/api/v1/huddles/{huddle}/action-items"), json!({"title": "Ship it"})).await;
    owner.create(&format!("/api/v1/huddles/{huddle}/end"), json!({})).await;
    let (_, tasks) = owner.get(&format!("/api/v1/projects/{project}/tasks")).await;
    let titles: Vec<&str> = tasks.as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Ship it"], "the action item became a task of the chosen project");
}

#[tokio::test]
async fn a_refused_message_comes_back_with_its_text_and_the_reason_beside_the_field() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("general").await;
    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let (_, page) = browser.get(&format!("/t/{thread}")).await;
    assert!(page.contains("maxlength=\"40000\""), "the composer limits the length: {page}");

    let long = "x".repeat(50_000);
    let refused = browser.post(&format!("/t/{thread}/messages"), &[("body", &long)], None).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains(&long), "the draft is kept");
    assert!(page.contains("id=\"composer-body-error\""), "the reason sits by the text: {page}");
    assert!(page.contains("<h1>general topic"), "on the thread's own page");

    let past = browser
        .post(&format!("/t/{thread}/messages"), &[("body", "later please"), ("send_at", "2001-01-01T09:00")], None)
        .await;
    assert_eq!(past.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = past.text().await.unwrap();
    assert!(page.contains("id=\"composer-send-at-error\"") && page.contains("in the future"), "{page}");
    assert!(page.contains(">later please</textarea>") && page.contains("value=\"2001-01-01T09:00\""), "{page}");
    assert_eq!(owner.get(&format!("/api/v1/threads/{thread}/messages")).await.1, json!([]), "nothing was sent");
}

#[tokio::test]
async fn mentions_are_highlighted_and_an_unknown_one_says_so() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let _bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("general").await;
    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "hi @bo, @owner and @nobody"})).await;
    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let (_, page) = browser.get(&format!("/t/{thread}")).await;
    assert!(page.contains(r#"<span class="mention" data-handle="bo">@bo</span>"#), "{page}");
    assert!(page.contains(r#"<span class="mention me" data-handle="owner">@owner</span>"#), "{page}");
    assert!(
        page.contains(r#"class="mention unknown" title="No member is called @nobody; nobody was notified""#),
        "{page}"
    );
}

/// A huddle set up for a later slot says when it opens and offers no Join until then; its
/// invitees hear of it in their inbox.
#[tokio::test]
async fn a_huddle_for_a_later_slot_opens_then() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("general").await;
    let opens = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(26)).to_string();
    let huddle =
        owner.create(&format!("/api/v1/threads/{thread}/huddles"), json!({"invite": [bo.id], "opens_at": opens})).await;
    assert_eq!(huddle["participants"], json!([]), "nobody is in it yet: {huddle}");
    let id = huddle["id"].as_i64().unwrap();
    let (status, body) = bo.send(reqwest::Method::POST, &format!("/api/v1/huddles/{id}/join"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("opens at"), "{body}");
    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (_, page) = browser.get(&format!("/huddles/{id}")).await;
    assert!(page.contains("badge scheduled") && page.contains("join then"), "{page}");
    assert!(!page.contains(&format!("action=\"/huddles/{id}/join\"")), "no Join before it opens: {page}");
    let (_, inbox) = browser.get("/inbox").await;
    assert!(inbox.contains("Invited to a huddle") && inbox.contains(&format!("href=\"/huddles/{id}\"")), "{inbox}");
    let (status, _) = owner
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/threads/{thread}/huddles"),
            json!({"opens_at": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a slot in the past is refused");
}

/// An imported channel's messages outside threads are on its page, newest first, and on a
/// timeline page of their own with a real heading, older ones on demand; a reply to one starts a
/// thread with it.
#[tokio::test]
async fn a_channels_timeline_is_shown_newest_first_with_older_messages_on_demand() {
    use baton_core::text::MessageText;
    use baton_store::testing::Scratch;
    use baton_store::{Command, Envelope, MessageTarget, Store, Viewer};
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let hash = baton_server::auth::hash_password_blocking(PASSWORD).unwrap();
    let at = |minute: i64| jiff::Timestamp::from_second(1_700_000_000 + minute * 60).unwrap();
    let setup = Command::Setup {
        workspace_name: "W".into(),
        time_zone: "UTC".into(),
        owner: crate::harness::new_member("owner", "UTC", baton_core::model::Role::Owner, &hash),
    };
    store.execute(Envelope::system(at(0), setup)).await.unwrap();
    let owner = Viewer { member: baton_core::MemberId(1), role: baton_core::model::Role::Owner };
    let channel = Command::CreateChannel {
        name: "random".into(),
        visibility: baton_core::model::Visibility::Public,
        topic: String::new(),
        members: vec![],
    };
    let channel = store.execute(Envelope::new(owner, at(0), channel)).await.unwrap().to_json()["id"].as_i64().unwrap();
    let timeline = Command::OpenTimeline { channel: baton_core::ChannelId(channel) };
    let timeline = baton_core::ThreadId(
        store.execute(Envelope::new(owner, at(0), timeline)).await.unwrap().to_json()["id"].as_i64().unwrap(),
    );
    for n in 1..=120 {
        let post = Command::PostMessage {
            target: MessageTarget::Thread(timeline),
            text: MessageText::new(format!("note number {n:03}")),
            urgent: false,
        };
        store.execute(Envelope::new(owner, at(n), post)).await.unwrap();
    }
    let server = TestServer::serve(data, store).await;
    let mut browser = Browser::signed_in(&server, "owner").await;

    let (_, page) = browser.get(&format!("/c/{channel}")).await;
    assert!(page.contains("Messages outside threads") && page.contains("The latest of 120"), "{page}");
    let (newest, tenth) = (page.find("note number 120").unwrap(), page.find("note number 111").unwrap());
    assert!(newest < tenth && !page.contains("note number 110"), "the latest ten, newest first");

    let (_, page) = browser.get(&format!("/t/{timeline}")).await;
    assert!(page.contains("<h1>#random: messages outside threads</h1>"), "a real heading: {page}");
    assert!(page.contains("note number 021") && !page.contains("note number 020"), "a hundred at once");
    let older = page.split("class=\"older\" href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let (_, page) = browser.get(&older).await;
    assert!(page.contains("note number 020") && page.contains("note number 001") && !page.contains("note number 021"));
    assert!(!page.contains("class=\"older\""), "nothing older than the first");

    // A reply to a timeline message starts a thread in the channel with it.
    let first = page.split("action=\"/messages/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let replied = browser.post(&format!("/messages/{first}/reply"), &[("body", "about that")], None).await;
    let thread_page = location(&replied);
    let (_, page) = browser.get(&thread_page).await;
    assert!(page.contains("about that") && page.contains(&format!("href=\"/c/{channel}\"")), "{page}");
}
