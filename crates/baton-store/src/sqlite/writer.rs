//! The single writer: group commit of queued commands, then answers and live events.

use std::sync::Arc;

use serde_json::Value;
use sqlx::SqliteConnection;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::apply::{apply, Log};
use super::MAX_BATCH;
use crate::command::Envelope;
use crate::error::{Error, Result};
use crate::view::CommittedEvent;

pub(crate) struct WriteRequest {
    envelope: Envelope,
    answer: oneshot::Sender<Result<Value>>,
}

/// Queues a command and waits until its group has committed (or failed).
pub(crate) async fn submit(queue: &mpsc::Sender<WriteRequest>, envelope: Envelope) -> Result<Value> {
    let (answer, answered) = oneshot::channel();
    queue.send(WriteRequest { envelope, answer }).await.map_err(|_| Error::Busy)?;
    // The writer answers every request it takes; a dropped sender means it stopped.
    answered.await.map_err(|_| Error::Busy)?
}

pub(crate) async fn run(
    mut conn: SqliteConnection,
    mut queue: mpsc::Receiver<WriteRequest>,
    live: broadcast::Sender<Arc<CommittedEvent>>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut events = Vec::new();
        let answers = commit_group(&mut conn, &batch, &mut events).await;
        for event in events {
            // No subscriber is fine: nobody is listening live.
            let _ = live.send(Arc::new(event));
        }
        for (request, answer) in batch.drain(..).zip(answers) {
            // The caller may have gone away (a dropped request); the change stands anyway.
            let _ = request.answer.send(answer);
        }
    }
}

/// Applies each request in its own savepoint of one transaction and commits once. Returns one
/// answer per request; when the commit itself fails every answer is that failure and `events`
/// keeps nothing of the group.
async fn commit_group(
    conn: &mut SqliteConnection,
    batch: &[WriteRequest],
    events: &mut Vec<CommittedEvent>,
) -> Vec<Result<Value>> {
    match try_commit_group(conn, batch, events).await {
        Ok(answers) => answers,
        Err(err) => {
            tracing::error!(error = %err, "a write group failed to commit");
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            events.clear();
            batch.iter().map(|_| Err(Error::Busy)).collect()
        }
    }
}

async fn try_commit_group(
    conn: &mut SqliteConnection,
    batch: &[WriteRequest],
    events: &mut Vec<CommittedEvent>,
) -> Result<Vec<Result<Value>>, sqlx::Error> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    // Read the next seq under the write lock rather than trusting a counter: another process
    // (`baton admin`, `baton demo`) may have written to the same data directory meanwhile.
    let (mut next_seq,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(seq), 0) + 1 FROM events").fetch_one(&mut *conn).await?;
    let mut answers = Vec::with_capacity(batch.len());
    for request in batch {
        sqlx::query("SAVEPOINT command").execute(&mut *conn).await?;
        let seq_before = next_seq;
        let n_events = events.len();
        let answer = {
            let mut log = Log { next_seq: &mut next_seq, events: &mut *events };
            apply(conn, &request.envelope, &mut log).await
        };
        if answer.is_err() {
            sqlx::query("ROLLBACK TO command").execute(&mut *conn).await?;
            next_seq = seq_before;
            events.truncate(n_events);
        }
        sqlx::query("RELEASE command").execute(&mut *conn).await?;
        if let Err(Error::Internal(cause)) = &answer {
            tracing::error!(error = %cause, "a command failed inside the store");
        }
        answers.push(answer);
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(answers)
}
