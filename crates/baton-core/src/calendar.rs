//! Working-time calendars: an IANA time zone plus weekly working hours in local wall-clock time.
//!
//! DESIGN.md ("Insight metrics", "Conventions") defines **working time** between two instants as
//! the length of the intersection of `[t1, t2)` with the calendar's working intervals, where a
//! working interval is local wall-clock time resolved in the zone on that date. This module is
//! that definition, and every insight that speaks of working time goes through
//! [`Calendar::working_time`].
//!
//! Resolving local times uses jiff's "compatible" disambiguation, the reading RFC 5545 and
//! Temporal use: a wall-clock time that does not exist because clocks sprang forward is moved
//! later by the length of the gap, and a wall-clock time that happens twice because clocks fell
//! back takes the earlier instant. Only the two ends of each interval are resolved; the interval
//! is everything between the two resulting instants. So on a spring-forward day a 01:00–04:00
//! interval lasts 2 h, and on a fall-back day 4 h.
//!
//! Everything here is pure arithmetic: no IO, no clock reads.

use std::sync::LazyLock;

use jiff::{
    civil::{Date, Time, Weekday},
    tz::{TimeZone, TimeZoneDatabase},
    SignedDuration, Timestamp,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[cfg(test)]
mod tests;

/// A member's (or the workspace's) calendar: a time zone plus weekly working hours in that
/// zone's local time.
#[derive(Clone, Debug)]
pub struct Calendar {
    zone: TimeZone,
    hours: WorkingHours,
    /// Working nanoseconds in a whole local day, Monday first, for days without a time zone
    /// transition nearby (see [`Calendar::working_time`]).
    day_totals: [i128; 7],
    week_total: i128,
}

/// Weekly working hours in local wall-clock time.
///
/// Each weekday holds a sorted list of non-overlapping [`DailyInterval`]s (intervals may touch).
/// The JSON form is an object keyed `"mon"` … `"sun"`, each an array of
/// `{"start": "09:00", "end": "17:00"}`; a missing key means no hours that day. Deserialization
/// validates, and serialization always writes all seven keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "WorkingHoursRepr", into = "WorkingHoursRepr")]
#[schema(example = json!({
    "mon": [{"start": "09:00", "end": "17:00"}],
    "tue": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
}))]
pub struct WorkingHours {
    #[schema(required = false)]
    mon: Vec<DailyInterval>,
    #[schema(required = false)]
    tue: Vec<DailyInterval>,
    #[schema(required = false)]
    wed: Vec<DailyInterval>,
    #[schema(required = false)]
    thu: Vec<DailyInterval>,
    #[schema(required = false)]
    fri: Vec<DailyInterval>,
    #[schema(required = false)]
    sat: Vec<DailyInterval>,
    #[schema(required = false)]
    sun: Vec<DailyInterval>,
}

/// A half-open span `[start, end)` of local wall-clock time within one day, at minute
/// precision. `end` may be 24:00, the end of the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ToSchema)]
pub struct DailyInterval {
    /// Local start time, `"HH:MM"` (kept as minutes since midnight).
    #[schema(value_type = String, example = "09:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    start: u16,
    /// Local end time, exclusive, `"HH:MM"`; `"24:00"` is the end of the day.
    #[schema(
        value_type = String,
        example = "17:00",
        pattern = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
    )]
    end: u16,
}

/// Why a time zone name or a set of working hours was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The name is not an IANA time zone identifier known to the bundled time zone database.
    #[error("unknown time zone {name:?}: expected an IANA name such as \"Europe/Berlin\"")]
    UnknownTimeZone {
        /// The name as given.
        name: String,
    },
    /// Working hours that are malformed, out of order or overlapping.
    #[error("invalid working hours: {reason}")]
    InvalidHours {
        /// What is wrong, naming the day when there is one.
        reason: String,
    },
}

/// Looks up an IANA time zone identifier such as `"Europe/Berlin"` or `"UTC"`.
///
/// Fixed offsets (`"+05:00"`), POSIX TZ strings and `"Etc/Unknown"` are rejected: a calendar
/// needs the zone's daylight-saving rules, which only a named zone carries. Lookups are
/// case-insensitive. When jiff embeds the IANA database (its `tzdb-bundle-always` feature),
/// zones come from that copy rather than the host's, so every machine computes the same
/// working time.
pub fn parse_time_zone(name: &str) -> Result<TimeZone, CalendarError> {
    let unknown = || CalendarError::UnknownTimeZone { name: name.to_owned() };
    let zone = TIME_ZONE_DATABASE.get(name).map_err(|_| unknown())?;
    if zone.iana_name().is_none() {
        return Err(unknown());
    }
    Ok(zone)
}

