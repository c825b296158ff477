//! DESIGN.md, "Contracts users can rely on": a write acknowledged with HTTP 2xx survives
//! `kill -9` of the server, and the event log's `seq` stays gap-free.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::server::{Api, Server};

const EMAIL: &str = "owner@durability.test";
const PASSWORD: &str = "correct horse battery";
const N_WRITERS: usize = 8;

/// What the writers saw before the server died.
#[derive(Default)]
struct Outcome {
    /// Bodies whose POST answered 2xx.
    acked: Mutex<Vec<String>>,
    /// Statuses of answers that were not 2xx, with their bodies.
    refused: Mutex<BTreeMap<u16, Vec<Value>>>,
    n_acked: AtomicUsize,
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(data_dir.path()).await;
    let mut owner = server.api().setup(EMAIL, PASSWORD).await;
    let channel = owner.create("/api/v1/channels", &json!({ "name": "durability" })).await;
    let thread = owner.create(&format!("/api/v1/channels/{channel}/threads"), &json!({ "title": "kill -9" })).await;

    let mut all_acked: Vec<String> = Vec::new();
    // Two kills at different moments of steady writing: 2 s into the first round, then 0.7 s
    // into a second round on the restarted server and the same data directory.
    for (round, kill_after) in [Duration::from_millis(2000), Duration::from_millis(700)].into_iter().enumerate() {
        let outcome = Arc::new(Outcome::default());
        let writers: Vec<_> = (0..N_WRITERS)
            .map(|writer| tokio::spawn(write_until_refused(owner.clone(), thread, round, writer, outcome.clone())))
            .collect();
        tokio::time::sleep(kill_after).await;
        let n_acked_before_kill = outcome.n_acked.load(Ordering::SeqCst);
        let (dir, stderr) = server.kill9();
        let mut unanswered = Vec::new();
        for writer in writers {
            unanswered.push(writer.await.expect("a writer task does not panic"));
        }
        assert!(!stderr.contains("panicked"), "round {round}: the server panicked; its stderr:\n{stderr}");
        let acked = outcome.acked.lock().unwrap().clone();
        let refused = outcome.refused.lock().unwrap().clone();
        assert!(
            n_acked_before_kill > 0,
            "round {round}: no write was acknowledged before the kill; refusals: {refused:?}"
        );
        assert!(
            !refused.keys().any(|status| *status >= 500 && *status != 503),
            "round {round}: the server answered 5xx under concurrent writes: {refused:?}\nstderr:\n{stderr}"
        );
        eprintln!("round {round}: {} writes acknowledged before kill -9, refusals {refused:?}", acked.len());
        all_acked.extend(acked);

        server = Server::start(&dir).await;
        let (status, signed_in) = server.api().login(EMAIL, PASSWORD).await;
        assert_eq!(status, 200, "round {round}: the owner cannot sign in after the restart");
        owner = signed_in.expect("a 200 login returns a token");
        // A client retries what got no answer with the same key: whether or not the first try
        // committed before the kill, the message must now exist exactly once.
        for Unanswered { body, idempotency_key } in unanswered {
            let path = format!("/api/v1/threads/{thread}/messages");
            let request = owner.request(reqwest::Method::POST, &path).header("Idempotency-Key", &idempotency_key);
            let response = request.json(&json!({ "body": body })).send().await.expect("the restarted server answers");
            let status = response.status();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            assert!(status.is_success(), "round {round}: the retry of {body:?} answered {status}: {answer}");
            assert_eq!(answer["body"], body, "round {round}: the retry answered another message");
            all_acked.push(body);
        }
        let problems = log_problems(&owner.all_events().await, &all_acked);
        assert!(problems.is_empty(), "round {round}: after kill -9 and a restart:\n{}", problems.join("\n"));
    }
}

/// A message whose POST got no answer: the server died while it was in flight.
struct Unanswered {
    body: String,
    idempotency_key: String,
}

/// Posts distinct messages, each with its own `Idempotency-Key`, until a request gets no answer
/// (the server was killed); returns that request.
async fn write_until_refused(api: Api, thread: i64, round: usize, writer: usize, outcome: Arc<Outcome>) -> Unanswered {
    let path = format!("/api/v1/threads/{thread}/messages");
    for message_idx in 0.. {
        let body = format!("round {round} writer {writer} message {message_idx}");
        let idempotency_key = format!("r{round}-w{writer}-m{message_idx}");
        let request = api.request(reqwest::Method::POST, &path).header("Idempotency-Key", &idempotency_key);
        let Ok(response) = request.json(&json!({ "body": body })).send().await else {
            return Unanswered { body, idempotency_key };
        };
        let status = response.status().as_u16();
        if response.status().is_success() {
            outcome.acked.lock().unwrap().push(body);
            outcome.n_acked.fetch_add(1, Ordering::SeqCst);
        } else {
            let answer = response.json::<Value>().await.unwrap_or(Value::Null);
            outcome.refused.lock().unwrap().entry(status).or_default().push(answer);
        }
    }
    unreachable!("a writer posts until the server is gone")
}

