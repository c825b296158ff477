//! What every handler shares.

use std::sync::Arc;

use baton_store::DynStore;
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};

/// The server's shared state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    /// Permits for CPU-heavy work (password hashing, later insights): one per core, so that such
    /// work never takes every blocking thread.
    cpu_permits: Arc<Semaphore>,
    /// The insights dataset built from the log so far: a report applies only newer events.
    pub(crate) insights: Arc<std::sync::Mutex<crate::api::insights::LogDataset>>,
}

impl AppState {
    pub fn new(store: DynStore) -> AppState {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        AppState { store, cpu_permits: Arc::new(Semaphore::new(cores)), insights: Arc::default() }
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
