//! Shared by the benchmark's binaries: the generated data's time span and the report window,
//! a small deterministic random number generator, and the loader that turns the CSV files into
//! a [`baton_insights::Dataset`].
//!
//! The CSV files (all with a header line; instants are integer microseconds since the Unix
//! epoch, UTC):
//!
//! - `people.csv`: `idx,handle,time_zone` (IANA zone; default working hours Mon–Fri 09:00–17:00)
//! - `conversations.csv`: `idx,kind,channel,title,direct,resolved_at` (`kind` is `thread` or
//!   `timeline`; `direct` 0/1; `resolved_at` empty when the thread was never resolved)
//! - `messages.csv`: `id,conversation,author,at,mentions_other,ends_with_question` (in no
//!   particular order)
//! - `tasks.csv`: `id,project,created_at,status,assignee,due,conversation` (status, assignee and
//!   due date at creation; `assignee` a person's idx or empty; `due` `YYYY-MM-DD` or empty;
//!   `conversation` the idx of the task's thread or empty)
//! - `task_changes.csv`: `task,seq,at,kind,value` (`kind` one of `status`, `assigned`, `due`,
//!   `updated`; `value` a status, a person's idx, a date, or empty; `seq` orders a task's changes)

pub mod load;

/// Start of the generated year and of the report window: 2025-01-01T00:00:00Z, in microseconds.
pub const YEAR_START_US: i64 = 1_735_689_600_000_000;
/// End of the report window: 2026-01-01T00:00:00Z, in microseconds. Some generated activity
/// falls after it; for the report it does not exist.
pub const YEAR_END_US: i64 = YEAR_START_US + 365 * DAY_US;
pub const SECOND_US: i64 = 1_000_000;
pub const MINUTE_US: i64 = 60 * SECOND_US;
pub const HOUR_US: i64 = 60 * MINUTE_US;
pub const DAY_US: i64 = 24 * HOUR_US;

/// SplitMix64: tiny, fast, and the same sequence on every machine for one seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[lo, hi)` (`lo < hi`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64) as i64
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Log-uniform integer in `[lo, hi]` (`1 <= lo <= hi`).
    pub fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let (l, h) = ((lo as f64).ln(), ((hi + 1) as f64).ln());
        ((l + self.unit() * (h - l)).exp() as u64).clamp(lo, hi)
    }
}