impl Calendar {
    /// A calendar of `hours` observed in `zone`.
    pub fn new(zone: TimeZone, hours: WorkingHours) -> Calendar {
        let mut day_totals = [0i128; 7];
        for (weekday_idx, total) in day_totals.iter_mut().enumerate() {
            *total = hours
                .day(weekday_idx)
                .iter()
                .map(|interval| i128::from(interval.end - interval.start) * NANOS_PER_MINUTE)
                .sum();
        }
        let week_total = day_totals.iter().sum();
        Calendar { zone, hours, day_totals, week_total }
    }

    /// The workspace calendar's default: UTC with [`WorkingHours::design_default`].
    pub fn utc_default() -> Calendar {
        Calendar::new(TimeZone::UTC, WorkingHours::design_default())
    }

    /// The calendar's time zone.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The calendar's weekly working hours.
    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// The exact length of the intersection of `[from, to)` with the working intervals,
    /// at nanosecond precision; zero when `to <= from`.
    ///
    /// Working intervals are resolved as described in the module docs; where resolved intervals
    /// overlap (possible only around a spring-forward gap) their union counts, never a time
    /// twice. Insights call this tens of millions of times, so away from time zone transitions
    /// it is plain integer arithmetic without allocation or time zone lookups per day, and whole
    /// weeks cost O(1).
    pub fn working_time(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to <= from || self.week_total == 0 {
            return SignedDuration::ZERO;
        }
        let to_ns = to.as_nanosecond();
        let mut cursor = from.as_nanosecond();
        let mut total = 0i128;
        // Split the window into pieces far from any transition, where the offset is one constant
        // and local time is a linear function of the instant, and pieces around a transition,
        // which resolve every interval through jiff. Working time is additive over the pieces.
        while cursor < to_ns {
            let probe = timestamp_from_nanos(cursor - FIXED_OFFSET_MARGIN);
            let Some(transition) = self.zone.following(probe).next() else {
                let offset = self.zone.to_offset(timestamp_from_nanos(cursor));
                total += self.fixed_offset_working_nanos(cursor, to_ns, offset.seconds());
                break;
            };
            let transition_ns = transition.timestamp().as_nanosecond();
            let fixed_end = (transition_ns - TRANSITION_PIECE_HALF_WIDTH).min(to_ns);
            if fixed_end > cursor {
                let offset = self.zone.to_offset(timestamp_from_nanos(cursor));
                total += self.fixed_offset_working_nanos(cursor, fixed_end, offset.seconds());
                cursor = fixed_end;
            }
            let piece_end = (transition_ns + TRANSITION_PIECE_HALF_WIDTH).min(to_ns);
            if piece_end > cursor {
                let piece = self.working_intervals(timestamp_from_nanos(cursor), timestamp_from_nanos(piece_end));
                total += piece.iter().map(|(start, end)| end.as_nanosecond() - start.as_nanosecond()).sum::<i128>();
                cursor = piece_end;
            }
        }
        duration_from_nanos(total)
    }

