//! Threads inside direct conversations: one history of a 1:1 DM and a group DM, each with a
//! timeline and a thread (the DM's bouncing between Berlin and New York), written twice: as a
//! Slack export that `baton import slack` reads, and live, message by message, through the HTTP
//! API of a server whose clock the test moves. Both give the report computed here by hand.

use std::path::Path;
use std::sync::Arc;

use baton_server::scheduler::ManualClock;
use baton_server::AppState;
use baton_store::SqlStore;
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::server::baton;

const PASSWORD: &str = "correct-horse-battery";

/// Seconds of Mon 2024-03-04 00:00 UTC: the window is that week, `[Mon, next Mon)`.
const MONDAY: i64 = 1_709_510_400;

/// One message of the history: when (day after Monday, UTC hour, minute), where, who, its Slack
/// text, and the message it replies to (its thread's parent), by position.
struct Post {
    at: (i64, i64, i64),
    conversation: &'static str,
    author: &'static str,
    text: &'static str,
    parent: Option<usize>,
}

const fn post(
    at: (i64, i64, i64),
    conversation: &'static str,
    author: &'static str,
    text: &'static str,
    parent: Option<usize>,
) -> Post {
    Post { at, conversation, author, text, parent }
}

/// ana (Berlin, UTC+1), bo (New York, UTC−5) and cy (no zone: the workspace's, UTC).
/// `D1` is ana and bo's DM; `mpdm-ana--bo--cy-1` the group DM of all three.
const HISTORY: [Post; 14] = [
    post((0, 8, 0), "D1", "U1", "morning", None),
    post((0, 14, 0), "D1", "U2", "hi ana", None),
    post((0, 15, 0), "D1", "U1", "Can we fix the release build?", None),
    post((0, 16, 0), "D1", "U2", "looking", Some(2)),
    post((1, 8, 0), "D1", "U1", "still red", Some(2)),
    post((1, 14, 30), "D1", "U2", "pushed a fix", Some(2)),
    post((2, 9, 0), "D1", "U1", "now lint fails", Some(2)),
    post((2, 15, 0), "D1", "U2", "fixed lint", Some(2)),
    post((3, 9, 0), "D1", "U1", "green now", Some(2)),
    post((1, 10, 0), "mpdm-ana--bo--cy-1", "U3", "standup notes are in", None),
    post((1, 11, 0), "mpdm-ana--bo--cy-1", "U1", "thanks <@U3>", None),
    post((2, 12, 0), "mpdm-ana--bo--cy-1", "U2", "Who takes the demo on Friday?", None),
    post((2, 13, 0), "mpdm-ana--bo--cy-1", "U3", "I can", Some(11)),
    post((2, 13, 30), "mpdm-ana--bo--cy-1", "U3", "if ana agrees", Some(11)),
];

const PEOPLE: [(&str, &str, Option<&str>); 3] =
    [("U1", "ana", Some("Europe/Berlin")), ("U2", "bo", Some("America/New_York")), ("U3", "cy", None)];

fn instant(post: &Post) -> Timestamp {
    let (day, hour, minute) = post.at;
    Timestamp::from_second(MONDAY + day * 86_400 + hour * 3600 + minute * 60).unwrap()
}

fn slack_ts(post: &Post) -> String {
    format!("{}.000000", instant(post).as_second())
}

fn write(dir: &Path, name: &str, value: &Value) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// The history as Slack exports it: a thread's parent and replies carry the parent's `ts` as
/// `thread_ts`; every other message is in its conversation's timeline.
fn build_export(dir: &Path) {
    let users: Vec<Value> = PEOPLE
        .iter()
        .map(|(id, handle, tz)| {
            let mut user = json!({"id": id, "name": handle, "profile": {"email": format!("{handle}@example.com")}});
            if let Some(tz) = tz {
                user["tz"] = json!(tz);
            }
            user
        })
        .collect();
    write(dir, "users.json", &json!(users));
    write(dir, "channels.json", &json!([]));
    let created = MONDAY - 7 * 86_400;
    write(dir, "dms.json", &json!([{"id": "D1", "created": created, "members": ["U1", "U2"]}]));
    write(
        dir,
        "mpims.json",
        &json!([{"id": "G1", "name": "mpdm-ana--bo--cy-1", "created": created, "members": ["U1", "U2", "U3"]}]),
    );
    let parents: Vec<usize> = HISTORY.iter().filter_map(|p| p.parent).collect();
    let mut days: std::collections::BTreeMap<(String, i64), Vec<Value>> = Default::default();
    for (idx, post) in HISTORY.iter().enumerate() {
        let mut message = json!({"type": "message", "ts": slack_ts(post), "user": post.author, "text": post.text});
        if let Some(parent) = post.parent {
            message["thread_ts"] = json!(slack_ts(&HISTORY[parent]));
        } else if parents.contains(&idx) {
            message["thread_ts"] = json!(slack_ts(post));
            message["reply_count"] = json!(parents.iter().filter(|p| **p == idx).count());
        }
        days.entry((post.conversation.to_string(), post.at.0)).or_default().push(message);
    }
    for ((conversation, day), messages) in days {
        write(dir, &format!("{conversation}/2024-03-{:02}.json", 4 + day), &json!(messages));
    }
}

