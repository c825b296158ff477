//! The web app over HTTP, as a browser meets it: redirects on a fresh server, the strict
//! Content-Security-Policy, cookies, CSRF, escaping, and no content for pages one may not see.
//! (The same flows in a real browser are in `crates/baton/tests/it/web.rs`.)

use reqwest::header::{CONTENT_SECURITY_POLICY, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{location, Browser};
use crate::harness::{TestServer, PASSWORD};

#[tokio::test]
async fn a_fresh_server_leads_to_setup_and_every_page_has_a_strict_policy() {
    let server = TestServer::start().await;
    let mut browser = Browser::new(&server);
    let response = browser.http.get(server.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/setup");
    let (status, page) = browser.get("/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("name=\"workspace_name\""), "{page}");
    assert!(!page.contains("<script>") && !page.contains("style="), "no inline script or style: {page}");
    let response = browser.http.get(server.url("/setup")).send().await.unwrap();
    let policy = response.headers().get(CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    // The sign-in page before setup sends you to setup.
    let response = browser.http.get(server.url("/login")).send().await.unwrap();
    assert_eq!(location(&response), "/setup");
}

#[tokio::test]
async fn setup_needs_the_csrf_token_and_signs_the_owner_in_with_a_strict_cookie() {
    let server = TestServer::start().await;
    let mut browser = Browser::new(&server);
    browser.get("/setup").await;
    let fields = [
        ("workspace_name", "Acme"),
        ("time_zone", "Europe/Berlin"),
        ("handle", "ana"),
        ("display_name", "Ana"),
        ("email", "ana@example.com"),
        ("password", PASSWORD),
    ];
    // A form posted from elsewhere (no or a wrong token) creates nothing.
    let forged = browser.post("/setup", &fields, Some("0".repeat(64).as_str())).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (status, _) = server.call(reqwest::Method::GET, "/api/v1/workspace", None, None).await;
    assert_ne!(status, StatusCode::OK, "no workspace after a forged setup");
    // Bad input re-renders the form with the reason, keeping what was typed.
    let bad = browser
        .post(
            "/setup",
            &[("workspace_name", "Acme"), ("handle", "ana"), ("email", "nope"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("class=\"error\"") && page.contains("email"), "{page}");
    assert!(page.contains("value=\"Acme\""), "{page}");

    let done = browser.post("/setup", &fields, None).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/");
    let cookie = done.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("baton_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let (status, page) = browser.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("@ana") && page.contains("Create channel"), "{page}");

    // Behind a TLS proxy the cookie is Secure too.
    let mut other = Browser::new(&server);
    other.get("/login").await;
    let token = other.cookie("baton_csrf").unwrap().to_string();
    let response = other
        .http
        .post(server.url("/login"))
        .header("cookie", other.cookie_header())
        .header("x-forwarded-proto", "https")
        .form(&[("_csrf", token.as_str()), ("email", "ana@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn messages_render_safely_and_a_private_channel_shows_nothing_to_others() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let member = owner.add_member("bo", "member").await;
    let private = owner.create("/api/v1/channels", json!({"name": "leadership", "visibility": "private"})).await;
    let channel = private["id"].as_i64().unwrap();
    let thread = owner
        .create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "Reorg secrets", "body": "hush"}))
        .await;
    let thread = thread["id"].as_i64().unwrap();
    let _ = member;

    let mut bo = Browser::new(&server);
    bo.get("/login").await;
    let wrong = bo.post("/login", &[("email", "bo@example.com"), ("password", "not-the-password")], None).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("class=\"error\""));
    let signed = bo.post("/login", &[("email", "bo@example.com"), ("password", PASSWORD)], None).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    for path in [format!("/c/{channel}"), format!("/t/{thread}"), format!("/t/{thread}/messages"), "/c/999".into()] {
        let (status, page) = bo.get(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!page.contains("leadership") && !page.contains("Reorg") && !page.contains("hush"), "{path}: {page}");
    }
    let (_, list) = bo.get("/").await;
    assert!(!list.contains("leadership"), "{list}");

    // bo starts a public channel and a thread; markup in a message is text, not page.
    let created = bo.post("/channels", &[("name", "general"), ("visibility", "public")], None).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let channel_page = location(&created).to_string();
    let started = bo
        .post(
            &format!("{channel_page}/threads"),
            &[("title", "Hello"), ("body", "**bold** <script>alert(1)</script> <img src=x onerror=alert(2)>")],
            None,
        )
        .await;
    let thread_page = location(&started).to_string();
    let (status, page) = bo.get(&thread_page).await;
    assert_eq!(status, StatusCode::OK);
    let shown = &page[page.find("<div class=\"body\">").unwrap()..];
    let shown = &shown[..shown.find("</div>").unwrap()];
    assert!(shown.contains("<strong>bold</strong>"), "{shown}");
    assert!(!shown.contains("<script") && !shown.contains("onerror"), "{shown}");
    assert!(!page.contains("<script>alert"), "the edit box holds the text escaped: {page}");
    // A reply without the CSRF token is refused and posts nothing.
    let forged = bo.post(&format!("{thread_page}/messages"), &[("body", "forged")], Some("x")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let replied =
        bo.post(&format!("{thread_page}/messages"), &[("body", "a real reply"), ("urgent", "true")], None).await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    let (_, page) = bo.get(&thread_page).await;
    assert!(page.contains("a real reply") && page.contains("urgent") && !page.contains("forged"), "{page}");
    // Signing out ends the session: the page asks to sign in again.
    let out = bo.post("/logout", &[], None).await;
    assert_eq!(location(&out), "/login");
    let response = bo.http.get(server.url(&thread_page)).header("cookie", bo.cookie_header()).send().await.unwrap();
    assert_eq!(location(&response), "/login");
}

/// The number in the `span.unread` right after `anchor` on a page, if any.
fn unread_after(page: &str, anchor: &str) -> Option<String> {
    let rest = &page[page.find(anchor)? + anchor.len()..];
    let rest = &rest[..rest.find("</li>")?];
    let start = rest.find("class=\"unread-count\"")?;
    let rest = &rest[start..];
    let from = rest.find('>')? + 1;
    Some(rest[from..from + rest[from..].find('<')?].to_string())
}

#[tokio::test]
async fn unread_counts_follow_reading_and_direct_conversations_work_like_threads() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let channel = owner.create("/api/v1/channels", json!({"name": "general"})).await["id"].as_i64().unwrap();
    let thread = owner
        .create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "Plans", "body": "one"}))
        .await["id"]
        .as_i64()
        .unwrap();
    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "two"})).await;

    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (_, list) = browser.get("/").await;
    assert_eq!(unread_after(&list, "#general</a>").as_deref(), Some("2"), "{list}");
    let (_, threads) = browser.get(&format!("/c/{channel}")).await;
    assert_eq!(unread_after(&threads, "Plans</a>").as_deref(), Some("2"), "{threads}");
    // Opening the thread reads it; one's own messages never count.
    browser.get(&format!("/t/{thread}")).await;
    bo.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "mine"})).await;
    let (_, list) = browser.get("/").await;
    assert_eq!(unread_after(&list, "#general</a>"), None, "{list}");
    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "three"})).await;
    let (_, list) = browser.get("/").await;
    assert_eq!(unread_after(&list, "#general</a>").as_deref(), Some("1"), "{list}");

    // Whether the owner's reply notification from above was delivered yet depends on the hour
    // in Berlin: read what there is, so that the count below is the direct message's alone.
    let (status, _) = owner.send(reqwest::Method::POST, "/api/v1/inbox/read", json!({})).await;
    assert_eq!(status, StatusCode::OK);

    // A direct conversation opened from the page, a message in it, unread for the other.
    let opened = browser.post("/dms", &[("members", &owner.id.to_string())], None).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let dm_page = location(&opened).to_string();
    assert!(dm_page.starts_with("/dms/"), "{dm_page}");
    // Urgent, so the notification is delivered now whatever the hour in Berlin.
    let sent = browser.post(&format!("{dm_page}/messages"), &[("body", "hi @owner"), ("urgent", "true")], None).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let (_, page) = browser.get(&dm_page).await;
    assert!(page.contains("hi @owner") && page.contains("<h1>@owner</h1>"), "{page}");
    let mut ana = Browser::signed_in(&server, "owner@example.com").await;
    let (_, dms) = ana.get("/dms").await;
    assert_eq!(unread_after(&dms, "@bo</a>").as_deref(), Some("1"), "{dms}");
    // The navigation counts the unread notification on every page; the inbox marks it read.
    assert!(dms.contains("Inbox <span class=\"unread-count\" aria-label=\"1 unread\">1</span>"), "{dms}");
    let read = ana.post("/inbox/read", &[], None).await;
    assert_eq!(read.status(), StatusCode::SEE_OTHER);
    let (_, list) = ana.get("/").await;
    assert!(list.contains(">Inbox</a>") && !list.contains("Inbox <span"), "{list}");
    // Someone outside the conversation cannot open it.
    let _cy = owner.add_member("cy", "member").await;
    let mut cy = Browser::signed_in(&server, "cy@example.com").await;
    let (status, page) = cy.get(&dm_page).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.contains("hi @owner"));
}