    /// The working intervals clipped to `[from, to)`, in order, as half-open `(start, end)`
    /// pairs. Intervals that touch or overlap are merged, so an interval ending at 24:00 and one
    /// starting at 00:00 the next day come back as one, and the lengths sum to
    /// [`Calendar::working_time`] over the same window.
    pub fn working_intervals(&self, from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Timestamp)> {
        let mut clipped = Vec::new();
        if to <= from || self.week_total == 0 {
            return clipped;
        }
        // An interval of local date d resolves with an offset that differs from the window
        // ends' offsets by at most a day in every zone of the IANA database (the largest jump,
        // Samoa skipping 2011-12-30, is exactly 24 h), so two days of margin on either side
        // reach every interval that can meet the window.
        let first_date = self.zone.to_datetime(from).date().saturating_sub(SignedDuration::from_hours(48));
        let last_date = self.zone.to_datetime(to).date().saturating_add(SignedDuration::from_hours(48));
        let mut date = first_date;
        loop {
            let weekday_idx = weekday_index(date.weekday());
            for interval in self.hours.day(weekday_idx) {
                let start = self.resolve(date, interval.start).max(from);
                let end = self.resolve(date, interval.end).min(to);
                if start < end {
                    clipped.push((start, end));
                }
            }
            match date.tomorrow() {
                Ok(next) if date < last_date => date = next,
                _ => break,
            }
        }
        // Resolution is monotonic except inside a spring-forward gap, where a start in the gap
        // lands after the instants of the wall-clock times just past the gap.
        clipped.sort_unstable();
        let mut merged: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(clipped.len());
        for (start, end) in clipped {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }

    /// `at` itself when it is inside working hours, else the start of the next working
    /// interval. `None` when no working interval starts within two weeks of `at`, which with
    /// weekly hours means the calendar has no working hours at all.
    pub fn next_working_instant(&self, at: Timestamp) -> Option<Timestamp> {
        if self.week_total == 0 {
            return None;
        }
        let horizon = timestamp_from_nanos(at.as_nanosecond() + SEARCH_HORIZON);
        self.working_intervals(at, horizon).first().map(|&(start, _)| start)
    }

    /// Whether `at` is inside working hours. Intervals are half-open: the instant an interval
    /// starts is working, the instant it ends is not.
    pub fn is_working(&self, at: Timestamp) -> bool {
        // At Timestamp::MAX there is no later nanosecond to measure; nobody works then.
        match at.checked_add(SignedDuration::from_nanos(1)) {
            Ok(next) => !self.working_time(at, next).is_zero(),
            Err(_) => false,
        }
    }

    /// Working nanoseconds in `[from, to)` (nanoseconds since the Unix epoch) when the zone's
    /// offset is `offset_seconds` throughout and for three days on either side, so every
    /// local time near the window exists exactly once and resolves linearly.
    fn fixed_offset_working_nanos(&self, from: i128, to: i128, offset_seconds: i32) -> i128 {
        let offset = i128::from(offset_seconds) * NANOS_PER_SECOND;
        let (local_from, local_to) = (from + offset, to + offset);
        let first_day = local_from.div_euclid(NANOS_PER_DAY);
        let last_day = (local_to - 1).div_euclid(NANOS_PER_DAY);
        let mut total = self.day_overlap(first_day, local_from, local_to);
        if last_day == first_day {
            return total;
        }
        total += self.day_overlap(last_day, local_from, local_to);
        let n_full_days = last_day - first_day - 1;
        let n_full_weeks = n_full_days / 7;
        total += n_full_weeks * self.week_total;
        for day in (first_day + 1 + n_full_weeks * 7)..last_day {
            total += self.day_totals[weekday_index_of_day(day)];
        }
        total
    }

    /// Working nanoseconds of local day `day` (days since 1970-01-01) inside
    /// `[local_from, local_to)`, all in local nanoseconds since the epoch.
    fn day_overlap(&self, day: i128, local_from: i128, local_to: i128) -> i128 {
        let midnight = day * NANOS_PER_DAY;
        let mut total = 0;
        for interval in self.hours.day(weekday_index_of_day(day)) {
            let start = midnight + i128::from(interval.start) * NANOS_PER_MINUTE;
            if start >= local_to {
                break;
            }
            let end = midnight + i128::from(interval.end) * NANOS_PER_MINUTE;
            total += (end.min(local_to) - start.max(local_from)).max(0);
        }
        total
    }

    /// The instant of `minute` minutes after local midnight on `date`, with "compatible"
    /// disambiguation (see the module docs). Times beyond jiff's range saturate.
    fn resolve(&self, date: Date, minute: u16) -> Timestamp {
        let resolved = date
            .to_datetime(Time::midnight())
            .checked_add(SignedDuration::from_mins(i64::from(minute)))
            .and_then(|local| self.zone.to_ambiguous_timestamp(local).compatible());
        match resolved {
            Ok(instant) => instant,
            Err(_) if date.year() < 0 => Timestamp::MIN,
            Err(_) => Timestamp::MAX,
        }
    }
}

impl WorkingHours {
    /// DESIGN.md's default: Monday to Friday, 09:00–17:00.
    pub fn design_default() -> WorkingHours {
        let office = vec![DailyInterval { start: 9 * 60, end: 17 * 60 }];
        WorkingHours {
            mon: office.clone(),
            tue: office.clone(),
            wed: office.clone(),
            thu: office.clone(),
            fri: office,
            sat: Vec::new(),
            sun: Vec::new(),
        }
    }