fn run(args: &[&str]) -> std::process::Output {
    baton().args(args).output().expect("baton runs")
}

fn report(data: &Path) -> Value {
    let data = data.to_str().unwrap();
    let output = run(&["report", "--data-dir", data, "--from", "2024-03-04", "--to", "2024-03-11", "--format", "json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON document")
}

/// The report, computed by hand, with the names the two direct conversations have in it.
fn expected(dm_name: &str) -> Value {
    json!({
        // 14 messages in 4 conversations: the DM's timeline (2) and thread (7), the group DM's
        // timeline (2) and thread (3).
        "messages": {"count": 14, "conversations_active": 4, "responses": 9},
        // Responses, wall / working (the responder's calendar):
        //   DM timeline bo→ana Mon 08:00→14:00 21600/0 (New York 03:00→09:00)
        //   DM thread   bo Mon 15→16 3600/3600; ana Mon 16→Tue 08 57600/0 (Berlin 17:00→09:00);
        //               bo Tue 08→14:30 23400/1800; ana Tue 14:30→Wed 09 66600/9000 (Berlin
        //               15:30→17:00, 09:00→10:00); bo Wed 09→15 21600/3600; ana Wed 15→Thu 09
        //               64800/7200
        //   group timeline ana→cy Tue 10→11 3600/3600; group thread cy→bo Wed 12→13 3600/3600
        // Nearest rank over 9: the 5th (median) and the 9th (p90). All within 4 working hours.
        // Awaiting: ana's "thanks @cy" asks (a mention), is the group timeline's last turn and
        // has Tue 11:00→17:00 + Wed–Fri of working time (UTC) before `to`.
        "response_time": {"median_s": 21600, "p90_s": 66600, "median_working_s": 3600, "p90_working_s": 9000,
                          "within_norm_share": 1.0, "awaiting_answer": 1},
        // First responses: 21600/0, 3600/3600, 3600/3600, 3600/3600.
        "first_response": {"count": 4, "median_s": 3600, "p90_s": 21600, "median_working_s": 3600,
                           "p90_working_s": 3600},
        // 6 handoffs from Mon 15:00 to Thu 09:00 (66 h), never resolved.
        "bouncing_threads": [{"channel": dm_name, "thread": "Can we fix the release build?", "handoffs": 6,
                              "span_s": 237_600}],
        "members": [
            {"name": "ana", "messages": 6, "collaborators": 2, "isolated": false, "huddle_hours": 0.0},
            {"name": "bo", "messages": 5, "collaborators": 2, "isolated": false, "huddle_hours": 0.0},
            {"name": "cy", "messages": 3, "collaborators": 2, "isolated": false, "huddle_hours": 0.0}
        ],
        "isolation": {"active": 3, "isolated": 0, "rate": 0.0}
    })
}

/// The report's keys `expected` speaks of.
fn compared(report: &Value) -> Value {
    let keys = ["messages", "response_time", "first_response", "bouncing_threads", "members", "isolation"];
    keys.iter().map(|k| (k.to_string(), report[*k].clone())).collect::<serde_json::Map<_, _>>().into()
}

/// A server over `data` whose clock the test sets; the history is posted through its API.
struct Live {
    clock: Arc<ManualClock>,
    base: String,
    http: reqwest::Client,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl Live {
    async fn start(data: &Path, at: Timestamp) -> Live {
        let store = SqlStore::open_dir(data).await.expect("the store opens");
        let clock = Arc::new(ManualClock::new(at));
        let state = AppState::new(Arc::new(store)).with_clock(clock.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            let _ = baton_server::serve(listener, state, async move {
                let _ = stopped.await;
            })
            .await;
        });
        Live { clock, base, http: reqwest::Client::new(), stop, done }
    }

    async fn call(&self, token: Option<&str>, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let answer: Value = response.json().await.expect("a JSON answer");
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> Value {
        self.call(Some(token), reqwest::Method::POST, path, body).await
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.done.await;
    }
}

/// The history, posted live: a reply goes to `POST /messages/{parent}/replies`, which starts the
/// thread on the first reply; everything else to the conversation's timeline.
async fn post_live(data: &Path) {
    let live = Live::start(data, Timestamp::from_second(MONDAY - 7 * 86_400).unwrap()).await;
    let setup = json!({"workspace_name": "Live", "handle": "cy", "email": "cy@example.com", "password": PASSWORD,
                       "time_zone": "UTC"});
    let owner = live.call(None, reqwest::Method::POST, "/api/v1/setup", setup).await;
    let mut tokens = std::collections::HashMap::new();
    tokens.insert("U3", owner["token"].as_str().unwrap().to_string());
    let mut ids = std::collections::HashMap::new();
    ids.insert("U3", owner["member"]["id"].as_i64().unwrap());
    for (user, handle, zone) in &PEOPLE[..2] {
        let body = json!({"handle": handle, "email": format!("{handle}@example.com"), "password": PASSWORD,
                          "time_zone": zone});
        let added = live.post(&tokens["U3"], "/api/v1/members", body).await;
        ids.insert(*user, added["member"]["id"].as_i64().unwrap());
        let login = json!({"email": format!("{handle}@example.com"), "password": PASSWORD});
        let session = live.call(None, reqwest::Method::POST, "/api/v1/auth/login", login).await;
        tokens.insert(*user, session["token"].as_str().unwrap().to_string());
    }
    let dm = live.post(&tokens["U1"], "/api/v1/dms", json!({"member_ids": [ids["U2"]]})).await["id"].as_i64().unwrap();
    let group = live.post(&tokens["U2"], "/api/v1/dms", json!({"member_ids": [ids["U1"], ids["U3"]]})).await["id"]
        .as_i64()
        .unwrap();
    let mut posted: Vec<i64> = Vec::new();
    for post in &HISTORY {
        live.clock.set(instant(post));
        let mut body = post.text.to_string();
        for (user, handle, _) in PEOPLE {
            body = body.replace(&format!("<@{user}>"), &format!("@{handle}"));
        }
        let token = &tokens[post.author];
        let message = match post.parent {
            Some(parent) => {
                live.post(token, &format!("/api/v1/messages/{}/replies", posted[parent]), json!({"body": body})).await
            }
            None => {
                let conversation = if post.conversation == "D1" { dm } else { group };
                live.post(token, &format!("/api/v1/dms/{conversation}/messages"), json!({"body": body})).await
            }
        };
        posted.push(message["id"].as_i64().unwrap());
    }
    // The first reply started each thread: the parent moved into it, before the reply.
    let threads =
        live.call(Some(&tokens["U1"]), reqwest::Method::GET, &format!("/api/v1/dms/{dm}/threads"), json!(null)).await;
    assert_eq!(threads.as_array().unwrap().len(), 1, "{threads}");
    assert_eq!(threads[0]["title"], "Can we fix the release build?");
    assert_eq!(threads[0]["dm_id"], dm);
    assert_eq!(threads[0]["message_count"], 7);
    let timeline =
        live.call(Some(&tokens["U1"]), reqwest::Method::GET, &format!("/api/v1/dms/{dm}/messages"), json!(null)).await;
    let bodies: Vec<&str> = timeline.as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["morning", "hi ana"], "the parent left the timeline");
    live.stop().await;
}

#[tokio::test]
async fn a_dm_and_a_group_dm_with_threads_report_the_same_imported_and_live() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    build_export(&export);
    let imported = dir.path().join("imported");
    let output = run(&["import", "slack", export.to_str().unwrap(), "--data-dir", imported.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // DESIGN: a direct conversation is named as in the export (a DM by its id).
    let from_export = report(&imported);
    assert_eq!(compared(&from_export), expected("D1"));

    let live = dir.path().join("live");
    post_live(&live).await;
    // Baton names a conversation it holds itself by its people's handles.
    assert_eq!(compared(&report(&live)), expected("ana,bo"));

    let output = run(&["import", "slack", export.to_str().unwrap(), "--data-dir", imported.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(report(&imported), from_export, "a second import changes nothing");
}

/// A data directory imported by an earlier version has the threads of its direct conversations
/// in their timelines: importing the export again files them into their threads.
#[test]
fn importing_again_files_dm_thread_messages_an_earlier_import_left_in_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    build_export(&export);
    // What the earlier version made of it: every direct message in its conversation's timeline.
    let flat = dir.path().join("flat");
    build_export(&flat);
    for conversation in ["D1", "mpdm-ana--bo--cy-1"] {
        for day in std::fs::read_dir(flat.join(conversation)).unwrap() {
            let path = day.unwrap().path();
            let mut messages: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            for message in messages.as_array_mut().unwrap() {
                message.as_object_mut().unwrap().remove("thread_ts");
            }
            std::fs::write(&path, serde_json::to_vec(&messages).unwrap()).unwrap();
        }
    }
    let data = dir.path().join("data");
    for source in [&flat, &export] {
        let output = run(&["import", "slack", source.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert_eq!(compared(&report(&data)), expected("D1"));
}
