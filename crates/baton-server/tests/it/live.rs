//! What a live message list asks of the server (`assets/app.js`): the messages after the newest
//! it shows, and one message again after it changed, as the page's own list items, under the
//! page's rules. (Appending them in a real browser is `tests/web/browser.mjs`, step `live`.)

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::browser::Browser;
use crate::harness::{Client, TestServer};

/// Posts `bodies` to `path` one after another; their ids, in order.
async fn post_all(client: &Client<'_>, path: &str, bodies: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for body in bodies {
        ids.push(client.create(path, json!({"body": body})).await["id"].as_i64().unwrap());
    }
    ids
}

/// The message ids of a fragment's items, in the order they come.
fn item_ids(html: &str) -> Vec<i64> {
    html.split("<li class=\"message\" id=\"m")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_thread_fragment_gives_only_the_messages_after_one_and_one_message_alone() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let _admin = owner.add_member("ad", "admin").await;
    let private = owner.create("/api/v1/channels", json!({"name": "leadership", "visibility": "private"})).await;
    let channel = private["id"].as_i64().unwrap();
    let thread = owner.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "Reorg"})).await;
    let thread = thread["id"].as_i64().unwrap();
    let path = format!("/api/v1/threads/{thread}/messages");
    let ids = post_all(&owner, &path, &["secret one", "secret two", "secret *three*", "secret four"]).await;
    let (_, other) = owner.channel_and_thread("general").await;
    let elsewhere = owner.create(&format!("/api/v1/threads/{other}/messages"), json!({"body": "elsewhere"})).await;
    let elsewhere = elsewhere["id"].as_i64().unwrap();

    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let (status, html) = browser.get(&format!("/t/{thread}/messages?after={}", ids[1])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(item_ids(&html), ids[2..].to_vec(), "only the messages after, oldest first: {html}");
    assert!(html.contains("<em>three</em>"), "rendered by the server as the page renders it: {html}");
    assert!(!html.contains("secret one") && !html.contains("secret two"), "{html}");
    assert!(html.trim_start().starts_with("<li") && !html.contains("<html"), "items alone: {html}");
    let (status, html) = browser.get(&format!("/t/{thread}/messages?after={}", ids[3])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.trim(), "", "nothing newer: nothing, not the empty list's placeholder");
    let (_, whole) = browser.get(&format!("/t/{thread}/messages")).await;
    assert_eq!(item_ids(&whole), ids, "without after, the whole list as before");

    // One message alone, as it is now: edited, then deleted.
    owner.send(Method::PATCH, &format!("/api/v1/messages/{}", ids[0]), json!({"body": "secret one, reworded"})).await;
    let (status, html) = browser.get(&format!("/t/{thread}/messages/{}", ids[0])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(item_ids(&html), vec![ids[0]], "{html}");
    assert!(html.contains("secret one, reworded") && html.contains("(edited)"), "{html}");
    owner.send(Method::DELETE, &format!("/api/v1/messages/{}", ids[0]), json!(null)).await;
    let (_, html) = browser.get(&format!("/t/{thread}/messages/{}", ids[0])).await;
    assert!(html.contains("This message was deleted.") && !html.contains("reworded"), "{html}");
    // A message of another thread is not this list's.
    let (status, html) = browser.get(&format!("/t/{thread}/messages/{elsewhere}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("elsewhere"), "{html}");

    // An admin outside the private channel learns nothing, by either way in; the answer is the
    // one for a thread that does not exist.
    let mut admin = Browser::signed_in(&server, "ad@example.com").await;
    let (missing, _) = admin.get("/t/999999/messages?after=0").await;
    for asked in [
        format!("/t/{thread}/messages?after=0"),
        format!("/t/{thread}/messages?after={}", ids[1]),
        format!("/t/{thread}/messages/{}", ids[2]),
    ] {
        let (status, html) = admin.get(&asked).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{asked}");
        assert_eq!(status, missing, "{asked}: the same answer as for no thread");
        assert!(!html.contains("secret") && !html.contains("Reorg") && !html.contains("leadership"), "{asked}: {html}");
    }

    // A malformed `after` is the asker's mistake, never ours.
    for bad in ["abc", "-1", "1.5", "", "99999999999999999999999", "1&after=2", "%FF"] {
        let (status, html) = browser.get(&format!("/t/{thread}/messages?after={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "after={bad}: {html}");
        assert!(!html.contains("secret"), "after={bad}: {html}");
    }
    for bad in ["/t/abc/messages?after=1", "/t/1/messages/abc"] {
        let (status, _) = browser.get(bad).await;
        assert!(status.is_client_error(), "{bad}: {status}");
    }
}

#[tokio::test]
async fn more_than_a_window_after_one_comes_a_window_at_a_time() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("busy").await;
    let path = format!("/api/v1/threads/{thread}/messages");
    let first = owner.create(&path, json!({"body": "seen"})).await["id"].as_i64().unwrap();
    for chunk in (0..230).collect::<Vec<_>>().chunks(50) {
        join_all(chunk.iter().map(|i| owner.create(&path, json!({"body": format!("new {i}")})))).await;
    }
    let browser = Browser::signed_in(&server, "owner@example.com").await;
    let mut next = Some(format!("/t/{thread}/messages?after={first}"));
    let mut got = Vec::new();
    let mut pages = 0;
    while let Some(at) = next {
        let response =
            browser.http.get(server.url(&at)).header("cookie", browser.cookie_header()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{at}");
        next = response.headers().get("link").map(|link| {
            let link = link.to_str().unwrap();
            assert!(link.ends_with("rel=\"next\""), "{link}");
            link[1..link.find('>').unwrap()].to_string()
        });
        got.extend(item_ids(&response.text().await.unwrap()));
        pages += 1;
    }
    assert_eq!(pages, 2, "a window of 200, then the rest");
    assert_eq!(got.len(), 230);
    assert!(got.windows(2).all(|w| w[0] < w[1]) && got[0] > first, "each once, in order: {got:?}");
}

#[tokio::test]
async fn a_conversation_timeline_fragment_follows_the_same_rules() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let bo = owner.add_member("bo", "member").await;
    let dm = ana.create("/api/v1/dms", json!({"member_ids": [bo.id]})).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/dms/{dm}/messages");
    let ids = post_all(&ana, &path, &["zanzibar hello", "zanzibar plan", "zanzibar lunch"]).await;
    // A reply moves its message into a thread: it is no longer the timeline's.
    let reply = ana.create(&format!("/api/v1/messages/{}/replies", ids[2]), json!({"body": "zanzibar reply"})).await;
    let reply = reply["id"].as_i64().unwrap();

    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (status, html) = browser.get(&format!("/dms/{dm}/messages?after={}", ids[0])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(item_ids(&html), vec![ids[1]], "the timeline's messages after the first: {html}");
    assert!(html.contains(&format!("action=\"/messages/{}/reply\"", ids[1])), "a timeline's items: {html}");
    let (status, html) = browser.get(&format!("/dms/{dm}/messages/{}", ids[1])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(item_ids(&html), vec![ids[1]], "{html}");
    for not_here in [ids[2], reply] {
        let (status, _) = browser.get(&format!("/dms/{dm}/messages/{not_here}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "message {not_here} is in the thread now");
    }
    let (page_status, page) = browser.get(&format!("/dms/{dm}")).await;
    assert_eq!(page_status, StatusCode::OK);
    assert!(page.contains(&format!("data-fragment=\"/dms/{dm}/messages\"")), "{page}");

    let mut admin = Browser::signed_in(&server, "owner@example.com").await;
    for asked in [format!("/dms/{dm}/messages?after=0"), format!("/dms/{dm}/messages/{}", ids[0])] {
        let (status, html) = admin.get(&asked).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{asked}");
        assert!(!html.contains("zanzibar"), "{asked}: {html}");
    }
    let (status, _) = browser.get(&format!("/dms/{dm}/messages?after=x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
