//! The scheduler: fires due jobs (scheduled messages, reminders) through the store, where each
//! fires exactly once together with its effect. Time comes from a [`Clock`], so tests move it
//! by hand instead of waiting.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use baton_store::{Command, DynStore, Envelope};
use jiff::{SignedDuration, Timestamp};

/// Where the scheduler reads the time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The machine's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told: for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(at: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Jobs fired per round: the writer commits them in groups.
const BATCH: u32 = 256;
/// The longest an idle scheduler sleeps, so that jobs another process (or a restart) added
/// are picked up soon.
const IDLE: Duration = Duration::from_secs(1);

pub struct Scheduler {
    store: DynStore,
    clock: Arc<dyn Clock>,
}

impl Scheduler {
    pub fn new(store: DynStore, clock: Arc<dyn Clock>) -> Scheduler {
        Scheduler { store, clock }
    }

    /// Fires every job due now; returns how many fired. A job whose firing fails (the store is
    /// busy) stays pending and is tried again next round.
    pub async fn run_due(&self) -> baton_store::Result<usize> {
        let mut fired = 0;
        loop {
            let now = self.clock.now();
            let due = self.store.due_jobs(now, BATCH).await?;
            if due.is_empty() {
                return Ok(fired);
            }
            let envelopes = due.iter().map(|id| Envelope::system(now, Command::FireJob { id: *id })).collect();
            let mut failed = 0;
            for (id, answer) in due.iter().zip(self.store.execute_many(envelopes).await) {
                match answer {
                    Ok(_) => fired += 1,
                    Err(err) => {
                        failed += 1;
                        tracing::warn!(job = id, error = %err, "a due job could not fire; it stays pending");
                    }
                }
            }
            if failed == due.len() {
                return Ok(fired);
            }
        }
    }

    /// Runs until the task is dropped: fires due jobs, then sleeps until the next is due (at
    /// most [`IDLE`]).
    pub async fn run(self) {
        loop {
            if let Err(err) = self.run_due().await {
                tracing::warn!(error = %err, "the scheduler could not read due jobs");
            }
            let wait = match self.store.next_due().await {
                Ok(Some(next)) => {
                    let until = next.duration_since(self.clock.now()).max(SignedDuration::ZERO);
                    Duration::try_from(until).unwrap_or(IDLE).min(IDLE)
                }
                _ => IDLE,
            };
            tokio::time::sleep(wait).await;
        }
    }
}