#[tokio::test]
async fn edits_reactions_and_send_later_from_the_composer() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let channel = owner.create("/api/v1/channels", json!({"name": "general"})).await["id"].as_i64().unwrap();
    let thread = owner
        .create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "Plans", "body": "first"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let first = owner.get(&format!("/api/v1/threads/{thread}/messages")).await.1[0]["id"].as_i64().unwrap();
    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let back = format!("/t/{thread}");

    let edited =
        browser.post(&format!("/messages/{first}/edit"), &[("body", "first, *edited*"), ("back", &back)], None).await;
    assert_eq!(location(&edited), format!("{back}#m{first}"));
    let (_, message) = owner.get(&format!("/api/v1/messages/{first}")).await;
    assert_eq!(message["body"], "first, *edited*");
    // A back link elsewhere is not followed.
    let elsewhere =
        browser.post(&format!("/messages/{first}/edit"), &[("body", "again"), ("back", "//evil.example")], None).await;
    assert_eq!(location(&elsewhere), format!("/#m{first}"));

    // A reaction toggles.
    browser.post(&format!("/messages/{first}/react"), &[("emoji", "🎉"), ("back", &back)], None).await;
    let (_, message) = owner.get(&format!("/api/v1/messages/{first}")).await;
    assert_eq!(message["reactions"][0]["emoji"], "🎉", "{message}");
    browser.post(&format!("/messages/{first}/react"), &[("emoji", "🎉"), ("back", &back)], None).await;
    let (_, message) = owner.get(&format!("/api/v1/messages/{first}")).await;
    assert!(message["reactions"].as_array().unwrap().is_empty(), "{message}");

    // Send later: a time in the viewer's zone (Europe/Berlin) becomes a scheduled job.
    let later =
        browser.post(&format!("{back}/messages"), &[("body", "tomorrow"), ("send_at", "2099-01-02T09:30")], None).await;
    assert_eq!(later.status(), StatusCode::SEE_OTHER);
    let (_, scheduled) = owner.get("/api/v1/scheduled").await;
    let job = &scheduled.as_array().unwrap()[0];
    assert_eq!(job["due_at"], "2099-01-02T08:30:00Z", "{scheduled}");
    let past = browser
        .post(&format!("{back}/messages"), &[("body", "yesterday"), ("send_at", "2001-01-01T09:00")], None)
        .await;
    assert_eq!(past.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Remind me about a message: a reminder job at that time, in the viewer's zone.
    let reminded = browser
        .post(
            &format!("/messages/{first}/remind"),
            &[("at", "2099-03-01T08:00"), ("note", "check this"), ("back", &back)],
            None,
        )
        .await;
    assert_eq!(location(&reminded), format!("{back}#m{first}"));
    let (_, scheduled) = owner.get("/api/v1/scheduled").await;
    let reminder = scheduled.as_array().unwrap().iter().find(|j| j["due_at"] == "2099-03-01T07:00:00Z");
    assert!(reminder.is_some(), "{scheduled}");
    let bad = browser.post(&format!("/messages/{first}/remind"), &[("at", "soon"), ("back", &back)], None).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Both are listed on /scheduled; cancelling the message there cancels its job.
    let (_, listed) = browser.get("/scheduled").await;
    assert!(listed.contains("tomorrow") && listed.contains("check this"), "{listed}");
    let send_job = job["id"].as_i64().unwrap();
    let cancelled = browser.post(&format!("/scheduled/{send_job}/cancel"), &[], None).await;
    assert_eq!(location(&cancelled), "/scheduled");
    let (_, scheduled) = owner.get("/api/v1/scheduled").await;
    let after = scheduled.as_array().unwrap().iter().find(|j| j["id"] == send_job).cloned();
    assert!(after.is_none_or(|j| !j["cancelled_at"].is_null()), "{scheduled}");
    let (_, listed) = browser.get("/scheduled").await;
    assert!(listed.contains("cancelled"), "{listed}");

    // Mentions autocomplete asks the server for members by prefix.
    let response =
        browser.http.get(server.url("/mentions?q=ow")).header("cookie", browser.cookie_header()).send().await.unwrap();
    let found: serde_json::Value = response.json().await.unwrap();
    assert_eq!(found[0]["handle"], "owner", "{found}");
}

