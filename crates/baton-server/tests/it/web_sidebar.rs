//! The sidebar beside the conversation pages, over HTTP: what it lists (only what the viewer may
//! read: an admin outside a private channel sees neither its name nor its count), the unread
//! counts and mention marks, the open conversation marked `aria-current`, and its live parts
//! (`/sidebar/counts`, `/sidebar`). The keyboard and 360 px are in `tests/web/browser.mjs`.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::Browser;
use crate::harness::TestServer;

/// The sidebar of a page (the `details#sidebar` element), or a panic naming the page.
fn sidebar(page: &str) -> &str {
    let start = page
        .find("<details class=\"sidebar\" id=\"sidebar\"")
        .unwrap_or_else(|| panic!("no sidebar on the page: {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</details>").expect("the sidebar ends") + "</details>".len()]
}

/// The sidebar's link to `key` (`c12`, `d4`), whole.
fn link<'p>(sidebar: &'p str, key: &str) -> Option<&'p str> {
    let marker = format!("data-conv=\"{key}\"");
    let at = sidebar.find(&marker)?;
    let start = sidebar[..at].rfind("<a ")?;
    let end = at + sidebar[at..].find("</a>")? + "</a>".len();
    Some(&sidebar[start..end])
}

/// The unread count a sidebar link shows (none: no badge).
fn unread(link: &str) -> Option<String> {
    let start = link.find("class=\"unread-count\"")?;
    let rest = &link[start..];
    let from = rest.find('>')? + 1;
    Some(rest[from..from + rest[from..].find('<')?].to_string())
}

fn id(value: &Value) -> i64 {
    value["id"].as_i64().unwrap_or_else(|| panic!("no id in {value}"))
}

