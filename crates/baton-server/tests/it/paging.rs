//! Long threads and conversations page both ways: the API from the newest back with `Link`
//! headers, and the pages open at the newest messages with older ones on demand.

use std::str::FromStr;

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::Browser;
use crate::harness::{Client, TestServer};

/// Posts `n` messages `"{tag} {i}"` to `path`, a few at a time (ids then follow `i`).
async fn post_in_order(client: &Client<'_>, path: &str, n: usize, tag: &str) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        // Concurrent within a chunk, so ids need not follow `i` there: the tests compare ids.
        join_all(chunk.iter().map(|i| client.create(path, json!({"body": format!("{tag} {i}")})))).await;
    }
}

/// A page of messages and the `Link` header that came with it.
async fn page(client: &Client<'_>, path: &str) -> (StatusCode, Vec<Value>, Option<String>) {
    let response = reqwest::Client::new().get(client.server.url(path)).bearer_auth(&client.token).send().await.unwrap();
    let status = response.status();
    let link = response.headers().get("link").map(|v| v.to_str().unwrap().to_string());
    let body: Value = response.json().await.unwrap();
    (status, body.as_array().cloned().unwrap_or_default(), link)
}

/// The target of the link with relation `rel`, as a path.
fn link(header: Option<&str>, rel: &str) -> Option<String> {
    header?.split(", ").find(|part| part.ends_with(&format!("rel=\"{rel}\""))).map(|part| {
        let start = part.find('<').unwrap() + 1;
        part[start..part.find('>').unwrap()].to_string()
    })
}