#[tokio::test]
async fn settings_change_hours_and_admins_add_members_with_invitations() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let mut browser = Browser::signed_in(&server, "owner@example.com").await;
    let (status, page) = browser.get("/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"09:00-17:00\"") && page.contains("<svg"), "{page}");
    let hours = [
        ("display_name", "Owner"),
        ("time_zone", "Asia/Kolkata"),
        ("mon", "08:00-12:00, 13:00-17:30"),
        ("tue", "09:00-17:00"),
        ("wed", ""),
        ("thu", "09:00-17:00"),
        ("fri", "09:00-13:00"),
        ("sat", ""),
        ("sun", ""),
    ];
    let saved = browser.post("/settings", &hours, None).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, me) = owner.get("/api/v1/me").await;
    assert_eq!(me["time_zone"], "Asia/Kolkata");
    assert_eq!(
        me["working_hours"]["mon"],
        json!([{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}])
    );
    assert_eq!(me["working_hours"]["wed"], json!([]));
    let bad = browser
        .post("/settings", &[("display_name", "Owner"), ("time_zone", "Mars/Base"), ("mon", "09:00-17:00")], None)
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let overlapping = browser
        .post(
            "/settings",
            &[("display_name", "Owner"), ("time_zone", "UTC"), ("mon", "09:00-12:00, 11:00-13:00")],
            None,
        )
        .await;
    assert_eq!(overlapping.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(owner.get("/api/v1/me").await.1["time_zone"], "Asia/Kolkata", "a refused form changes nothing");

    // An invitation: no password, a one-time link; the invitee sets one and is signed in. The
    // link is absolute and shown once, in the answer to the form: never in a URL, where it would
    // stay in the admin's browser history.
    let added = browser
        .post("/admin/members", &[("handle", "dee"), ("email", "dee@example.com"), ("role", "member")], None)
        .await;
    assert_eq!(added.status(), StatusCode::OK, "the answer is the page itself, not a redirect");
    let page = added.text().await.unwrap();
    let prefix = format!("http://{}/invite?token=", server.addr);
    let start = page.find(&prefix).unwrap_or_else(|| panic!("an absolute invitation link: {page}")) + prefix.len();
    let token: String = page[start..].chars().take_while(char::is_ascii_alphanumeric).collect();
    assert_eq!(token.len(), 64, "{page}");
    let (_, again) = browser.get("/admin").await;
    assert!(!again.contains(&token), "shown only once");
    let mut dee = Browser::new(&server);
    let (status, page) = dee.get(&format!("/invite?token={token}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let joined = dee.post("/invite", &[("token", &token), ("password", PASSWORD)], None).await;
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let (status, page) = dee.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("@dee"), "{page}");
    // A member is not an admin: the admin page is refused, and so are its forms.
    let (status, _) = dee.get("/admin").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let refused = dee.post("/admin/norms", &[("hours", "1")], None).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // The owner makes dee an admin and sets the workspace's norm.
    let dee_id =
        owner.get("/api/v1/members").await.1.as_array().unwrap().iter().find(|m| m["handle"] == "dee").unwrap()["id"]
            .as_i64()
            .unwrap();
    browser.post(&format!("/admin/members/{dee_id}"), &[("role", "admin")], None).await;
    assert_eq!(owner.get(&format!("/api/v1/members/{dee_id}")).await.1["role"], "admin");
    browser.post("/admin/norms", &[("hours", "2.5")], None).await;
    assert_eq!(owner.get("/api/v1/norms").await.1["default_reply_within_minutes"], 150);
}

#[tokio::test]
async fn a_thread_that_bounces_is_flagged_in_its_channel() {
    use baton_core::text::MessageText;
    use baton_core::ThreadId;
    use baton_store::testing::Scratch;
    use baton_store::{Command, Envelope, MessageTarget, Store, Viewer};

    let data = Scratch::from_env().await;
    let store = data.open().await;
    let server = TestServer::serve(data, store.clone()).await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let channel = owner.create("/api/v1/channels", json!({"name": "launch"})).await["id"].as_i64().unwrap();
    let quiet =
        owner.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "Quiet one", "body": "hi"})).await;
    let _ = quiet;
    let loud = owner.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "Launch date"})).await;
    let loud = ThreadId(loud["id"].as_i64().unwrap());
    // Seven messages alternating over two days: six handoffs, unresolved — DESIGN's ping-pong.
    let viewers = [
        Viewer { member: baton_core::MemberId(owner.id), role: baton_core::model::Role::Owner },
        Viewer { member: baton_core::MemberId(bo.id), role: baton_core::model::Role::Member },
    ];
    let start = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(60)).unwrap();
    for turn in 0..7 {
        let at = start.checked_add(jiff::SignedDuration::from_hours(8 * turn)).unwrap();
        let command = Command::PostMessage {
            target: MessageTarget::Thread(loud),
            text: MessageText::new(format!("turn {turn}")),
            urgent: false,
        };
        store.execute(Envelope::new(viewers[turn as usize % 2], at, command)).await.unwrap();
    }
    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (_, page) = browser.get(&format!("/c/{channel}")).await;
    let row = |title: &str| {
        let at = page.find(title).unwrap();
        page[at..at + page[at..].find("</li>").unwrap()].to_string()
    };
    assert!(row("Launch date").contains("bouncing"), "{page}");
    assert!(!row("Quiet one").contains("bouncing"), "{page}");
}

