//! What every handler shares.

use std::sync::Arc;

use baton_insights::Cancel;
use baton_store::DynStore;
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};
use crate::scheduler::{Clock, SystemClock};

/// The server's shared state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    /// Permits for CPU-heavy work (password hashing, later insights): one per core, so that such
    /// work never takes every blocking thread.
    cpu_permits: Arc<Semaphore>,
    /// The insights dataset built from the log so far: a report applies only newer events.
    pub(crate) insights: Arc<std::sync::Mutex<crate::api::insights::LogDataset>>,
    /// The threads that bounce, as thread lists last asked for them.
    pub(crate) bouncing: Arc<crate::api::insights::BouncingCache>,
    /// Reports being computed, shared by identical requests.
    pub(crate) reports: Arc<crate::api::insights::InFlight>,
    /// What time a change is recorded at and reports default to: the machine's clock, or a
    /// manual one in tests that replay a history through the API.
    clock: Arc<dyn Clock>,
    /// The one-time token a fresh server asks of whoever sets it up; `None` leaves setup to the
    /// embedder (tests that set up a workspace themselves).
    setup_gate: Option<Arc<SetupGate>>,
}

/// What guards the setup of a fresh workspace: the token `baton serve` printed and wrote to a
/// file that only the server's owner can read, and that file, removed once setup is done.
#[derive(Debug)]
pub struct SetupGate {
    pub token: String,
    pub file: Option<std::path::PathBuf>,
}

impl SetupGate {
    /// Whether `offered` is the token, compared in constant time.
    pub fn admits(&self, offered: &str) -> bool {
        offered.len() == self.token.len()
            && offered.bytes().zip(self.token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

impl AppState {
    pub fn new(store: DynStore) -> AppState {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        AppState {
            store,
            cpu_permits: Arc::new(Semaphore::new(cores)),
            insights: Arc::default(),
            bouncing: Arc::default(),
            reports: Arc::default(),
            clock: Arc::new(SystemClock),
            setup_gate: None,
        }
    }

    /// The same state, asking `gate`'s token of whoever sets the workspace up.
    pub fn with_setup_gate(mut self, gate: SetupGate) -> AppState {
        self.setup_gate = Some(Arc::new(gate));
        self
    }

    /// The setup token guard, if this server has one.
    pub fn setup_gate(&self) -> Option<&SetupGate> {
        self.setup_gate.as_deref()
    }

    /// The same state reading the time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> AppState {
        self.clock = clock;
        self
    }

    /// The time a change is recorded at: now, by the state's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// The clock, for the scheduler that fires this state's timed work.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Runs CPU-heavy `work` on the blocking pool, at most one job per core at a time.
    pub async fn cpu<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.cpu_until(|_| work()).await
    }

    /// [`AppState::cpu`] for work that can stop early: when this future is dropped (the client
    /// went away, the request's time limit) the work's [`Cancel`] is cancelled. Its core stays
    /// taken until the work has really returned, so a dropped report cannot let more reports
    /// run than there are cores.
    pub async fn cpu_until<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Cancel) -> T + Send + 'static,
    {
        let permit = self.cpu_permits.clone().acquire_owned().await.map_err(|_| ApiError::Busy)?;
        let cancel = Cancel::new();
        let _cancel_when_dropped = CancelOnDrop(cancel.clone());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&cancel)
        })
        .await
        .map_err(ApiError::internal)
    }
}

/// Cancels its [`Cancel`] when dropped: whether the work finished (then nothing is left to
/// stop) or its future was dropped halfway.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use baton_store::testing::Scratch;

    use super::*;

    /// A report whose request is dropped (a client gone, a time-out) is told to stop, and its
    /// core counts as taken until it has: otherwise dropped reports would pile up on the cores
    /// while the permits said they were free.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropped_work_is_cancelled_and_keeps_its_core_until_it_stops() {
        let scratch = Scratch::sqlite();
        let state = AppState::new(Arc::new(scratch.open().await));
        let cores = state.cpu_permits.available_permits();
        let (told, heard) = std::sync::mpsc::channel();
        let work = state.cpu_until(move |cancel| {
            let started = Instant::now();
            while !cancel.is_cancelled() && started.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(1));
            }
            // Still busy for a while after the cancel: the core stays taken meanwhile.
            std::thread::sleep(Duration::from_millis(300));
            let _ = told.send(cancel.is_cancelled());
        });
        assert!(tokio::time::timeout(Duration::from_millis(100), work).await.is_err(), "the work ended by itself");
        assert_eq!(state.cpu_permits.available_permits(), cores - 1, "the dropped work's core was given back early");
        let cancelled = tokio::task::spawn_blocking(move || heard.recv_timeout(Duration::from_secs(5))).await.unwrap();
        assert_eq!(cancelled, Ok(true), "the work was not told to stop");
        let deadline = Instant::now() + Duration::from_secs(5);
        while state.cpu_permits.available_permits() < cores {
            assert!(Instant::now() < deadline, "the core was never given back");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
