//! The single writer: group commit of queued commands, then answers and live events.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::db::{self, Conn};
use crate::answer::Answer;
use tokio::sync::{mpsc, oneshot};

use super::apply::{apply, save_answers, Known, Log};
use super::read;
use super::savepoint::Savepoint;
use super::{open, Database, Dialect, MAX_BATCH};
use crate::bus::Bus;
use crate::command::Envelope;
use crate::error::{Error, Result};
use crate::view::CommittedEvent;

pub(crate) struct WriteRequest {
    envelope: Envelope,
    answer: oneshot::Sender<Result<Answer>>,
}

/// Queues a command and waits until its group has committed (or failed).
pub(crate) async fn submit(queue: &mpsc::Sender<WriteRequest>, envelope: Envelope) -> Result<Answer> {
    let (answer, answered) = oneshot::channel();
    queue.send(WriteRequest { envelope, answer }).await.map_err(|_| Error::Busy)?;
    // The writer answers every request it takes; a dropped sender means it stopped.
    answered.await.map_err(|_| Error::Busy)?
}

/// Queues commands in order without waiting in between, so that the writer can commit them in
/// groups, then waits for every answer.
pub(crate) async fn submit_many(queue: &mpsc::Sender<WriteRequest>, envelopes: Vec<Envelope>) -> Vec<Result<Answer>> {
    let mut pending = Vec::with_capacity(envelopes.len());
    for envelope in envelopes {
        let (answer, answered) = oneshot::channel();
        match queue.send(WriteRequest { envelope, answer }).await {
            Ok(()) => pending.push(Some(answered)),
            Err(_) => pending.push(None),
        }
    }
    let mut answers = Vec::with_capacity(pending.len());
    for answered in pending {
        answers.push(match answered {
            Some(answered) => answered.await.unwrap_or(Err(Error::Busy)),
            None => Err(Error::Busy),
        });
    }
    answers
}

/// How often an idle writer looks for events that another process (`baton admin`, `baton
/// demo`) committed to the same database, to publish them to live streams.
const FOREIGN_POLL: Duration = Duration::from_secs(1);

/// The advisory lock that PostgreSQL writers take for a group (any number, the same everywhere).
pub(crate) const WRITE_LOCK: i64 = 0x0062_6174_6f6e;

/// Starts the writer on a thread of its own, once it has its connection. Its own thread, not a
/// task among the server's: a group waits on the database once per statement, and each time a
/// task would wait again behind every request the server is handling; the writer is the one
/// path every write takes, so it gets a core whenever it is ready.
pub(crate) async fn start(database: Database, queue: mpsc::Receiver<WriteRequest>, bus: Arc<dyn Bus>) -> Result<()> {
    let (ready, connected) = oneshot::channel();
    std::thread::Builder::new()
        .name("baton-writer".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(err) => {
                    let _ = ready.send(Err(Error::Internal(Box::new(err))));
                    return;
                }
            };
            runtime.block_on(async move {
                match open::writer(&database).await {
                    Ok(conn) => {
                        let _ = ready.send(Ok(()));
                        run(conn, database, queue, bus).await;
                    }
                    Err(err) => {
                        let _ = ready.send(Err(err));
                    }
                }
            });
        })
        .map_err(|err| Error::Internal(Box::new(err)))?;
    connected.await.map_err(|_| Error::Busy)?
}