fn ids(messages: &[Value]) -> Vec<i64> {
    messages.iter().map(|m| m["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn the_api_pages_back_from_the_newest_and_forward_from_the_first() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("long").await;
    let path = format!("/api/v1/threads/{thread}/messages");
    post_in_order(&owner, &path, 450, "message").await;
    let (_, all, _) = page(&owner, &format!("{path}?after=0&limit=1000")).await;
    let all = ids(&all);
    assert_eq!(all.len(), 450);
    let (_, default, _) = page(&owner, &path).await;
    assert_eq!(ids(&default), all[250..].to_vec(), "no parameter: the newest 200, oldest first");

    // Back from the newest, 200 at a time, each page oldest first, until no older page is named:
    // `next` goes on in the walk's direction.
    let mut back = Vec::new();
    let mut next = Some(format!("{path}?newest=true&limit=200"));
    let mut pages = 0;
    while let Some(at) = next {
        let (status, messages, header) = page(&owner, &at).await;
        assert_eq!(status, StatusCode::OK, "{at}");
        let got = ids(&messages);
        assert!(got.windows(2).all(|w| w[0] < w[1]), "a page is oldest first: {got:?}");
        back.splice(0..0, got);
        next = link(header.as_deref(), "next");
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(back, all, "paging back from the newest lists every message once, in order");

    // A page before a message names the newer page after it (`prev`: against the walk back);
    // forward pages name their next one while full.
    let middle = all[300];
    let (_, before, header) = page(&owner, &format!("{path}?before={middle}&limit=100")).await;
    assert_eq!(ids(&before), all[200..300].to_vec());
    let forward = link(header.as_deref(), "prev").expect("a newer page");
    let (_, after, header) = page(&owner, &forward).await;
    assert_eq!(ids(&after), all[300..400].to_vec());
    let (_, rest, header) = page(&owner, &link(header.as_deref(), "next").expect("a next page")).await;
    assert_eq!(ids(&rest), all[400..].to_vec());
    assert_eq!(link(header.as_deref(), "next"), None, "the last page names no next one");

    for bad in ["?after=3&before=9", "?after=3&newest=true", "?before=0", "?after=-1"] {
        let (status, _, _) = page(&owner, &format!("{path}{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn a_conversation_timeline_pages_back_through_the_api_for_its_members_only() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let admin = owner.add_member("ad", "admin").await;
    let dm = owner.create("/api/v1/dms", json!({"member_ids": [bo.id]})).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/dms/{dm}/messages");
    post_in_order(&owner, &path, 30, "dm").await;
    let (status, newest, header) = page(&bo, &format!("{path}?newest=true&limit=20")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(newest.len(), 20);
    assert_eq!(newest.last().unwrap()["body"].as_str().map(|b| b.starts_with("dm ")), Some(true));
    let (_, older, header) = page(&bo, &link(header.as_deref(), "next").expect("older messages")).await;
    assert_eq!(older.len(), 10);
    assert_eq!(link(header.as_deref(), "next"), None, "nothing older than the first message");
    // An admin outside the conversation learns nothing from any way of paging.
    for query in ["?newest=true", "?before=999999", "?after=0"] {
        let (status, messages, header) = page(&admin, &format!("{path}{query}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}");
        assert!(messages.is_empty() && header.is_none(), "{query}");
    }
}

#[tokio::test]
async fn a_long_thread_opens_at_its_newest_messages_and_pages_back() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("long").await;
    let path = format!("/api/v1/threads/{thread}/messages");
    // More than the 1,000 the page used to stop at.
    post_in_order(&owner, &path, 1050, "old").await;
    owner.create(&path, json!({"body": "the very newest"})).await;
    let (_, all, _) = page(&owner, &format!("{path}?after=0&limit=1000")).await;
    let first_shown_before = ids(&all)[0];

    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (status, newest) = browser.get(&format!("/t/{thread}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(newest.contains("the very newest"), "the page opens at the newest message");
    assert!(!newest.contains(&format!("id=\"m{first_shown_before}\"")), "not at the first");
    assert!(!newest.contains("Jump to the newest"));
    let older = older_link(&newest).expect("a link to older messages");
    // Opening it read the thread up to its newest message.
    let (_, list) = browser.get("/").await;
    assert!(!list.contains("unread-count"), "{list}");

    // Back through the whole thread, each page older than the one before, then to the present.
    let mut at = older;
    let mut pages = 1;
    loop {
        let (status, html) = browser.get(&at).await;
        assert_eq!(status, StatusCode::OK, "{at}");
        assert!(html.contains("Jump to the newest") && !html.contains("the very newest"), "{at}");
        assert!(!html.contains("data-live=\"thread\""), "a page back in the history stays still");
        pages += 1;
        match older_link(&html) {
            Some(next) => at = next,
            None => {
                assert!(html.contains(&format!("id=\"m{first_shown_before}\"")), "the last page holds the first");
                break;
            }
        }
    }
    assert_eq!(pages, 6, "1,051 messages, 200 a page");
    drop(bo);
}

#[tokio::test]
async fn a_direct_conversation_opens_at_its_newest_messages() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let dm = owner.create("/api/v1/dms", json!({"member_ids": [bo.id]})).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/dms/{dm}/messages");
    post_in_order(&owner, &path, 230, "dm").await;
    owner.create(&path, json!({"body": "latest word"})).await;
    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (_, html) = browser.get(&format!("/dms/{dm}")).await;
    assert!(html.contains("latest word"), "{html}");
    let older = older_link(&html).expect("a link to older messages");
    let (_, html) = browser.get(&older).await;
    assert!(!html.contains("latest word") && html.contains("Jump to the newest"), "{html}");
    assert_eq!(older_link(&html), None, "231 messages: two pages");
}

/// The address of the page's link to older messages, threads or notifications.
fn older_link(html: &str) -> Option<String> {
    link_of(html, "older")
}

#[tokio::test]
async fn a_busy_channel_lists_its_threads_by_last_activity_a_page_at_a_time() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let channel = owner.create("/api/v1/channels", json!({"name": "busy"})).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/channels/{channel}/threads");
    let mut made = Vec::new();
    for chunk in (0..205).collect::<Vec<_>>().chunks(50) {
        let threads =
            join_all(chunk.iter().map(|i| owner.create(&path, json!({"title": format!("topic {i:03}")})))).await;
        made.extend(threads.iter().map(|t| t["id"].as_i64().unwrap()));
    }
    // The first thread of all comes back to life: it leads the list again.
    let revived = *made.iter().min().unwrap();
    owner.create(&format!("/api/v1/threads/{revived}/messages"), json!({"body": "back again"})).await;

    // What the pages should list: every thread by its last activity, else its start, then id.
    let (_, all) = owner.get(&format!("{path}?limit=1000")).await;
    let mut expected: Vec<(String, i64)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let at = t["last_message_at"].as_str().or(t["created_at"].as_str()).unwrap();
            (jiff::Timestamp::from_str(at).unwrap().as_microsecond().to_string(), t["id"].as_i64().unwrap())
        })
        .map(|(at, id)| (format!("{at:0>20}"), id))
        .collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();
    assert_eq!(expected.len(), 205);

    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let (status, first) = browser.get(&format!("/c/{channel}")).await;
    assert_eq!(status, StatusCode::OK);
    let listed = thread_ids(&first);
    assert_eq!(listed[0], revived, "the most recently active first");
    assert_eq!(listed, expected[..200].to_vec(), "a page of 200, by last activity");
    let older = older_link(&first).expect("a link to older threads");
    let (status, second) = browser.get(&older).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(thread_ids(&second), expected[200..].to_vec(), "the five least active");
    assert!(second.contains("Back to the most recent") && older_link(&second).is_none());

    let (status, _) = browser.get(&format!("/c/{channel}?after=not-a-cursor")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The API lists them in the same order, following its Link headers.
    let mut listed = Vec::new();
    let mut next = Some(format!("{path}?order=activity&limit=60"));
    while let Some(at) = next {
        let (status, threads, header) = page(&owner, &at).await;
        assert_eq!(status, StatusCode::OK, "{at}");
        listed.extend(ids(&threads));
        next = link(header.as_deref(), "next");
    }
    assert_eq!(listed, expected, "paging by activity through the API");
    let (_, default, _) = page(&owner, &format!("{path}?limit=60")).await;
    assert_eq!(ids(&default), expected[..60].to_vec(), "activity is the default order");
    for bad in [
        "?order=activity&after=3",
        "?order=id&cursor=1_2",
        "?cursor=nonsense",
        "?order=activity&cursor=nonsense",
        "?order=newest",
    ] {
        let (status, _, _) = page(&owner, &format!("{path}{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// The ids of the threads a page lists, in its order.
fn thread_ids(html: &str) -> Vec<i64> {
    let list = &html[html.find("id=\"threads\"").unwrap()..];
    let list = &list[..list.find("</ul>").unwrap()];
    list.split("href=\"/t/").skip(1).filter_map(|rest| rest[..rest.find('"')?].parse().ok()).collect()
}

#[tokio::test]
async fn the_inbox_pages_back_through_every_notification() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("mentions").await;
    let path = format!("/api/v1/threads/{thread}/messages");
    // Urgent mentions are delivered at once, whatever the hour in bo's zone.
    for chunk in (0..205).collect::<Vec<_>>().chunks(50) {
        let posts = chunk.iter().map(|i| owner.create(&path, json!({"body": format!("@bo look {i}"), "urgent": true})));
        join_all(posts).await;
    }
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/inbox?limit=60".to_string());
    while let Some(at) = next {
        let (status, page_of, header) = page(&bo, &at).await;
        assert_eq!(status, StatusCode::OK, "{at}");
        seen.extend(ids(&page_of));
        next = link(header.as_deref(), "next");
    }
    assert_eq!(seen.len(), 205, "every notification once");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, across pages");
    let (status, _, _) = page(&bo, "/api/v1/inbox?before=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (_, html) = browser.get("/inbox").await;
    let older = older_link(&html).expect("a link to older notifications");
    assert_eq!(older, format!("/inbox?before={}", seen[199]));
    let (status, html) = browser.get(&older).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("<li class=\"notification").count(), 5, "the five oldest");
    assert!(html.contains("Back to the newest") && older_link(&html).is_none());
}

#[tokio::test]
async fn a_thread_with_more_unread_than_a_page_opens_at_the_first_unread() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let _bo = owner.add_member("bo", "member").await;
    let (_, thread) = owner.channel_and_thread("catch-up").await;
    let path = format!("/api/v1/threads/{thread}/messages");
    owner.create(&path, json!({"body": "read before leaving"})).await;
    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    browser.get(&format!("/t/{thread}")).await;
    post_in_order(&owner, &path, 450, "while away").await;
    let (_, all, _) = page(&owner, &format!("{path}?limit=1000")).await;
    let all = ids(&all);
    let first_unread = all[1];

    // Opened again: at the first unread message, not at the newest, and not live.
    let (_, html) = browser.get(&format!("/t/{thread}")).await;
    assert_eq!(first_shown(&html), Some(first_unread), "opens at the first unread message");
    assert!(html.contains("Jump to the newest") && !html.contains("data-live=\"thread\""));
    // Reading on moves the read mark: the next opening starts after what was shown.
    let newer = newer_link(&html).expect("a link to newer messages");
    let (_, html) = browser.get(&newer).await;
    assert_eq!(first_shown(&html), Some(all[201]));
    // Fewer unread than a page now: the thread opens at its newest, live again.
    let (_, html) = browser.get(&format!("/t/{thread}")).await;
    assert!(html.contains(&format!("id=\"m{}\"", all[450])), "the newest message");
    assert!(html.contains("data-live=\"thread\""), "the newest window follows live");
    // A window after a given message stays still even when it reaches the newest: a live
    // refresh would swap it for the newest 200.
    let (_, html) = browser.get(&format!("/t/{thread}?after={}", all[440])).await;
    assert!(html.contains(&format!("id=\"m{}\"", all[450])) && !html.contains("data-live=\"thread\""));
    // Jump to the newest from a page back.
    let (_, html) = browser.get(&format!("/t/{thread}?before={}", all[100])).await;
    let (_, newest) = browser.get(&jump_link(&html).expect("a jump to the newest")).await;
    assert!(newest.contains(&format!("id=\"m{}\"", all[450])));
}

/// The id of the first message a page lists.
fn first_shown(html: &str) -> Option<i64> {
    let at = html.find("<li class=\"message\" id=\"m")? + "<li class=\"message\" id=\"m".len();
    html[at..at + html[at..].find('"')?].parse().ok()
}

/// The address of a page's link of class `class`.
fn link_of(html: &str, class: &str) -> Option<String> {
    let marker = format!("class=\"{class}\" href=\"");
    let at = html.find(&marker)? + marker.len();
    Some(html[at..at + html[at..].find('"')?].replace("&amp;", "&"))
}

fn newer_link(html: &str) -> Option<String> {
    link_of(html, "newer")
}

fn jump_link(html: &str) -> Option<String> {
    link_of(html, "newest")
}

#[tokio::test]
async fn an_admin_outside_a_private_channel_pages_nothing_of_it() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let outsider = owner.add_member("ad", "admin").await;
    let channel = owner.create("/api/v1/channels", json!({"name": "inner", "visibility": "private"})).await;
    let channel = channel["id"].as_i64().unwrap();
    let path = format!("/api/v1/channels/{channel}/threads");
    let thread = owner.create(&path, json!({"title": "secret plans", "body": "secret words"})).await;
    let thread = thread["id"].as_i64().unwrap();
    post_in_order(&owner, &format!("/api/v1/threads/{thread}/messages"), 5, "secret").await;
    for query in [format!("{path}?order=activity"), format!("{path}?order=activity&cursor=9999999999999999_1")] {
        let (status, threads, header) = page(&outsider, &query).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}");
        assert!(threads.is_empty() && header.is_none(), "{query}");
    }
    let messages = format!("/api/v1/threads/{thread}/messages");
    for query in ["?newest=true", "?before=999999", "?after=0"] {
        let (status, found, header) = page(&outsider, &format!("{messages}{query}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}");
        assert!(found.is_empty() && header.is_none(), "{query}");
    }
    let mut browser = Browser::signed_in(&server, "ad@example.com").await;
    let cursor = "9999999999999999_1";
    for at in [
        format!("/c/{channel}"),
        format!("/c/{channel}?after={cursor}"),
        format!("/t/{thread}"),
        format!("/t/{thread}?newest=true"),
        format!("/t/{thread}?after=0"),
        format!("/t/{thread}?before=999999"),
    ] {
        let (status, html) = browser.get(&at).await;
        assert!(status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND, "{at}: {status}");
        assert!(!html.contains("secret"), "{at}: {html}");
    }
}

#[tokio::test]
async fn a_conversations_threads_page_by_activity_on_its_page() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let dm = owner.create("/api/v1/dms", json!({"member_ids": [bo.id]})).await["id"].as_i64().unwrap();
    let mut created = Vec::new();
    for n in 0..205 {
        let thread = owner.create(&format!("/api/v1/dms/{dm}/threads"), json!({"title": format!("topic {n}")})).await;
        created.push(thread["id"].as_i64().unwrap());
    }
    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (status, first) = browser.get(&format!("/dms/{dm}")).await;
    assert_eq!(status, StatusCode::OK);
    let newest_first: Vec<i64> = created.iter().rev().copied().collect();
    assert_eq!(thread_ids(&first), newest_first[..200].to_vec());
    assert!(first.contains("data-live=\"dm\""), "the first page follows live");
    let older = link_of(&first, "older").expect("a link to older threads");
    assert!(older.contains("threads_after="), "{older}");
    let (status, second) = browser.get(&older).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(thread_ids(&second), newest_first[200..].to_vec());
    assert!(link_of(&second, "older").is_none() && second.contains("Back to the most recent threads"));
    assert!(!second.contains("data-live=\"dm\""), "a later page stays still");
    let (status, _) = browser.get(&format!("/dms/{dm}?threads_after=nonsense")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // An admin outside the conversation pages nothing of it.
    owner.add_member("ad", "admin").await;
    let mut admin_browser = Browser::signed_in(&server, "ad@example.com").await;
    let (status, page) = admin_browser.get(&older).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.contains("topic "), "{page}");
}