#[tokio::test]
async fn the_sidebar_lists_what_the_viewer_may_read_with_counts_and_the_open_conversation() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let _admin = owner.add_member("ada", "admin").await;
    let general = id(&owner.create("/api/v1/channels", json!({"name": "general"})).await);
    let thread = id(&owner
        .create(&format!("/api/v1/channels/{general}/threads"), json!({"title": "Plans", "body": "one"}))
        .await);
    // Urgent, so that the mention is delivered now whatever the hour.
    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "two, @bo", "urgent": true})).await;
    let private = id(&owner.create("/api/v1/channels", json!({"name": "leadership", "visibility": "private"})).await);
    let secret = id(&owner
        .create(&format!("/api/v1/channels/{private}/threads"), json!({"title": "Reorg", "body": "hush"}))
        .await);
    owner.create(&format!("/api/v1/threads/{secret}/messages"), json!({"body": "more hush"})).await;
    let dm = id(&owner.create("/api/v1/dms", json!({"member_ids": [bo.id]})).await);
    owner.create(&format!("/api/v1/dms/{dm}/messages"), json!({"body": "psst"})).await;
    let (c_general, c_private, d_dm) = (format!("c{general}"), format!("c{private}"), format!("d{dm}"));

    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    // Every conversation page has it; no page marks a conversation it is not.
    for path in ["/", "/dms", "/inbox", "/search?q=hush", "/search"] {
        let (status, page) = browser.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let side = sidebar(&page);
        assert!(side.contains("#general") && side.contains("@owner"), "{path}: {side}");
        assert!(!side.contains("aria-current"), "{path} marks a conversation: {side}");
        assert!(
            !page.contains("leadership") && !page.contains("more hush"),
            "{path} shows the private channel: {page}"
        );
        assert!(page.contains("src=\"/static/sidebar.js\""), "{path} has no shortcuts");
    }
    let (_, page) = browser.get("/").await;
    let side = sidebar(&page);
    let general_link = link(side, &c_general).expect("#general is listed");
    assert_eq!(unread(general_link).as_deref(), Some("2"), "{general_link}");
    assert!(general_link.contains("class=\"mention-mark\""), "the mention of @bo is marked: {general_link}");
    assert!(general_link.contains("2 unread, mentions you"), "a screen reader hears the counts: {general_link}");
    assert_eq!(unread(link(side, &d_dm).expect("the conversation is listed")).as_deref(), Some("1"));
    assert!(link(side, &c_private).is_none(), "bo is not in #leadership: {side}");
    assert!(side.contains(" · 2 with unread"), "the summary counts the conversations with unread: {side}");
    assert!(side.contains("Alt+↑/↓"), "the shortcuts are on the page: {side}");

    // The channel's page marks it as the page; a thread inside it marks it too (reading it).
    let (_, page) = browser.get(&format!("/c/{general}")).await;
    assert!(link(sidebar(&page), &c_general).unwrap().contains("aria-current=\"page\""), "{page}");
    let (_, page) = browser.get(&format!("/t/{thread}")).await;
    let general_link = link(sidebar(&page), &c_general).unwrap();
    assert!(general_link.contains("aria-current=\"true\""), "{general_link}");
    // The thread was read before the sidebar was: nothing unread, and the mention is read too
    // (its notification still waits in the inbox).
    assert_eq!(unread(general_link), None, "{general_link}");
    assert!(!general_link.contains("mention-mark"), "{general_link}");
    assert!(page.contains("aria-keyshortcuts=\"Control+Enter Meta+Enter\""), "the composer says how to send");
    let (_, page) = browser.get(&format!("/dms/{dm}")).await;
    let dm_link = link(sidebar(&page), &d_dm).unwrap();
    assert!(dm_link.contains("aria-current=\"page\"") && unread(dm_link).is_none(), "{dm_link}");
    assert!(!link(sidebar(&page), &c_general).unwrap().contains("aria-current"), "{page}");

    // The counts alone, for live updates: only what is unread.
    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "three"})).await;
    let (status, counts) = browser.get("/sidebar/counts").await;
    assert_eq!(status, StatusCode::OK);
    let counts: Value = serde_json::from_str(&counts).unwrap();
    assert_eq!(counts["channels"], json!({ general.to_string(): {"unread": 1, "mentions": 0} }), "{counts}");
    assert_eq!(counts["dms"], json!({}), "{counts}");
    assert_eq!(counts["inbox"], json!(1), "the mention's notification is unread in the inbox: {counts}");
    // The whole sidebar again, the open conversation named by the page.
    let (status, fragment) = browser.get(&format!("/sidebar?current={c_general}&within=true")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(link(sidebar(&fragment), &c_general).unwrap().contains("aria-current=\"true\""), "{fragment}");

    // An admin who is not in #leadership is an outsider to it in the sidebar too.
    let mut ada = Browser::signed_in(&server, "ada@example.com").await;
    // (Before the thread is read below.)
    let (_, counts) = ada.get("/sidebar/counts").await;
    let counts: Value = serde_json::from_str(&counts).unwrap();
    assert!(counts["channels"].get(private.to_string()).is_none(), "the admin gets #leadership's count: {counts}");
    assert!(counts["channels"].get(general.to_string()).is_some(), "{counts}");
    for path in ["/".to_string(), format!("/c/{general}"), format!("/t/{thread}"), "/inbox".into(), "/sidebar".into()] {
        let (status, page) = ada.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let side = sidebar(&page);
        assert!(link(side, &c_general).is_some(), "{path}: {side}");
        assert!(link(side, &c_private).is_none() && !side.contains("leadership"), "{path} lists #leadership: {side}");
        assert!(!page.contains("hush"), "{path}: {page}");
    }
    // Its member does see it, marked private, with its count.
    let mut ana = Browser::signed_in(&server, "owner@example.com").await;
    let (_, page) = ana.get("/").await;
    let private_link = link(sidebar(&page), &c_private).expect("the owner is in #leadership");
    assert!(private_link.contains("leadership") && private_link.contains("Private channel"), "{private_link}");
    // Without a session there is nothing to read.
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = anonymous.get(server.url("/sidebar/counts")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn many_channels_and_conversations_keep_the_open_and_the_unread_ones_in_the_sidebar() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let mut channels = Vec::new();
    for n in 0..70 {
        channels.push(id(&owner.create("/api/v1/channels", json!({"name": format!("c{n:02}")})).await));
    }
    // The last channel in name order has unread messages; bo reads none.
    let last = channels[69];
    owner.create(&format!("/api/v1/channels/{last}/threads"), json!({"title": "Late", "body": "x"})).await;
    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (_, page) = browser.get(&format!("/c/{}", channels[68])).await;
    let side = sidebar(&page);
    assert!(link(side, &format!("c{}", channels[69])).is_some(), "the unread channel is listed");
    assert!(link(side, &format!("c{}", channels[68])).is_some(), "the open channel is listed");
    assert!(link(side, &format!("c{}", channels[67])).is_none(), "not every channel is listed");
    assert!(side.contains(">All channels</a>"), "{side}");
    drop(bo);
}

/// How long the thread page takes with its sidebar, and the sidebar's reads alone (`/sidebar`),
/// in a workspace of many channels and conversations: the sidebar is on every page, so it must
/// stay a small part of one. `cargo test -p baton-server --test it -- --ignored --nocapture
/// sidebar_timing` (`SIDEBAR_TIMING_CHANNELS`, `SIDEBAR_TIMING_DMS`, `SIDEBAR_TIMING_N`).
#[tokio::test]
#[ignore = "a timing, not a test: run it by hand"]
async fn sidebar_timing() {
    let size = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let (channel_count, dm_count, n) =
        (size("SIDEBAR_TIMING_CHANNELS", 500), size("SIDEBAR_TIMING_DMS", 50), size("SIDEBAR_TIMING_N", 300));
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let mut channels = Vec::new();
    for n in 0..channel_count {
        channels.push(id(&owner.create("/api/v1/channels", json!({"name": format!("channel-{n:03}")})).await));
    }
    for n in 0..dm_count {
        let member = owner.add_member(&format!("p{n:03}"), "member").await;
        let dm = id(&owner.create("/api/v1/dms", json!({"member_ids": [member.id]})).await);
        member.create(&format!("/api/v1/dms/{dm}/messages"), json!({"body": format!("hello {n}")})).await;
    }
    let thread = id(&owner
        .create(&format!("/api/v1/channels/{}/threads", channels[0]), json!({"title": "Timed", "body": "first"}))
        .await);
    for n in 0..200 {
        owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": format!("message {n}")})).await;
    }
    for channel in channels.iter().step_by(5) {
        owner.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "Busy", "body": "x"})).await;
    }
    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let mut report = Vec::new();
    for path in [format!("/t/{thread}"), "/sidebar".to_string(), "/sidebar/counts".to_string()] {
        for _ in 0..20 {
            browser.get(&path).await;
        }
        let mut took: Vec<Duration> = Vec::with_capacity(n);
        for _ in 0..n {
            let started = Instant::now();
            let (status, _) = browser.get(&path).await;
            took.push(started.elapsed());
            assert_eq!(status, StatusCode::OK, "{path}");
        }
        took.sort();
        let at = |q: f64| took[((took.len() as f64 * q) as usize).min(took.len() - 1)];
        report.push(format!("{path:<16} p50 {:>8.2?}  p90 {:>8.2?}  p99 {:>8.2?}", at(0.5), at(0.9), at(0.99)));
    }
    println!("sidebar timing: {channel_count} channels, {dm_count} conversations, {n} requests each, one at a time");
    for line in report {
        println!("  {line}");
    }
}