    /// Working hours from one list per weekday, Monday first. The lists may come in any order;
    /// they are sorted, and intervals that overlap within a day are rejected.
    pub fn new(days: [Vec<DailyInterval>; 7]) -> Result<WorkingHours, CalendarError> {
        let [mut mon, mut tue, mut wed, mut thu, mut fri, mut sat, mut sun] = days;
        for (intervals, day_name) in [
            (&mut mon, "mon"),
            (&mut tue, "tue"),
            (&mut wed, "wed"),
            (&mut thu, "thu"),
            (&mut fri, "fri"),
            (&mut sat, "sat"),
            (&mut sun, "sun"),
        ] {
            intervals.sort_unstable();
            for pair in intervals.windows(2) {
                if pair[1].start < pair[0].end {
                    return Err(CalendarError::InvalidHours {
                        reason: format!("on {day_name}, {} overlaps {}", pair[0], pair[1]),
                    });
                }
            }
        }
        Ok(WorkingHours { mon, tue, wed, thu, fri, sat, sun })
    }

    /// The intervals of `weekday`, sorted.
    pub fn on(&self, weekday: Weekday) -> &[DailyInterval] {
        self.day(weekday_index(weekday))
    }

    /// Whether there are no working hours on any day.
    pub fn is_empty(&self) -> bool {
        (0..7).all(|weekday_idx| self.day(weekday_idx).is_empty())
    }

    /// The intervals of the weekday with Monday-based index `weekday_idx` (0..7).
    fn day(&self, weekday_idx: usize) -> &[DailyInterval] {
        match weekday_idx {
            0 => &self.mon,
            1 => &self.tue,
            2 => &self.wed,
            3 => &self.thu,
            4 => &self.fri,
            5 => &self.sat,
            _ => &self.sun,
        }
    }
}

impl Default for WorkingHours {
    /// Same as [`WorkingHours::design_default`].
    fn default() -> WorkingHours {
        WorkingHours::design_default()
    }
}

impl DailyInterval {
    /// `[start_minute, end_minute)` in minutes since local midnight; `end_minute` may be 1440
    /// (24:00). Rejects an empty or reversed interval and times past 24:00.
    pub fn new(start_minute: u16, end_minute: u16) -> Result<DailyInterval, CalendarError> {
        if end_minute > MINUTES_PER_DAY {
            return Err(CalendarError::InvalidHours { reason: format!("end minute {end_minute} is past 24:00") });
        }
        if start_minute >= end_minute {
            return Err(CalendarError::InvalidHours {
                reason: format!("start {} is not before end {}", ClockTime(start_minute), ClockTime(end_minute)),
            });
        }
        Ok(DailyInterval { start: start_minute, end: end_minute })
    }

    /// Minutes since local midnight at which the interval starts.
    pub fn start_minute(self) -> u16 {
        self.start
    }

    /// Minutes since local midnight at which the interval ends (exclusive); 1440 is 24:00.
    pub fn end_minute(self) -> u16 {
        self.end
    }
}

impl std::fmt::Display for DailyInterval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", ClockTime(self.start), ClockTime(self.end))
    }
}

const MINUTES_PER_DAY: u16 = 24 * 60;
const NANOS_PER_SECOND: i128 = 1_000_000_000;
const NANOS_PER_MINUTE: i128 = 60 * NANOS_PER_SECOND;
const NANOS_PER_DAY: i128 = 24 * 60 * NANOS_PER_MINUTE;

/// How far from a window the offset must stay constant for the linear fast path. Any other
/// instant sharing a local time with one near the window would be a whole offset jump away, and
/// no zone jumps by more than 26 h.
const FIXED_OFFSET_MARGIN: i128 = 3 * NANOS_PER_DAY;

/// Half the width of the piece resolved through jiff around each transition; it exceeds
/// [`FIXED_OFFSET_MARGIN`] so the fixed-offset pieces on either side stay valid.
const TRANSITION_PIECE_HALF_WIDTH: i128 = 4 * NANOS_PER_DAY;

/// How far [`Calendar::next_working_instant`] looks ahead.
const SEARCH_HORIZON: i128 = 14 * NANOS_PER_DAY;

/// Where [`parse_time_zone`] looks zones up. jiff's default database prefers the host's
/// `/usr/share/zoneinfo` even when a bundled copy is compiled in, so ask for the bundle
/// explicitly and fall back to the default only when there is none.
static TIME_ZONE_DATABASE: LazyLock<TimeZoneDatabase> = LazyLock::new(|| {
    let bundled = TimeZoneDatabase::bundled();
    if bundled.is_definitively_empty() {
        jiff::tz::db().clone()
    } else {
        bundled
    }
});

