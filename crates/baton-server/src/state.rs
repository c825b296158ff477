//! What every handler shares.

use std::sync::Arc;

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
        let _permit = self.cpu_permits.acquire().await.map_err(|_| ApiError::Busy)?;
        tokio::task::spawn_blocking(work).await.map_err(ApiError::internal)
    }
}
