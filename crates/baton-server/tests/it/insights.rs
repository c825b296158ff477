//! `GET /api/v1/insights`: the report, filtered per viewer, with the privacy floor.

use baton_core::calendar::WorkingHours;
use baton_core::model::{Role, Visibility};
use baton_core::text::MessageText;
use baton_core::{ChannelId, MemberId, ThreadId};
use baton_store::testing::Scratch;
use baton_store::{Command, Envelope, MessageTarget, NewMember, SqlStore, Store, Viewer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{TestServer, PASSWORD};

const HANDLES: [&str; 6] = ["owner", "ana", "bo", "cy", "dee", "eve"];

fn member(handle: &str, role: Role, hash: &str) -> NewMember {
    NewMember {
        handle: handle.into(),
        email: format!("{handle}@example.com"),
        display_name: handle.into(),
        role,
        time_zone: "UTC".into(),
        working_hours: WorkingHours::default(),
        password_hash: Some(hash.into()),
        service: false,
    }
}

async fn exec(store: &SqlStore, who: Viewer, at: &str, command: Command) -> Value {
    store.execute(Envelope::new(who, at.parse().unwrap(), command)).await.expect("the command applies").to_json()
}

/// A thread in `channel` where `a` and `b` alternate seven times over two days: it bounces.
async fn bouncing_thread(store: &SqlStore, a: Viewer, b: Viewer, channel: i64, title: &str) {
    let thread =
        Command::CreateThread { home: ChannelId(channel).into(), title: title.into(), tags: vec![], body: None };
    let thread = ThreadId(exec(store, a, "2024-05-06T09:00:00Z", thread).await["id"].as_i64().unwrap());
    for n in 0..8 {
        let who = if n % 2 == 0 { a } else { b };
        let at = format!("2024-05-{:02}T{}:00:00Z", 6 + n / 3, 10 + n % 3 * 2);
        let post = Command::PostMessage {
            target: MessageTarget::Thread(thread),
            text: MessageText::new(format!("{title} {n}")),
            urgent: false,
        };
        exec(store, who, &at, post).await;
    }
}

/// A thread in the direct conversation of `a` and `b`, started by `b`'s reply to `a`'s message,
/// then alternating over two days: it bounces.
async fn bouncing_dm_thread(store: &SqlStore, a: Viewer, b: Viewer, title: &str) {
    let dm = Command::OpenDm { members: vec![b.member], export_name: None };
    let dm = baton_core::DmId(exec(store, a, "2024-05-06T08:00:00Z", dm).await["id"].as_i64().unwrap());
    let parent =
        Command::PostMessage { target: MessageTarget::Dm(dm), text: MessageText::new(title.into()), urgent: false };
    let parent = baton_core::MessageId(exec(store, a, "2024-05-06T09:00:00Z", parent).await["id"].as_i64().unwrap());
    for n in 0..7 {
        let who = if n % 2 == 0 { b } else { a };
        let at = format!("2024-05-{:02}T{}:00:00Z", 6 + n / 3, 10 + n % 3 * 2);
        let reply = Command::Reply { message: parent, text: MessageText::new(format!("{title} {n}")), urgent: false };
        exec(store, who, &at, reply).await;
    }
}

/// A workspace of six: a public channel and a private one (ana and bo only), each with a
/// bouncing thread, a bouncing thread in ana and bo's direct conversation, and `n_talkers`
/// members who posted in the window.
async fn workspace(n_talkers: usize) -> TestServer {
    let data = Scratch::from_env().await;
    let store = data.open().await;
    let hash = baton_server::auth::hash_password_blocking(PASSWORD).unwrap();
    let setup = Command::Setup {
        workspace_name: "W".into(),
        time_zone: "UTC".into(),
        owner: member("owner", Role::Owner, &hash),
    };
    store.execute(Envelope::system("2024-05-01T00:00:00Z".parse().unwrap(), setup)).await.unwrap();
    let owner = Viewer { member: MemberId(1), role: Role::Owner };
    let mut people = vec![owner];
    for handle in &HANDLES[1..] {
        let added = exec(
            &store,
            owner,
            "2024-05-01T00:00:00Z",
            Command::AddMember { member: member(handle, Role::Member, &hash), invite: None },
        )
        .await;
        people.push(Viewer { member: MemberId(added["member"]["id"].as_i64().unwrap()), role: Role::Member });
    }
    let open = Command::CreateChannel {
        name: "open".into(),
        visibility: Visibility::Public,
        topic: String::new(),
        members: vec![],
    };
    let open = exec(&store, owner, "2024-05-01T00:00:00Z", open).await["id"].as_i64().unwrap();
    let hush = Command::CreateChannel {
        name: "hush-room".into(),
        visibility: Visibility::Private,
        topic: String::new(),
        members: vec![people[2].member],
    };
    let hush = exec(&store, people[1], "2024-05-01T00:00:00Z", hush).await["id"].as_i64().unwrap();
    bouncing_thread(&store, people[1], people[2], open, "open plans").await;
    bouncing_thread(&store, people[1], people[2], hush, "hush plans").await;
    bouncing_dm_thread(&store, people[1], people[2], "dm plans").await;
    let chat = Command::CreateThread { home: ChannelId(open).into(), title: "chat".into(), tags: vec![], body: None };
    let chat = ThreadId(exec(&store, owner, "2024-05-07T09:00:00Z", chat).await["id"].as_i64().unwrap());
    for who in people.iter().skip(3).take(n_talkers.saturating_sub(2)) {
        let post = Command::PostMessage {
            target: MessageTarget::Thread(chat),
            text: MessageText::new("hello".into()),
            urgent: false,
        };
        exec(&store, *who, "2024-05-07T10:00:00Z", post).await;
    }
    TestServer::serve(data, store).await
}

async fn insights_as(server: &TestServer, handle: &str) -> Value {
    let token = server.login(handle).await;
    let (status, body) =
        server.call(Method::GET, "/api/v1/insights?from=2024-05-06&to=2024-05-13", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn bouncing_channels(report: &Value) -> Vec<String> {
    report["bouncing_threads"].as_array().unwrap().iter().map(|t| t["channel"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn each_viewer_sees_what_they_may() {
    let server = workspace(5).await;

    let owner = insights_as(&server, "owner").await;
    assert_eq!(
        bouncing_channels(&owner),
        ["open"],
        "an admin outside a private channel or a direct conversation does not see their threads"
    );
    assert_eq!(owner["members"].as_array().unwrap().len(), 6, "admins see every member's row");
    assert_eq!(owner["privacy"], json!({"members_withheld": false, "aggregates_withheld": false, "floor": 5}));
    assert_eq!(owner["messages"]["count"], 27, "counts include the private channel and the direct conversation");
    assert!(!owner.to_string().contains("dm plans"), "nothing of the direct conversation is named: {owner}");

    let ana = insights_as(&server, "ana").await;
    let mut channels = bouncing_channels(&ana);
    channels.sort();
    assert_eq!(channels, ["ana,bo", "hush-room", "open"], "ana sees her direct conversation's bouncing thread");

    let cy = insights_as(&server, "cy").await;
    assert_eq!(bouncing_channels(&cy), ["open"]);
    assert_eq!(cy["members"], json!([]), "members see no per-member rows");
    assert_eq!(cy["messages"]["count"], 27, "five took part: aggregates are shown");
    assert!(!cy.to_string().contains("hush"), "nothing of the private channel is named: {cy}");
    assert!(!cy.to_string().contains("dm plans"), "nothing of the direct conversation is named: {cy}");
    assert_eq!(cy["lagging"]["members"], json!([]), "no per-member lagging rows for members");
    let lagging_channels: Vec<&str> =
        owner["lagging"]["channels"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(lagging_channels, ["open"], "lagging names only channels the viewer may see");
    assert!(owner["lagging"]["members"].as_array().unwrap().len() >= 2);
    assert!(owner["mode_mix"]["messages_per_member_week"].is_number());
}

/// Identical reports asked at the same time share one computation; each viewer still gets
/// only what they may see of it.
#[tokio::test]
async fn reports_asked_at_once_are_each_shown_as_their_viewer_may_see() {
    let server = workspace(5).await;
    for _ in 0..3 {
        let (owner, ana, cy, bo) = tokio::join!(
            insights_as(&server, "owner"),
            insights_as(&server, "ana"),
            insights_as(&server, "cy"),
            insights_as(&server, "bo"),
        );
        assert_eq!(bouncing_channels(&owner), ["open"]);
        assert_eq!(owner["members"].as_array().unwrap().len(), 6);
        let mut channels = bouncing_channels(&ana);
        channels.sort();
        assert_eq!(channels, ["ana,bo", "hush-room", "open"]);
        assert_eq!(bouncing_channels(&cy), ["open"]);
        assert_eq!(cy["members"], json!([]));
        assert!(!cy.to_string().contains("hush"), "{cy}");
        assert_eq!(bo["members"], json!([]));
        assert_eq!(owner["messages"], cy["messages"], "one computation, the same aggregates");
    }
}

#[tokio::test]
async fn aggregates_over_fewer_than_five_are_withheld_from_members() {
    let server = workspace(2).await;
    let cy = insights_as(&server, "cy").await;
    assert_eq!(cy["privacy"]["aggregates_withheld"], true);
    for key in
        ["messages", "response_time", "first_response", "bouncing_threads", "tasks", "isolation", "mode_mix", "lagging"]
    {
        assert_eq!(cy[key], Value::Null, "{key} is withheld");
    }
    let owner = insights_as(&server, "owner").await;
    assert_eq!(owner["privacy"]["aggregates_withheld"], false, "admins see everything");
    assert!(owner["response_time"]["median_s"].is_number());
}

#[tokio::test]
async fn a_bad_window_is_a_clear_error() {
    let server = workspace(5).await;
    let owner = server.login("owner").await;
    for (query, status) in
        [("from=2024-05-13&to=2024-05-06", 422), ("from=yesterday&to=2024-05-06", 422), ("to=2024-05-06", 400)]
    {
        let (got, body) = server.call(Method::GET, &format!("/api/v1/insights?{query}"), Some(&owner), None).await;
        assert_eq!(got.as_u16(), status, "{query}: {body}");
        assert!(body["error"]["message"].is_string());
    }
}

// Issue 12: a date and time without an offset was read as its date's midnight.
#[tokio::test]
async fn a_date_and_time_without_offset_is_that_time_in_the_workspace_zone() {
    let server = TestServer::start().await;
    let owner = server.setup().await; // Europe/Berlin: +02:00 in May
    let (status, body) = owner
        .get("/api/v1/insights?from=2024-05-06T10:00&to=2024-05-13T09:30:15&compare=2024-04-29T10:00..2024-05-06")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["window"], json!({"from": "2024-05-06T08:00:00Z", "to": "2024-05-13T07:30:15Z"}));
    assert_eq!(body["compare"]["before"], json!({"from": "2024-04-29T08:00:00Z", "to": "2024-05-05T22:00:00Z"}));
}

/// `raw` with every byte but letters, digits and `-._~` percent-encoded, for a query string.
fn query_value(raw: &str) -> String {
    raw.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

// Issue 12: an instant is read or refused, never reinterpreted; refused over the API is a 422.
#[tokio::test]
async fn an_instant_that_cannot_be_read_as_written_is_a_422_never_a_guess_or_a_500() {
    let server = TestServer::start().await;
    let owner = server.setup().await; // Europe/Berlin: clocks skip 02:00–03:00 on 2024-03-31, repeat it on 2024-10-27
    let cases = [
        ("from", "2024-05-06T10:00[America/New_York]", "names a time zone but no offset"),
        ("from", "2024-03-31T02:30", "does not exist in Europe/Berlin"),
        ("to", "2024-10-27T02:30", "happens twice in Europe/Berlin"),
        ("to", "9999-12-31T23:00Z", "is not an instant Baton can hold"),
        ("from", "-009999-01-01", "is not an instant Baton can hold"),
        ("from", "2024-05-06Z", "is not an instant"),
        ("to", "2024-05-13 noon", "is not an instant"),
        ("compare", "2024-04-29T10:00[America/New_York]..2024-05-06", "names a time zone but no offset"),
        ("compare", "2024-03-31T02:30..2024-05-06", "does not exist in Europe/Berlin"),
    ];
    for (field, raw, needle) in cases {
        let mut query = vec![("from", "2024-05-06"), ("to", "2024-05-13")];
        query.retain(|(name, _)| *name != field);
        query.push((field, raw));
        let query: Vec<String> = query.iter().map(|(name, value)| format!("{name}={}", query_value(value))).collect();
        let (status, body) = owner.get(&format!("/api/v1/insights?{}", query.join("&"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={raw}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input", "{field}={raw}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(&format!("{field}: ")), "{field}={raw}: the field is named: {message}");
        assert!(message.contains(needle), "{field}={raw}: {needle:?} missing from {message}");
    }
}

async fn get_as(server: &TestServer, handle: &str, query: &str) -> (StatusCode, Value) {
    let token = server.login(handle).await;
    server
        .call(Method::GET, &format!("/api/v1/insights?from=2024-05-06&to=2024-05-13&{query}"), Some(&token), None)
        .await
}

#[tokio::test]
async fn filters_narrow_the_report_and_hide_what_the_viewer_may_not_see() {
    let server = workspace(6).await;
    let (status, open) = get_as(&server, "owner", "channel=open").await;
    assert_eq!(status, StatusCode::OK, "{open}");
    // #open: the bouncing thread (8 messages) and the chat (cy, dee and eve say hello).
    assert_eq!(open["messages"]["count"], 11, "{open}");
    assert_eq!(bouncing_channels(&open), ["open"]);

    // The private channel: its members get it; to anyone else it does not exist, exactly like
    // a name nobody uses (the owner included: private means its members only).
    let (status, hush) = get_as(&server, HANDLES[1], "channel=hush-room").await;
    assert_eq!(status, StatusCode::OK, "{hush}");
    for (who, channel) in [("owner", "hush-room"), (HANDLES[4], "hush-room"), ("owner", "no-such-room")] {
        let (status, body) = get_as(&server, who, &format!("channel={channel}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} {channel}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }

    // A member filter: admins for anyone, members for themselves only.
    let (status, one) = get_as(&server, "owner", &format!("member={}", HANDLES[3])).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["members"].as_array().unwrap().len(), 1);
    assert_eq!(one["members"][0]["name"], HANDLES[3]);
    let (status, body) = get_as(&server, HANDLES[3], &format!("member={}", HANDLES[4])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = get_as(&server, HANDLES[3], &format!("member={}", HANDLES[3])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn compare_adds_before_and_after_with_intervals() {
    let server = workspace(6).await;
    let (status, body) = get_as(&server, "owner", "compare=2024-04-29..2024-05-06&seed=7").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let metrics = body["compare"]["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 5, "{body}");
    // Nothing was said before 2024-05-06: no responses, so no median and no change.
    let median = metrics.iter().find(|m| m["metric"] == "median_working_response_s").expect("a median row");
    assert_eq!(median["before"], Value::Null, "{median}");
    assert_eq!(median["after"].as_f64(), body["response_time"]["median_working_s"].as_f64(), "{median}");
    let (_, again) = get_as(&server, "owner", "compare=2024-04-29..2024-05-06&seed=7").await;
    assert_eq!(again["compare"], body["compare"], "seeded: the same answer");
    let (status, body) = get_as(&server, "owner", "compare=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn a_later_report_sees_what_was_written_since_the_last_one() {
    let server = workspace(6).await;
    let token = server.login("owner").await;
    let url = "/api/v1/insights?from=2024-05-06&to=2100-01-01";
    let (_, before) = server.call(Method::GET, url, Some(&token), None).await;
    let (_, channels) = server.call(Method::GET, "/api/v1/channels", Some(&token), None).await;
    let open = channels.as_array().unwrap().iter().find(|c| c["name"] == "open").unwrap()["id"].clone();
    let thread = json!({"title": "late news", "body": "it shipped"});
    let (status, body) =
        server.call(Method::POST, &format!("/api/v1/channels/{open}/threads"), Some(&token), Some(thread)).await;
    assert!(status.is_success(), "{body}");
    let (_, after) = server.call(Method::GET, url, Some(&token), None).await;
    let count = |report: &Value| report["messages"]["count"].as_u64().unwrap();
    assert_eq!(count(&after), count(&before) + 1, "the kept dataset applied the new events");
    assert_eq!(
        after["messages"]["conversations_active"].as_u64(),
        Some(before["messages"]["conversations_active"].as_u64().unwrap() + 1)
    );
}

/// Issue 12: without `from` and `to`, a workspace whose history ended long ago (here on
/// 2024-05-08) gets the four weeks through its last message or task event, not four empty
/// weeks through today; once something happens within the last four weeks, they are through
/// today. An explicit window is taken as it is.
#[tokio::test]
async fn without_a_window_insights_cover_the_four_weeks_with_the_last_activity() {
    let server = workspace(5).await;
    let token = server.login("owner").await;
    let (status, latest) = server.call(Method::GET, "/api/v1/insights", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{latest}");
    assert_eq!(latest["window"], json!({"from": "2024-04-11T00:00:00Z", "to": "2024-05-09T00:00:00Z"}));
    assert_eq!(latest["messages"]["count"], 27, "every message of the workspace");
    let url = "/api/v1/insights?from=2024-04-11&to=2024-05-09";
    let (_, explicit) = server.call(Method::GET, url, Some(&token), None).await;
    assert_eq!(latest, explicit, "the same report as the window given explicitly");
    let (_, given) =
        server.call(Method::GET, "/api/v1/insights?from=2024-05-06&to=2024-05-07", Some(&token), None).await;
    assert_eq!(given["window"], json!({"from": "2024-05-06T00:00:00Z", "to": "2024-05-07T00:00:00Z"}));

    let (_, channels) = server.call(Method::GET, "/api/v1/channels", Some(&token), None).await;
    let open = channels.as_array().unwrap().iter().find(|c| c["name"] == "open").unwrap()["id"].clone();
    let thread = json!({"title": "today", "body": "back at it"});
    let (status, body) =
        server.call(Method::POST, &format!("/api/v1/channels/{open}/threads"), Some(&token), Some(thread)).await;
    assert!(status.is_success(), "{body}");
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let (_, recent) = server.call(Method::GET, "/api/v1/insights", Some(&token), None).await;
    let midnight = |date: jiff::civil::Date| format!("{date}T00:00:00Z");
    assert_eq!(
        recent["window"],
        json!({"from": midnight(today - jiff::Span::new().days(27)), "to": midnight(today.tomorrow().unwrap())})
    );
    assert_eq!(recent["messages"]["count"], 1, "only today's message is in the last four weeks");
}
