//! The half-open window `[from, to)` a report covers, and the thresholds metrics use.

use jiff::{SignedDuration, Timestamp};

use crate::error::{Error, Result};

/// `[from, to)`, with `from < to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    from: Timestamp,
    to: Timestamp,
}

impl Window {
    pub fn new(from: Timestamp, to: Timestamp) -> Result<Window> {
        if from >= to {
            return Err(Error::Invalid { field: "window", reason: format!("from ({from}) must be before to ({to})") });
        }
        Ok(Window { from, to })
    }

    pub fn from(&self) -> Timestamp {
        self.from
    }

    pub fn to(&self) -> Timestamp {
        self.to
    }

    /// Whether `at` is in `[from, to)`.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.to
    }
}

/// An RFC 3339 instant (`2024-09-30T00:00:00Z`), or a date (`2024-09-30`) meaning its
/// midnight in `zone` (the workspace's), as `baton report` and the API take them.
pub fn parse_instant(field: &'static str, raw: &str, zone: &jiff::tz::TimeZone) -> Result<Timestamp> {
    if let Ok(at) = raw.parse::<Timestamp>() {
        return Ok(at);
    }
    let invalid = || Error::Invalid {
        field,
        reason: format!("{raw:?} is neither an RFC 3339 instant (2024-09-30T00:00:00Z) nor a date (2024-09-30)"),
    };
    let date = raw.parse::<jiff::civil::Date>().map_err(|_| invalid())?;
    date.to_zoned(zone.clone()).map(|z| z.timestamp()).map_err(|_| invalid())
}

/// The numbers metrics compare against. DESIGN.md's values are [`Thresholds::design_defaults`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    /// A reply is within norm when its working response time is at most this (per channel
    /// norms override it through [`crate::Conversation::norm`]).
    pub default_norm: SignedDuration,
    /// A thread bounces with at least this many handoffs …
    pub bouncing_handoffs: u32,
    /// … and at least this span.
    pub bouncing_span: SignedDuration,
    /// An open task stalls after this much working time without activity.
    pub stalled_after: SignedDuration,
    /// Isolation looks at this many days before `to`.
    pub isolation_days: i64,
    /// A member with at most this many collaborators (and no huddle time) is isolated.
    pub isolated_max_collaborators: usize,
}

impl Thresholds {
    pub fn design_defaults() -> Thresholds {
        Thresholds {
            default_norm: SignedDuration::from_hours(4),
            bouncing_handoffs: 6,
            bouncing_span: SignedDuration::from_hours(24),
            stalled_after: SignedDuration::from_hours(24),
            isolation_days: 14,
            isolated_max_collaborators: 1,
        }
    }
}