/// The JSON form of [`WorkingHours`], with times still as text so that errors can name the day.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkingHoursRepr {
    #[serde(default)]
    mon: Vec<DailyIntervalRepr>,
    #[serde(default)]
    tue: Vec<DailyIntervalRepr>,
    #[serde(default)]
    wed: Vec<DailyIntervalRepr>,
    #[serde(default)]
    thu: Vec<DailyIntervalRepr>,
    #[serde(default)]
    fri: Vec<DailyIntervalRepr>,
    #[serde(default)]
    sat: Vec<DailyIntervalRepr>,
    #[serde(default)]
    sun: Vec<DailyIntervalRepr>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DailyIntervalRepr {
    start: String,
    end: String,
}

/// Minutes since midnight, displayed as `HH:MM`.
struct ClockTime(u16);

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl TryFrom<WorkingHoursRepr> for WorkingHours {
    type Error = CalendarError;

    fn try_from(repr: WorkingHoursRepr) -> Result<WorkingHours, CalendarError> {
        let days = [
            (repr.mon, "mon"),
            (repr.tue, "tue"),
            (repr.wed, "wed"),
            (repr.thu, "thu"),
            (repr.fri, "fri"),
            (repr.sat, "sat"),
            (repr.sun, "sun"),
        ]
        .map(|(intervals, day_name)| parse_day(&intervals, day_name));
        let [mon, tue, wed, thu, fri, sat, sun] = days;
        WorkingHours::new([mon?, tue?, wed?, thu?, fri?, sat?, sun?])
    }
}

impl From<WorkingHours> for WorkingHoursRepr {
    fn from(hours: WorkingHours) -> WorkingHoursRepr {
        let day = |intervals: Vec<DailyInterval>| {
            intervals
                .into_iter()
                .map(|interval| DailyIntervalRepr {
                    start: ClockTime(interval.start).to_string(),
                    end: ClockTime(interval.end).to_string(),
                })
                .collect()
        };
        WorkingHoursRepr {
            mon: day(hours.mon),
            tue: day(hours.tue),
            wed: day(hours.wed),
            thu: day(hours.thu),
            fri: day(hours.fri),
            sat: day(hours.sat),
            sun: day(hours.sun),
        }
    }
}

fn parse_day(intervals: &[DailyIntervalRepr], day_name: &str) -> Result<Vec<DailyInterval>, CalendarError> {
    intervals
        .iter()
        .map(|interval| {
            let invalid = |reason: String| CalendarError::InvalidHours { reason: format!("on {day_name}, {reason}") };
            let start = parse_clock_time(&interval.start).map_err(invalid)?;
            let end = parse_clock_time(&interval.end).map_err(invalid)?;
            DailyInterval::new(start, end).map_err(|err| match err {
                CalendarError::InvalidHours { reason } => invalid(reason),
                other => other,
            })
        })
        .collect()
}

/// Parses `"HH:MM"` (00:00 to 24:00) into minutes since midnight.
fn parse_clock_time(text: &str) -> Result<u16, String> {
    let malformed = || format!("{text:?} is not a time of day from 00:00 to 24:00 in HH:MM form");
    let bytes = text.as_bytes();
    if bytes.len() != 5 || bytes[2] != b':' {
        return Err(malformed());
    }
    let digits = [bytes[0], bytes[1], bytes[3], bytes[4]];
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(malformed());
    }
    let [h1, h2, m1, m2] = digits.map(|digit| u16::from(digit - b'0'));
    let (hour, minute) = (h1 * 10 + h2, m1 * 10 + m2);
    if minute >= 60 || hour > 24 || (hour == 24 && minute != 0) {
        return Err(malformed());
    }
    Ok(hour * 60 + minute)
}

fn weekday_index(weekday: Weekday) -> usize {
    usize::from(weekday.to_monday_zero_offset().unsigned_abs())
}

/// The Monday-based weekday index of `day` days after 1970-01-01, which was a Thursday.
fn weekday_index_of_day(day: i128) -> usize {
    // rem_euclid(7) is in 0..7, so the cast cannot truncate.
    (day + 3).rem_euclid(7) as usize
}

fn timestamp_from_nanos(nanos: i128) -> Timestamp {
    Timestamp::from_nanosecond(nanos).unwrap_or(if nanos < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

fn duration_from_nanos(nanos: i128) -> SignedDuration {
    // Working time is at most the span between two Timestamps, about 20,000 years, which fits
    // SignedDuration's i64 seconds many times over.
    let seconds = i64::try_from(nanos.div_euclid(NANOS_PER_SECOND)).unwrap_or(i64::MAX);
    let subsec = i32::try_from(nanos.rem_euclid(NANOS_PER_SECOND)).unwrap_or(0);
    SignedDuration::new(seconds, subsec)
}