/// A direct conversation's page lists its threads beside its timeline; "Reply in thread" on a
/// timeline message starts one, and the thread's page leads back to the conversation. An admin
/// outside it sees nothing of either.
#[tokio::test]
async fn a_reply_in_a_direct_conversation_starts_a_thread_its_page_lists() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let ana = owner.add_member("ana", "member").await;
    let bo = owner.add_member("bo", "member").await;
    let dm = ana.create("/api/v1/dms", json!({"member_ids": [bo.id]})).await["id"].as_i64().unwrap();
    let question = ana.create(&format!("/api/v1/dms/{dm}/messages"), json!({"body": "Ship on *Friday*?"})).await;
    let question = question["id"].as_i64().unwrap();
    ana.create(&format!("/api/v1/dms/{dm}/messages"), json!({"body": "aside"})).await;

    let mut browser = Browser::signed_in(&server, "bo@example.com").await;
    let (_, page) = browser.get(&format!("/dms/{dm}")).await;
    assert!(page.contains("<h2>Threads</h2>") && page.contains("No threads yet."), "{page}");
    assert!(
        page.contains(&format!("action=\"/messages/{question}/reply\"")),
        "a timeline message offers a reply: {page}"
    );
    let replied = browser.post(&format!("/messages/{question}/reply"), &[("body", "Friday works")], None).await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    let thread_page = location(&replied);
    assert!(thread_page.starts_with("/t/"), "{thread_page}");
    let (status, page) = browser.get(&thread_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Ship on *Friday*?"), "titled with the message as written: {page}");
    assert!(page.contains(&format!("href=\"/dms/{dm}\"")) && page.contains("@ana"), "leads back: {page}");
    assert!(page.contains("Friday works") && page.contains("<em>Friday</em>"), "{page}");
    assert!(!page.contains("/reply\""), "messages in a thread offer no reply-in-thread: {page}");

    let (_, page) = browser.get(&format!("/dms/{dm}")).await;
    let thread = thread_page.trim_start_matches("/t/").split('#').next().unwrap().to_string();
    assert!(page.contains(&format!("href=\"/t/{thread}\"")), "the thread is listed: {page}");
    let (_, timeline) = browser.get(&format!("/dms/{dm}/messages")).await;
    assert!(timeline.contains("aside") && !timeline.contains("Ship on"), "the message left the timeline: {timeline}");
    let mut ana_browser = Browser::signed_in(&server, "ana@example.com").await;
    let (_, threads) = ana_browser.get(&format!("/dms/{dm}/threads")).await;
    assert_eq!(unread_after(&threads, "Ship on *Friday*?</a>").as_deref(), Some("1"), "bo's reply: {threads}");

    let mut admin = Browser::signed_in(&server, "owner@example.com").await;
    for path in
        [format!("/dms/{dm}"), format!("/dms/{dm}/threads"), format!("/t/{thread}"), format!("/t/{thread}/messages")]
    {
        let (status, page) = admin.get(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!page.contains("Friday"), "{path}: {page}");
    }
    let refused = admin.post(&format!("/messages/{question}/reply"), &[("body", "me too")], None).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

/// An unknown URL answers a browser with an HTML page (and every page's headers); API clients and
/// API paths keep the JSON error.
#[tokio::test]
async fn unknown_urls_answer_a_browser_with_a_page() {
    let server = TestServer::start().await;
    let browser = reqwest::Client::new();
    let page = browser.get(server.url("/no/such/page")).header("accept", "text/html,*/*;q=0.8").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.headers().get(CONTENT_SECURITY_POLICY).is_some(), "a page's headers");
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let body = page.text().await.unwrap();
    assert!(body.starts_with("<!DOCTYPE html>") && body.contains("Page not found"), "{body}");
    for (path, accept) in [("/no/such/page", "application/json"), ("/api/v1/nope", "text/html")] {
        let answer = browser.get(server.url(path)).header("accept", accept).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}: {body}");
    }
}
