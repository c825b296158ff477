//! The live stream: everything after `since`, in order, exactly once, then live events with no
//! gap; reconnecting anywhere resumes without loss; a slow reader is caught up from the store.

use std::time::Duration;

use futures_util::StreamExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::{Client, TestServer};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens the stream with the token in the `Authorization` header.
pub async fn connect(server: &TestServer, token: &str, since: i64) -> Socket {
    let url = format!("ws://{}/api/v1/stream?since={since}", server.addr);
    let mut request = url.into_client_request().expect("a request");
    request.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("a header"));
    let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("the stream opens");
    socket
}

/// Opens the stream with the query `query` (`since=…&focus=…`).
async fn connect_with(server: &TestServer, token: &str, query: &str) -> Result<Socket, u16> {
    let url = format!("ws://{}/api/v1/stream?{query}", server.addr);
    let mut request = url.into_client_request().expect("a request");
    request.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("a header"));
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("the handshake failed: {other}"),
    }
}

/// Every event frame until the stream has been quiet for `quiet`.
async fn read_until_quiet(socket: &mut Socket, quiet: Duration) -> Vec<Value> {
    let mut events = Vec::new();
    while let Ok(Some(frame)) = tokio::time::timeout(quiet, socket.next()).await {
        if let Message::Text(text) = frame.expect("a frame") {
            events.push(serde_json::from_str(&text).expect("each frame is one JSON object"));
        }
    }
    events
}

/// Reads events until one with `seq >= until` arrived (nothing when `until <= since`, after a
/// short wait that would catch an unwanted event); panics after 20 s.
async fn read_until(socket: &mut Socket, since: i64, until: i64) -> Vec<Value> {
    let mut events = Vec::new();
    if until <= since {
        if let Ok(Some(frame)) = tokio::time::timeout(Duration::from_millis(200), socket.next()).await {
            panic!("since={since} is the last seq, yet the stream sent {frame:?}");
        }
        return events;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, socket.next()).await {
        if let Message::Text(text) = frame.expect("a frame") {
            let event: Value = serde_json::from_str(&text).expect("each frame is one JSON event");
            let seq = event["seq"].as_i64().expect("a seq");
            events.push(event);
            if seq >= until {
                return events;
            }
        }
    }
    panic!("the stream stopped before seq {until}; got {} events", events.len());
}

fn assert_exactly_after(events: &[Value], since: i64, until: i64) {
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    let want: Vec<i64> = (since + 1..=until).collect();
    assert_eq!(seqs, want, "since={since}: not exactly the events after it, in order");
}

async fn last_seq(client: &Client<'_>) -> i64 {
    client.all_events().await.last().map_or(0, |e| e["seq"].as_i64().unwrap())
}

async fn post_many(client: &Client<'_>, thread: i64, n: usize, tag: &str) {
    let path = format!("/api/v1/threads/{thread}/messages");
    let posts = (0..n).map(|i| client.create(&path, json!({"body": format!("{tag} {i}")})));
    futures_util::future::join_all(posts).await;
}

#[tokio::test]
async fn the_token_travels_as_a_subprotocol_too() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let url = format!("ws://{}/api/v1/stream?since=0", server.addr);
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", format!("bearer, {}", owner.token).parse().unwrap());
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.expect("the stream opens");
    assert_eq!(response.headers()["sec-websocket-protocol"], "bearer");
    let events = read_until(&mut socket, 0, 2).await;
    assert_eq!(events[0]["kind"], "workspace.created");

    let url = format!("ws://{}/api/v1/stream?since=0&access_token=wrong", server.addr);
    let refused = tokio_tungstenite::connect_async(url).await;
    assert!(refused.is_err(), "a wrong token opens no stream");
}