/// What is wrong with the whole log after a restart: `seq` must be exactly 1..=N, every
/// acknowledged body must be in a `message.posted` event, and no body may be posted twice (a
/// retry with the same `Idempotency-Key` creates nothing new).
fn log_problems(events: &[Value], acked: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().expect("an event has a seq")).collect();
    if let Some(idx) = seqs.iter().enumerate().position(|(idx, seq)| *seq != idx as i64 + 1) {
        problems.push(format!("seqs are not 1..={} without gaps: at index {idx} comes seq {}", seqs.len(), seqs[idx]));
    }
    let mut posted = HashSet::new();
    for event in events.iter().filter(|e| e["kind"] == "message.posted") {
        let body = event["payload"]["message"]["body"].as_str().expect("a posted message has a body");
        if !posted.insert(body.to_string()) {
            problems.push(format!("{body:?} was posted twice"));
        }
    }
    let lost: Vec<&String> = acked.iter().filter(|body| !posted.contains(body.as_str())).collect();
    if !lost.is_empty() {
        problems.push(format!(
            "{} of {} acknowledged writes are missing, e.g. {:?}",
            lost.len(),
            acked.len(),
            &lost[..lost.len().min(5)]
        ));
    }
    problems
}

#[test]
fn log_problems_finds_gaps_duplicates_and_lost_writes() {
    let posted = |seq: i64, body: &str| {
        let payload = json!({ "message": { "body": body } });
        json!({ "seq": seq, "kind": "message.posted", "payload": payload })
    };
    let other = |seq: i64| json!({ "seq": seq, "kind": "thread.created", "payload": {} });
    let acked = ["a".to_string(), "b".to_string()];
    assert_eq!(log_problems(&[other(1), posted(2, "a"), posted(3, "b"), posted(4, "c")], &acked), Vec::<String>::new());

    let gap = log_problems(&[other(1), posted(2, "a"), posted(4, "b")], &acked);
    assert!(gap.len() == 1 && gap[0].contains("at index 2 comes seq 4"), "{gap:?}");
    let lost = log_problems(&[other(1), posted(2, "a")], &acked);
    assert!(lost.len() == 1 && lost[0].contains("1 of 2 acknowledged writes are missing"), "{lost:?}");
    let twice = log_problems(&[posted(1, "a"), posted(2, "b"), posted(3, "b")], &acked);
    assert!(twice.len() == 1 && twice[0].contains("posted twice"), "{twice:?}");
    let late_start = log_problems(&[posted(2, "a"), posted(3, "b")], &acked);
    assert_eq!(late_start.len(), 1, "{late_start:?}");
}

/// DESIGN's scheduler promise: timed work survives restarts. Messages scheduled a few seconds
/// ahead are firing when the server is killed, twice; after the restarts every one of them is
/// posted exactly once.
#[tokio::test]
async fn due_jobs_fire_exactly_once_across_kill_9() {
    const JOBS: usize = 60;
    let data_dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(data_dir.path()).await;
    let owner = server.api().setup(EMAIL, PASSWORD).await;
    let channel = owner.create("/api/v1/channels", &json!({ "name": "later" })).await;
    let thread = owner.create(&format!("/api/v1/channels/{channel}/threads"), &json!({ "title": "send later" })).await;
    let first_due = jiff::Timestamp::now() + jiff::SignedDuration::from_millis(2500);
    for job in 0..JOBS {
        let send_at = first_due + jiff::SignedDuration::from_millis(40 * job as i64);
        let body = json!({ "thread_id": thread, "body": format!("job {job}"), "send_at": send_at.to_string() });
        let (status, answer) = owner.post("/api/v1/scheduled-messages", &body).await;
        assert_eq!(status, 201, "{answer}");
    }
    // Kill while the jobs are coming due (they span 2.5 s to 4.9 s from the start), restart,
    // kill again, restart.
    for pause in [Duration::from_millis(2900), Duration::from_millis(1100)] {
        tokio::time::sleep(pause).await;
        let (dir, stderr) = server.kill9();
        assert!(!stderr.contains("panicked"), "the server panicked:\n{stderr}");
        server = Server::start(&dir).await;
    }
    let (_, signed_in) = server.api().login(EMAIL, PASSWORD).await;
    let owner = signed_in.expect("the owner signs in after the restarts");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let counts = loop {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for event in owner.all_events().await.iter().filter(|e| e["kind"] == "message.posted") {
            let body = event["payload"]["message"]["body"].as_str().unwrap_or_default().to_string();
            *counts.entry(body).or_default() += 1;
        }
        if counts.len() >= JOBS || std::time::Instant::now() > deadline {
            break counts;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let missing: Vec<usize> = (0..JOBS).filter(|job| !counts.contains_key(&format!("job {job}"))).collect();
    let repeated: Vec<(&String, &usize)> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(missing.is_empty(), "jobs that never fired: {missing:?}");
    assert!(repeated.is_empty(), "jobs that fired more than once: {repeated:?}");
    let pending = owner.get_ok("/api/v1/scheduled?pending=true").await;
    assert_eq!(pending, json!([]), "every job is marked fired");
}
