//! The half-open window `[from, to)` a report covers, and the thresholds metrics use.

use jiff::civil::Date;
use jiff::fmt::temporal::Pieces;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};

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

/// An instant as `baton report` and `GET /api/v1/insights` take it (DESIGN.md: "RFC 3339
/// instants or dates (midnight in the workspace zone)"), read without guessing; `zone` is the
/// workspace's:
///
/// - an instant with its offset (`2024-09-30T10:00:00Z`, `2024-09-30T12:00+02:00`) is that
///   instant;
/// - a date (`2024-09-30`) is its midnight in `zone` (where a clock change skips midnight, the
///   day's first instant, as everywhere else in Baton);
/// - a date and time without an offset (`2024-09-30T10:00`, seconds optional) is that wall-clock
///   time in `zone`, as a date is its midnight there. A time `zone` skips or repeats at a clock
///   change is refused: either reading would be a guess, and the message names the offsets.
///
/// Anything else is refused with one sentence naming `field`: a date-time is never cut to its
/// date, and a time zone name without an offset (`2024-09-30T10:00[Europe/Berlin]`) is refused
/// rather than read in the workspace's zone.
pub fn parse_instant(field: &'static str, raw: &str, zone: &jiff::tz::TimeZone) -> Result<Timestamp> {
    let invalid = |reason: String| Error::Invalid { field, reason };
    let pieces = Pieces::parse(raw).map_err(|_| {
        invalid(format!(
            "{raw:?} is not an instant (2024-09-30T10:00:00Z), a date and time in the workspace's time zone \
             (2024-09-30T10:00) or a date (2024-09-30)"
        ))
    })?;
    if pieces.offset().is_some() {
        // The offset says which instant it is; a zone name after it only annotates it.
        return raw.parse::<Timestamp>().map_err(|e| invalid(format!("{raw:?} is not an instant Baton can hold: {e}")));
    }
    if pieces.time_zone_annotation().is_some() {
        return Err(invalid(format!(
            "{raw:?} names a time zone but no offset: give the offset (2024-09-30T10:00+02:00), or leave the zone \
             out to mean the workspace's"
        )));
    }
    let out_of_range = |e: jiff::Error| invalid(format!("{raw:?} is not an instant Baton can hold: {e}"));
    let Some(time) = pieces.time() else {
        return pieces.date().to_zoned(zone.clone()).map(|midnight| midnight.timestamp()).map_err(out_of_range);
    };
    let wall_clock = pieces.date().to_datetime(time);
    let zone_name = zone.iana_name().unwrap_or("the workspace's time zone");
    match zone.to_ambiguous_timestamp(wall_clock).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(wall_clock).map_err(out_of_range),
        AmbiguousOffset::Gap { before, after } => Err(invalid(format!(
            "{raw:?} does not exist in {zone_name}: the clocks skip it as they change from {} to {}; give an \
             offset to say which instant you mean",
            offset_text(before),
            offset_text(after)
        ))),
        AmbiguousOffset::Fold { before, after } => Err(invalid(format!(
            "{raw:?} happens twice in {zone_name} as the clocks change, first at {} and then at {}: add the offset \
             you mean ({wall_clock}{})",
            offset_text(before),
            offset_text(after),
            offset_text(before)
        ))),
    }
}

/// `offset` as RFC 3339 writes it (`+02:00`); jiff's own display shortens it to `+02`.
fn offset_text(offset: Offset) -> String {
    let sign = if offset.is_negative() { '-' } else { '+' };
    let minutes = offset.seconds().unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// How many days the window is when none is asked for: four weeks.
pub const DEFAULT_DAYS: i64 = 28;

/// The last day (in `zone`, included) of the window shown when none is asked for: today,
/// unless the four weeks through today hold no activity (a message or a task event) while
/// earlier days do, as in a history imported long after it ended: then the day of the latest
/// activity, so that the window holds the data. `activity` is every message's and task event's
/// time ([`crate::Dataset::activity`]); `now` comes from the caller, as everywhere here.
pub fn default_last_day(activity: impl Iterator<Item = Timestamp>, now: Timestamp, zone: &TimeZone) -> Date {
    let today = now.to_zoned(zone.clone()).date();
    let (first, _) = four_weeks_through(today);
    let recent = days(first, today, zone);
    let mut latest: Option<Timestamp> = None;
    for at in activity {
        if recent.as_ref().is_ok_and(|recent| recent.contains(at)) {
            return today;
        }
        latest = latest.max(Some(at));
    }
    latest.map_or(today, |at| at.to_zoned(zone.clone()).date())
}

/// The first and last day of the four weeks ([`DEFAULT_DAYS`]) that end with `last` (included).
pub fn four_weeks_through(last: Date) -> (Date, Date) {
    (last.checked_sub((DEFAULT_DAYS - 1).days()).unwrap_or(Date::MIN), last)
}

/// Whole days `first..=last` in `zone`: from the midnight that starts `first` to the one that
/// ends `last` (DST-aware: a day is not always 24 hours).
pub fn days(first: Date, last: Date, zone: &TimeZone) -> Result<Window> {
    let midnight = |date: Date| {
        date.to_zoned(zone.clone())
            .map(|z| z.timestamp())
            .map_err(|e| Error::Invalid { field: "window", reason: format!("{date} has no midnight in the zone: {e}") })
    };
    let after_last = last
        .checked_add(1.day())
        .map_err(|e| Error::Invalid { field: "window", reason: format!("{last} has no next day: {e}") })?;
    Window::new(midnight(first)?, midnight(after_last)?)
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

#[cfg(test)]
mod tests;