/// Writes interleaved with disconnects and reconnects at random `since` values: every
/// connection gets exactly the events after its `since`, in order, and live ones with no gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_is_exactly_once_in_order_under_random_reconnects() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("stream").await;
    let steps = prop::collection::vec((0usize..15, 0u32..=100, any::<bool>()), 1..5);
    let mut runner = TestRunner::new(Config { cases: 10, failure_persistence: None, ..Config::default() });
    let handle = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&steps, |script| {
            handle.block_on(async {
                for (n_writes, since_pct, live) in script {
                    let top = last_seq(&owner).await;
                    let since = top * i64::from(since_pct) / 100;
                    if !live {
                        post_many(&owner, thread, n_writes, "before").await;
                    }
                    let mut socket = connect(&server, &owner.token, since).await;
                    if live {
                        // Writes race the switch from the backlog to live delivery.
                        post_many(&owner, thread, n_writes, "live").await;
                    }
                    let until = last_seq(&owner).await;
                    let events = read_until(&mut socket, since, until).await;
                    assert_exactly_after(&events, since, until);
                    drop(socket);
                }
            });
            Ok(())
        })
    });
    result.expect("the stream delivers exactly once, in order");
}

/// A reader that does not read while thousands of events commit falls behind the live channel;
/// it is caught up from the store and still gets everything exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_is_caught_up_from_the_store() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, thread) = owner.channel_and_thread("flood").await;
    let since = last_seq(&owner).await;
    let mut socket = connect(&server, &owner.token, since).await;
    for round in 0..10 {
        post_many(&owner, thread, 500, &format!("flood {round}")).await;
    }
    let until = last_seq(&owner).await;
    assert!(until - since >= 5000, "more events than the live channel keeps");
    let events = read_until(&mut socket, since, until).await;
    assert_exactly_after(&events, since, until);
}

/// Ana, a member, and a private channel she is in with a thread: `(ana, channel, thread)`.
async fn ana_in_a_private_channel<'a>(owner: &'a Client<'_>) -> (Client<'a>, i64, i64) {
    let ana = owner.add_member("ana", "member").await;
    let channel = owner
        .create("/api/v1/channels", json!({"name": "inner", "visibility": "private", "member_ids": [ana.id]}))
        .await;
    let channel = channel["id"].as_i64().unwrap();
    let thread = owner.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "inner topic"})).await;
    (ana, channel, thread["id"].as_i64().unwrap())
}

/// The backlog is judged by what the member could read when they connected: a removal that
/// commits while the stream still reads its backlog hides only what comes after it.
#[tokio::test]
async fn a_removal_while_the_backlog_is_read_hides_only_what_follows_it() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (ana, channel, thread) = ana_in_a_private_channel(&owner).await;
    let since = last_seq(&owner).await;
    // A backlog long enough that the removal lands while it is being read.
    post_many(&owner, thread, 3000, "before").await;
    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "last one inside"})).await;
    for round in 0..5 {
        let mut socket = connect(&server, &ana.token, since).await;
        let path = format!("/api/v1/channels/{channel}/members/{}", ana.id);
        owner.send(reqwest::Method::DELETE, &path, json!({})).await;
        owner
            .create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": format!("after leaving {round}")}))
            .await;
        let (_, marker) = owner.channel_and_thread(&format!("marker-{round}")).await;
        let until = last_seq(&owner).await;
        let all = read_texts_until(&mut socket, until).await;
        let before = all.lines().filter(|line| line.contains("\"before ")).count();
        assert_eq!(before, 3000, "round {round}: every message posted while inside");
        assert!(all.contains("last one inside"), "round {round}");
        assert!(all.contains("channel.member_removed"), "round {round}");
        let after = format!("after leaving {round}");
        assert!(!all.contains(&after), "round {round}: a removed member's stream carries the channel");
        assert!(all.contains(&format!("marker-{round}")), "round {round}: public events arrive (thread {marker})");
        owner
            .send(reqwest::Method::POST, &format!("/api/v1/channels/{channel}/members"), json!({"member_id": ana.id}))
            .await;
    }
}