async fn run(mut conn: Conn, database: Database, mut queue: mpsc::Receiver<WriteRequest>, bus: Arc<dyn Bus>) {
    // The last seq published live: everything up to it has been sent to subscribers.
    let mut published = match last_seq(&mut conn).await {
        Ok(seq) => seq,
        Err(err) => {
            tracing::error!(error = %err, "the writer cannot read the event log");
            return;
        }
    };
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        // `recv_many` is cancel-safe: a timeout loses no request.
        match tokio::time::timeout(FOREIGN_POLL, queue.recv_many(&mut batch, MAX_BATCH)).await {
            Ok(0) => return,
            Ok(_) => {
                let mut events = Vec::new();
                let (answers, failed) = commit_group(&mut conn, &batch, published, &mut events).await;
                publish(&*bus, &mut published, events);
                for (request, answer) in batch.drain(..).zip(answers) {
                    // The caller may have gone away (a dropped request); the change stands anyway.
                    let _ = request.answer.send(answer);
                }
                if failed {
                    ensure_connected(&mut conn, &database).await;
                }
            }
            Err(_idle) => match foreign_events(&mut conn, published).await {
                Ok(events) => publish(&*bus, &mut published, events),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot look for other writers' events");
                    ensure_connected(&mut conn, &database).await;
                }
            },
        }
    }
}

