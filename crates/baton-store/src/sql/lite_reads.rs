//! SQLite's read connections, held by Baton rather than by sqlx.
//!
//! sqlx runs each SQLite connection on a thread of its own and sends every row back through a
//! channel: a page that reads a few hundred rows paid a few hundred pairs of thread switches,
//! and under 32 concurrent readers on two cores those switches were a third of the server's
//! time. A read here runs on the calling thread from a cache of prepared statements (SQLite's
//! reads in WAL mode take microseconds to a few milliseconds, less than a hand-off costs), on a
//! read-only connection leased from this pool and given back when the read is done.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Error, Result};

/// At most this many read connections are open at once.
const MAX_CONNECTIONS: usize = 8;

/// Read-only connections to one SQLite file.
pub(crate) struct LitePool {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    permits: Arc<Semaphore>,
}

/// A connection leased from a [`LitePool`]; back to the pool when dropped, with any
/// transaction a cancelled read left open rolled back.
pub(crate) struct LiteLease {
    conn: Option<rusqlite::Connection>,
    pool: Arc<LitePool>,
    _permit: OwnedSemaphorePermit,
}

impl LitePool {
    pub(crate) fn new(path: PathBuf) -> Arc<LitePool> {
        Arc::new(LitePool { path, idle: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(MAX_CONNECTIONS)) })
    }

    /// A connection: an idle one, or a new one while fewer than [`MAX_CONNECTIONS`] are open;
    /// else waits for one to come back.
    pub(crate) async fn acquire(self: &Arc<LitePool>) -> Result<LiteLease> {
        let permit = self.permits.clone().acquire_owned().await.map_err(Error::internal)?;
        let idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        Ok(LiteLease { conn: Some(conn), pool: self.clone(), _permit: permit })
    }

    fn open(&self) -> Result<rusqlite::Connection> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(&self.path, flags).map_err(Error::internal)?;
        conn.execute_batch(super::open::SQLITE_SETTINGS).map_err(Error::internal)?;
        conn.set_prepared_statement_cache_capacity(256);
        Ok(conn)
    }
}

impl LiteLease {
    pub(crate) fn conn(&self) -> &rusqlite::Connection {
        // Taken only in `drop`.
        self.conn.as_ref().unwrap_or_else(|| unreachable!("a lease holds its connection until dropped"))
    }
}

impl Drop for LiteLease {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
            return; // closed rather than reused in an unknown state
        }
        self.pool.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(conn);
    }
}
