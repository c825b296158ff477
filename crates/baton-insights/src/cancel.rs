//! Stopping a report nobody waits for any more: a server computes reports on its CPU pool,
//! where a dropped request does not stop the work; the request's side cancels, and the walk
//! over the messages, the longest part of a report, checks every few thousand messages.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Shared between the one who may cancel and the computation that checks. Clones share.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Option<Arc<AtomicBool>>);

/// What a cancelled computation returns instead of its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the report was cancelled")]
pub struct Cancelled;

impl Cancel {
    /// Never cancelled: for the command line and the tests.
    pub const NEVER: Cancel = Cancel(None);

    /// One that can be cancelled.
    pub fn new() -> Cancel {
        Cancel(Some(Arc::new(AtomicBool::new(false))))
    }

    pub fn cancel(&self) {
        if let Some(flag) = &self.0 {
            flag.store(true, Ordering::Relaxed);
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.as_ref().is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    /// `Err(Cancelled)` once cancelled.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}