/// A stream that falls behind while a member is removed catches up with the access they had
/// until the removal: what was posted before it arrives, what came after does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_stream_applies_a_removal_in_the_gap_in_order() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (ana, channel, inner) = ana_in_a_private_channel(&owner).await;
    let (_, public) = owner.channel_and_thread("flood").await;
    let since = last_seq(&owner).await;
    let mut socket = connect(&server, &ana.token, since).await;
    // The client reads a trickle while the posts go in: far too slow to keep up, so the stream
    // falls behind the bus, yet never so still that the server gives up on it (a frame not
    // taken within its send timeout closes the stream, and the posts below can take longer
    // than that on a loaded machine).
    let posted = std::sync::atomic::AtomicBool::new(false);
    let mut early: Vec<String> = Vec::new();
    let trickle = async {
        while !posted.load(std::sync::atomic::Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            for _ in 0..10 {
                match tokio::time::timeout(Duration::from_millis(50), socket.next()).await {
                    Ok(Some(Ok(Message::Text(text)))) => early.push(text.to_string()),
                    _ => break,
                }
            }
        }
    };
    let posting = async {
        // Big messages fill the socket, so the stream stops taking from the bus...
        let big = "x".repeat(8_000);
        let path = format!("/api/v1/threads/{public}/messages");
        for chunk in 0..20 {
            let posts = (0..50).map(|i| owner.create(&path, json!({"body": format!("big {chunk}-{i} {big}")})));
            futures_util::future::join_all(posts).await;
        }
        // ...and what follows is dropped for it: the stream must catch up from the store.
        owner.create(&format!("/api/v1/threads/{inner}/messages"), json!({"body": "posted while inside"})).await;
        let removal = format!("/api/v1/channels/{channel}/members/{}", ana.id);
        owner.send(reqwest::Method::DELETE, &removal, json!({})).await;
        for round in 0..10 {
            post_many(&owner, public, 500, &format!("flood {round}")).await;
        }
        owner.create(&format!("/api/v1/threads/{inner}/messages"), json!({"body": "posted after leaving"})).await;
        // The marker too while the client still trickles: a loaded machine can take longer than
        // the server's send timeout between the last post and the final read.
        let (_, marker) = owner.channel_and_thread("the-end").await;
        let until = last_seq(&owner).await;
        posted.store(true, std::sync::atomic::Ordering::Relaxed);
        (marker, until)
    };
    let ((marker, until), ()) = futures_util::future::join(posting, trickle).await;
    early.push(read_texts_until(&mut socket, until).await);
    let all = early.join("\n");
    let last = all.lines().last().map(|line| serde_json::from_str::<Value>(line).unwrap()["seq"].clone());
    assert!(
        all.contains("the-end"),
        "the stream reached the end (marker thread {marker}): {} events, the last {last:?}, until {until}",
        all.lines().count()
    );
    assert!(all.contains("posted while inside"), "a message from before the removal is lost");
    assert!(!all.contains("posted after leaving"), "a removed member's stream carries the channel");
    let seqs: Vec<i64> =
        all.lines().map(|line| serde_json::from_str::<Value>(line).unwrap()["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order, each once");
}

/// Every text frame up to the event with `seq` `until`, joined by newlines.
async fn read_texts_until(socket: &mut Socket, until: i64) -> String {
    let mut texts = Vec::new();
    // A stream that stalls for 20 s has stopped; one that catches up thousands of events on a
    // loaded machine (the whole suite at once, PostgreSQL) may take longer than that in all.
    // The server pings a stream every 30 s: a ping is no end, and a long catch-up meets one.
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_secs(20), socket.next()).await {
        let text = match frame {
            Message::Text(text) => text,
            Message::Ping(_) | Message::Pong(_) => continue,
            _ => break,
        };
        let event: Value = serde_json::from_str(&text).unwrap();
        texts.push(text.to_string());
        if event["seq"].as_i64().unwrap() >= until {
            break;
        }
    }
    texts.join("\n")
}

/// A stream stops delivering what its member may no longer see: after being removed from a
/// private channel, and altogether once deactivated.
#[tokio::test]
async fn a_stream_follows_removal_and_deactivation() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (ana, channel, thread) = ana_in_a_private_channel(&owner).await;
    let since = last_seq(&owner).await;
    let mut socket = connect(&server, &ana.token, since).await;

    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "while inside"})).await;
    let path = format!("/api/v1/channels/{channel}/members/{}", ana.id);
    owner.send(reqwest::Method::DELETE, &path, json!({})).await;
    owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "after leaving"})).await;
    let (_, marker) = owner.channel_and_thread("public-marker").await;
    let until = last_seq(&owner).await;
    let all = read_texts_until(&mut socket, until).await;
    assert!(all.contains("while inside"));
    assert!(all.contains("channel.member_removed"));
    assert!(!all.contains("after leaving"), "a removed member's stream still carries the channel");
    assert!(all.contains("public-marker"), "public events still arrive (marker thread {marker})");

    owner.send(reqwest::Method::PATCH, &format!("/api/v1/members/{}", ana.id), json!({"active": false})).await;
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert_eq!(closed, Ok(true), "a deactivated member's stream is closed");
}