/// Replaces the writer's connection when it was lost (PostgreSQL restarted, the network
/// dropped), trying again until the database answers; meanwhile writes wait in the queue. A
/// group whose commit was cut off was answered 503: its callers retry with their idempotency
/// keys, which also tells them whether it had committed after all.
async fn ensure_connected(conn: &mut Conn, database: &Database) {
    if conn.ping().await.is_ok() {
        return;
    }
    let mut wait = Duration::from_millis(100);
    loop {
        match open::writer(database).await {
            Ok(new) => {
                tracing::warn!("the writer lost its database connection and has a new one");
                *conn = new;
                return;
            }
            Err(err) => {
                tracing::error!(error = %err, "the writer cannot reach the database; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
}

fn publish(bus: &dyn Bus, published: &mut i64, events: Vec<CommittedEvent>) {
    for event in events {
        *published = event.seq.0;
        bus.publish(Arc::new(event));
    }
}

async fn last_seq(conn: &mut Conn) -> Result<i64, sqlx::Error> {
    let (seq,): (i64,) = db::query_as("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut *conn).await?;
    Ok(seq)
}

/// Events after `published` that this writer did not write.
async fn foreign_events(conn: &mut Conn, published: i64) -> Result<Vec<CommittedEvent>> {
    if last_seq(conn).await? <= published {
        return Ok(Vec::new());
    }
    read::committed_after(conn, published).await
}

/// Applies each request in its own savepoint of one transaction and commits once. Returns one
/// answer per request; when the commit itself fails every answer is that failure and `events`
/// keeps nothing of the group, and the second value says so.
async fn commit_group(
    conn: &mut Conn,
    batch: &[WriteRequest],
    published: i64,
    events: &mut Vec<CommittedEvent>,
) -> (Vec<Result<Answer>>, bool) {
    match try_commit_group(conn, batch, published, events).await {
        Ok(answers) => (answers, false),
        Err(err) => {
            tracing::error!(error = %err, "a write group failed to commit");
            let _ = db::query("ROLLBACK").execute(&mut *conn).await;
            events.clear();
            (batch.iter().map(|_| Err(Error::Busy)).collect(), true)
        }
    }
}

async fn try_commit_group(
    conn: &mut Conn,
    batch: &[WriteRequest],
    published: i64,
    events: &mut Vec<CommittedEvent>,
) -> Result<Vec<Result<Answer>>, sqlx::Error> {
    let dialect = conn.dialect();
    match dialect {
        Dialect::Sqlite => {
            db::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        }
        Dialect::Postgres => {
            // One writer at a time across every process and machine on this database, until the
            // commit: `seq` is then handed out gap-free and becomes visible in its order.
            // READ COMMITTED whatever the database's default: the next `seq` is read after the
            // lock is granted, in a snapshot that sees the group committed before.
            db::query("BEGIN ISOLATION LEVEL READ COMMITTED").execute(&mut *conn).await?;
            db::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *conn).await?;
        }
    }
    // Read the next seq under the write lock rather than trusting a counter: another process
    // (`baton admin`, `baton demo`) may have written to the same data directory meanwhile.
    let (mut next_seq,): (i64,) =
        db::query_as("SELECT COALESCE(MAX(seq), 0) + 1 FROM events").fetch_one(&mut *conn).await?;
    if next_seq - 1 > published {
        // Another process wrote since we last published: its events go out first, in order.
        let foreign = read::committed_after(conn, published).await.map_err(|err| match err {
            Error::Internal(cause) => sqlx::Error::Decode(cause),
            other => sqlx::Error::Protocol(other.to_string()),
        })?;
        events.extend(foreign);
    }
    let mut answers = Vec::with_capacity(batch.len());
    let mut redacted = false;
    // Ids handed out in this group, per kind: read once under the write lock, then counted. A
    // command rolled back leaves a gap in them, which is harmless (only `seq` is gap-free).
    let mut next_ids = std::collections::HashMap::new();
    let mut known = Known::with_answers(answers_kept(conn, batch).await?);
    let mut savepoint = Savepoint::None;
    for request in batch {
        // A command opens its savepoint with its first write (see `savepoint`).
        let seq_before = next_seq;
        let n_events = events.len();
        let (answer, opened) = {
            let mut log = Log {
                next_seq: &mut next_seq,
                events: &mut *events,
                redacted: &mut redacted,
                next_ids: &mut next_ids,
                known: &mut known,
                savepoint: Some(savepoint),
            };
            let answer = apply(conn, &request.envelope, &mut log).await;
            (answer, log.savepoint.is_none())
        };
        // A command that did not open a savepoint wrote nothing: the one before it stays open.
        if opened {
            savepoint = Savepoint::after(answer.is_ok());
        }
        if answer.is_err() {
            next_seq = seq_before;
            events.truncate(n_events);
            known.forget_state();
        }
        if let Err(Error::Internal(cause)) = &answer {
            tracing::error!(error = %cause, "a command failed inside the store");
        }
        answers.push(answer);
    }
    // The last savepoint closes before the group's answers are written: a rollback to it must
    // not take them along.
    if known.has_unsaved() {
        if let Some(close) = savepoint.close() {
            conn.batch(close).await?;
        }
        save_answers(conn, &mut known).await?;
        conn.batch("COMMIT").await?;
    } else {
        match savepoint.close() {
            Some(close) => conn.batch(format!("{close}; COMMIT").as_str()).await?,
            None => conn.batch("COMMIT").await?,
        };
    }
    if redacted && dialect == Dialect::Sqlite {
        // The pages that held a deleted message's text were zeroed in the database
        // (`secure_delete`), but the write-ahead log still has their earlier versions: copy it
        // back and empty it now. Readers in the middle of a read may keep it from finishing;
        // the next deletion, or SQLite's own checkpoints, complete it.
        if let Err(err) = db::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await {
            tracing::warn!(error = %err, "could not checkpoint the write-ahead log after a deletion");
        }
    }
    Ok(answers)
}

/// The answers already kept for the idempotency keys the group's commands carry, in a query per
/// 200 keys rather than one per command.
async fn answers_kept(
    conn: &mut Conn,
    batch: &[WriteRequest],
) -> Result<HashMap<(i64, String), (String, String)>, sqlx::Error> {
    let keys: Vec<(i64, &str)> = batch
        .iter()
        .filter_map(|request| {
            let envelope = &request.envelope;
            let key = envelope.idempotency_key.as_deref()?;
            Some((envelope.viewer.map_or(0, |v| v.member.0), key))
        })
        .collect();
    let mut kept = HashMap::new();
    for chunk in keys.chunks(200) {
        let wanted: Vec<String> =
            (0..chunk.len()).map(|n| format!("(actor = ${} AND key = ${})", 2 * n + 1, 2 * n + 2)).collect();
        let sql = format!("SELECT actor, key, response, fingerprint FROM idempotency WHERE {}", wanted.join(" OR "));
        let mut query = db::query_as::<(i64, String, String, String)>(&sql);
        for (actor, key) in chunk {
            query = query.bind(*actor).bind(*key);
        }
        for (actor, key, response, fingerprint) in query.fetch_all(&mut *conn).await? {
            kept.insert((actor, key), (response, fingerprint));
        }
    }
    Ok(kept)
}