/// Ana, a member, with a private channel of her own and a thread in it (the owner, an admin, is
/// not in it): `(ana, thread)`.
async fn ana_alone_in_a_private_channel<'a>(owner: &'a Client<'_>) -> (Client<'a>, i64) {
    let ana = owner.add_member("ana", "member").await;
    let channel = ana.create("/api/v1/channels", json!({"name": "ana-only", "visibility": "private"})).await;
    let channel = channel["id"].as_i64().unwrap();
    let thread = ana.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "hers"})).await;
    (ana, thread["id"].as_i64().unwrap())
}

/// A page's stream (`focus=thread:ID`) carries its thread, the viewer's own events and what
/// changes the lists of conversations; the rest it notes as left out, at most once a second,
/// and only what the viewer may read: an admin outside a private channel learns nothing of it,
/// not even that something happened there.
#[tokio::test]
async fn a_focused_stream_carries_its_thread_and_notes_the_rest() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (ana, inner) = ana_alone_in_a_private_channel(&owner).await;
    let (channel, watched) = owner.channel_and_thread("watched").await;
    let beside = owner.create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "beside"})).await;
    let beside = beside["id"].as_i64().unwrap();
    let (_, elsewhere) = owner.channel_and_thread("elsewhere").await;
    let since = last_seq(&owner).await;
    let mut socket =
        connect_with(&server, &owner.token, &format!("since={since}&focus=thread:{watched}")).await.expect("it opens");
    for (thread, body) in [(watched, "in the watched thread"), (beside, "beside it"), (elsewhere, "elsewhere")] {
        owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": body})).await;
    }
    owner.create("/api/v1/channels", json!({"name": "the-end"})).await;
    let readable = last_seq(&owner).await;
    // Last of all, in the private channel the owner is not in.
    ana.create(&format!("/api/v1/threads/{inner}/messages"), json!({"body": "inside"})).await;
    let hidden = last_seq(&ana).await;
    assert!(hidden > readable);

    let events = read_until_quiet(&mut socket, Duration::from_millis(2500)).await;
    let all = serde_json::to_string(&events).unwrap();
    assert!(all.contains("in the watched thread"));
    assert!(all.contains("the-end"), "a new channel changes the lists: carried");
    for left_out in ["beside it", "elsewhere", "inside"] {
        assert!(!all.contains(left_out), "{left_out:?} is carried: {all}");
    }
    let skipped: Vec<&Value> = events.iter().filter(|e| e["kind"] == "stream.skipped").collect();
    assert!(!skipped.is_empty(), "nothing said that events were left out: {all}");
    assert!(skipped.iter().any(|e| e["payload"]["messages"] == true), "messages were left out");
    assert!(skipped.len() <= 3, "at most one a second: {skipped:?}");
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] <= w[1]), "in order: {seqs:?}");
    assert_eq!(seqs.last(), Some(&readable), "resumes after the last event the owner may read, not after {hidden}");
    // Resuming from a skipped frame's seq misses nothing the focus carries.
    let resume = skipped[0]["seq"].as_i64().unwrap();
    let mut again = connect(&server, &owner.token, resume).await;
    let rest = read_until(&mut again, resume, readable).await;
    assert!(rest.iter().all(|e| e["seq"].as_i64().unwrap() > resume));
}

/// A focus is one of the four forms, and a thread the viewer may not read is not found.
#[tokio::test]
async fn a_focus_is_checked_before_the_stream_opens() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (_, inner) = ana_alone_in_a_private_channel(&owner).await;
    let (channel, thread) = owner.channel_and_thread("open").await;
    for good in [format!("thread:{thread}"), format!("channel:{channel}"), "dm:1".into(), "none".into()] {
        assert!(connect_with(&server, &owner.token, &format!("focus={good}")).await.is_ok(), "{good}");
    }
    for bad in ["thread", "thread:x", "project:1", "everything"] {
        assert_eq!(connect_with(&server, &owner.token, &format!("focus={bad}")).await.err(), Some(400), "{bad}");
    }
    let private = connect_with(&server, &owner.token, &format!("focus=thread:{inner}")).await;
    assert_eq!(private.err(), Some(404), "an admin outside the private channel");
}
