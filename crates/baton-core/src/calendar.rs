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

use std::sync::{Arc, LazyLock, OnceLock};

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
    /// The zone's transitions, found on first use and shared by clones (see [`Transitions`]).
    transitions: Arc<OnceLock<Transitions>>,
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
        Calendar { zone, hours, day_totals, week_total, transitions: Arc::default() }
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
        self.working_time_with(from, to, Some(self.transitions()))
    }

    /// [`Calendar::working_time`], asking `table` rather than jiff about the zone's transitions
    /// and offsets wherever the table covers the query (`None`: always jiff; tests compare both).
    fn working_time_with(&self, from: Timestamp, to: Timestamp, table: Option<&Transitions>) -> SignedDuration {
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
            let (next, offset) = self.transition_after(cursor - FIXED_OFFSET_MARGIN, table);
            // `offset` holds from the probe until `next`, so at `cursor` (three days after the
            // probe) whenever a fixed-offset piece starts there.
            let offset = offset.unwrap_or_else(|| self.zone.to_offset(timestamp_from_nanos(cursor)).seconds());
            let Some(transition) = next else {
                total += self.fixed_offset_working_nanos(cursor, to_ns, offset);
                break;
            };
            let fixed_end = (transition.at - TRANSITION_PIECE_HALF_WIDTH).min(to_ns);
            if fixed_end > cursor {
                total += self.fixed_offset_working_nanos(cursor, fixed_end, offset);
                cursor = fixed_end;
            }
            let piece_end = (transition.at + TRANSITION_PIECE_HALF_WIDTH).min(to_ns);
            if piece_end > cursor {
                total += match transition.table_idx.zip(table) {
                    // [cursor, piece_end) lies within the half-width of the transition, where the
                    // table keeps the resolved intervals.
                    Some((idx, table)) => table
                        .intervals_around(idx, self)
                        .iter()
                        .map(|&(start, end)| (end.min(piece_end) - start.max(cursor)).max(0))
                        .sum::<i128>(),
                    None => self
                        .working_intervals(timestamp_from_nanos(cursor), timestamp_from_nanos(piece_end))
                        .iter()
                        .map(|(start, end)| end.as_nanosecond() - start.as_nanosecond())
                        .sum::<i128>(),
                };
                cursor = piece_end;
            }
        }
        duration_from_nanos(total)
    }

    /// The zone's transition table, built on first use (see [`Transitions`]).
    fn transitions(&self) -> &Transitions {
        self.transitions.get_or_init(|| Transitions::of(&self.zone))
    }

    /// The first transition strictly after `probe` (nanoseconds since the epoch), as jiff's
    /// `zone.following(probe).next()` finds it, and when `table` covers `probe`, the offset
    /// (seconds) in force from `probe` until that transition (`None`: ask jiff).
    fn transition_after(&self, probe: i128, table: Option<&Transitions>) -> (Option<Transition>, Option<i32>) {
        if let Some((next, offset)) = table.and_then(|table| table.transition_after(probe)) {
            return (next, Some(offset));
        }
        let next = self.zone.following(timestamp_from_nanos(probe)).next();
        (next.map(|transition| Transition { at: transition.timestamp().as_nanosecond(), table_idx: None }), None)
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

    /// An index of the working time between instants of `[from, to]`, for many queries over
    /// one span (see [`WorkingTimeIndex`]).
    pub fn index(&self, from: Timestamp, to: Timestamp) -> WorkingTimeIndex<'_> {
        WorkingTimeIndex::new(self, from, to)
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
        let (first_day, from_in_day) = split_day(from + offset);
        // The day of the last nanosecond inside the window, and the window's end in that day
        // (in (0, 24 h]).
        let (last_day, last_in_day) = split_day(to + offset - 1);
        let to_in_day = last_in_day + 1;
        if last_day == first_day {
            return i128::from(self.day_overlap(first_day, from_in_day, to_in_day));
        }
        let mut total = i128::from(self.day_overlap(first_day, from_in_day, NANOS_PER_DAY_I64));
        total += i128::from(self.day_overlap(last_day, 0, to_in_day));
        let n_full_days = last_day - first_day - 1;
        let n_full_weeks = n_full_days / 7;
        total += i128::from(n_full_weeks) * self.week_total;
        for day in (first_day + 1 + n_full_weeks * 7)..last_day {
            total += self.day_totals[weekday_index_of_day(day)];
        }
        total
    }

    /// Working nanoseconds of local day `day` (days since 1970-01-01) inside `[from, to)`,
    /// nanoseconds since that day's local midnight (`0 <= from <= to <= 24 h`).
    fn day_overlap(&self, day: i64, from: i64, to: i64) -> i64 {
        let mut total = 0;
        for interval in self.hours.day(weekday_index_of_day(day)) {
            let start = i64::from(interval.start) * NANOS_PER_MINUTE_I64;
            if start >= to {
                break;
            }
            let end = i64::from(interval.end) * NANOS_PER_MINUTE_I64;
            total += (end.min(to) - start.max(from)).max(0);
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

/// A calendar's working time between instants of one span, found by lookup: the span's working
/// intervals are resolved once, with running totals, so a query costs two short searches
/// rather than the calendar's arithmetic (a report asks millions of times). Working time is the
/// measure of the union of the working intervals cut to the query, so the difference of two
/// running totals is exactly [`Calendar::working_time`]; a query reaching outside the span asks
/// the calendar itself.
#[derive(Debug, Clone)]
pub struct WorkingTimeIndex<'c> {
    calendar: &'c Calendar,
    /// The span, nanoseconds since the epoch, both ends included.
    from: i128,
    to: i128,
    /// The merged working intervals of the span, in order, and the working time before each.
    starts: Vec<i128>,
    ends: Vec<i128>,
    before: Vec<i128>,
    /// For each bucket of 2^[`INDEX_BUCKET_SHIFT`] ns (about 9.8 hours) from `from`, the number
    /// of intervals that start at or before the bucket's start: where a search may begin.
    bucket_first: Vec<u32>,
}

/// [`WorkingTimeIndex`] buckets are 2^45 ns, about 9.8 hours: at most a few interval starts each
/// with any weekly hours of sensible granularity (a search scans forward from its bucket).
const INDEX_BUCKET_SHIFT: u32 = 45;

impl<'c> WorkingTimeIndex<'c> {
    fn new(calendar: &'c Calendar, from: Timestamp, to: Timestamp) -> WorkingTimeIndex<'c> {
        let (from_ns, to_ns) = (from.as_nanosecond(), to.as_nanosecond().max(from.as_nanosecond()));
        let intervals = calendar.working_intervals(from, to);
        let starts: Vec<i128> = intervals.iter().map(|(start, _)| start.as_nanosecond()).collect();
        let ends: Vec<i128> = intervals.iter().map(|(_, end)| end.as_nanosecond()).collect();
        let before = starts
            .iter()
            .zip(&ends)
            .scan(0i128, |total, (start, end)| {
                let before = *total;
                *total += end - start;
                Some(before)
            })
            .collect();
        let n_buckets = usize::try_from((to_ns - from_ns) >> INDEX_BUCKET_SHIFT).unwrap_or(0) + 1;
        let bucket_first = (0..n_buckets)
            .map(|bucket| {
                let bucket_start = from_ns + (i128::try_from(bucket).unwrap_or(0) << INDEX_BUCKET_SHIFT);
                // A lower bound is enough for the forward scan, so a (never seen) overflow
                // falls back to 0.
                u32::try_from(starts.partition_point(|&start| start <= bucket_start)).unwrap_or(0)
            })
            .collect();
        WorkingTimeIndex { calendar, from: from_ns, to: to_ns, starts, ends, before, bucket_first }
    }

    /// Exactly [`Calendar::working_time`]`(from, to)`.
    pub fn working_time(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        let (from_ns, to_ns) = (from.as_nanosecond(), to.as_nanosecond());
        if to_ns <= from_ns {
            return SignedDuration::ZERO;
        }
        if from_ns < self.from || to_ns > self.to {
            return self.calendar.working_time(from, to);
        }
        duration_from_nanos(self.working_before(to_ns) - self.working_before(from_ns))
    }

    /// The working time from the span's start to `at` (inside the span).
    fn working_before(&self, at: i128) -> i128 {
        let bucket = usize::try_from((at - self.from) >> INDEX_BUCKET_SHIFT).unwrap_or(usize::MAX);
        let mut n_started = match self.bucket_first.get(bucket) {
            Some(&first) => first as usize,
            None => self.starts.partition_point(|&start| start <= at),
        };
        while self.starts.get(n_started).is_some_and(|&start| start <= at) {
            n_started += 1;
        }
        match n_started.checked_sub(1) {
            // The intervals are disjoint and ordered: all before the last started one count in
            // full, that one up to `at`.
            Some(last) => self.before[last] + at.min(self.ends[last]) - self.starts[last],
            None => 0,
        }
    }
}

/// The zone's transitions from [`TABLE_START`] to [`TABLE_END`] and the offsets between them,
/// so that [`Calendar::working_time`] finds them by binary search instead of asking jiff each
/// time (jiff's search through the zone's rules was about a quarter of a call), and the merged
/// working intervals around each transition, resolved the first time a query needs them
/// (resolving them was about a third of the time of the calls that do). Everything in it is
/// what jiff and [`Calendar::working_intervals`] answer for the same instants, so answers do not
/// depend on whether or when the table was built; outside its span the calendar asks jiff.
struct Transitions {
    /// The instants (nanoseconds since the epoch) of the transitions after [`TABLE_START`], in
    /// order, up to and including the first at or after [`TABLE_END`].
    at: Vec<i128>,
    /// The offset (seconds) in force from each transition of `at` on.
    offsets: Vec<i32>,
    /// The offset at [`TABLE_START`], before the first transition.
    initial_offset: i32,
    /// Whether the zone has no transition after the last of `at`.
    complete: bool,
    /// For each bucket of 2^[`BUCKET_SHIFT`] ns (about 1.1 years) from [`TABLE_START`], the
    /// position in `at` of the first transition after the bucket's start.
    bucket_first: Vec<u32>,
    /// For each transition of `at`, the merged working intervals (nanoseconds since the epoch)
    /// within [`TRANSITION_PIECE_HALF_WIDTH`] of it, resolved on first use.
    intervals: Vec<OnceLock<Vec<(i128, i128)>>>,
}

/// A transition found by [`Calendar::transition_after`].
#[derive(Clone, Copy)]
struct Transition {
    /// Nanoseconds since the epoch.
    at: i128,
    /// Its position in [`Transitions::at`], when the table found it.
    table_idx: Option<usize>,
}

impl Transitions {
    fn of(zone: &TimeZone) -> Transitions {
        let start = timestamp_from_nanos(TABLE_START);
        let (mut at, mut offsets) = (Vec::new(), Vec::new());
        let mut complete = true;
        for transition in zone.following(start) {
            let instant = transition.timestamp();
            at.push(instant.as_nanosecond());
            offsets.push(zone.to_offset(instant).seconds());
            if instant.as_nanosecond() >= TABLE_END {
                complete = false;
                break;
            }
        }
        let n_buckets = usize::try_from((TABLE_END - TABLE_START) >> BUCKET_SHIFT).unwrap_or(0) + 1;
        let bucket_first = (0..n_buckets)
            .map(|bucket| {
                let bucket_start = TABLE_START + (i128::try_from(bucket).unwrap_or(0) << BUCKET_SHIFT);
                // A lower bound is enough for the forward scan, so a (never seen) overflow falls back to 0.
                u32::try_from(at.partition_point(|&at| at <= bucket_start)).unwrap_or(0)
            })
            .collect();
        let intervals = at.iter().map(|_| OnceLock::new()).collect();
        Transitions { at, offsets, initial_offset: zone.to_offset(start).seconds(), complete, bucket_first, intervals }
    }

    /// When the table covers `probe`: the first transition strictly after it and the offset in
    /// force from `probe` until then (only a listed transition changes the offset).
    fn transition_after(&self, probe: i128) -> Option<(Option<Transition>, i32)> {
        if probe < TABLE_START {
            return None;
        }
        // The first transition after `probe`, found from its bucket's first transition; the
        // same position as a binary search over `at`, a few steps instead of eight.
        let bucket = usize::try_from((probe - TABLE_START) >> BUCKET_SHIFT).unwrap_or(usize::MAX);
        let mut idx = match self.bucket_first.get(bucket) {
            Some(&first) => first as usize,
            None => self.at.partition_point(|&at| at <= probe),
        };
        while self.at.get(idx).is_some_and(|&at| at <= probe) {
            idx += 1;
        }
        let offset = idx.checked_sub(1).map_or(self.initial_offset, |last| self.offsets[last]);
        match self.at.get(idx) {
            Some(&at) => Some((Some(Transition { at, table_idx: Some(idx) }), offset)),
            // A transition past the table could come after `probe`.
            None => self.complete.then_some((None, offset)),
        }
    }

    /// The merged working intervals of `calendar` within [`TRANSITION_PIECE_HALF_WIDTH`] of
    /// transition `idx`. Clipped to a narrower window they give the same working time as
    /// [`Calendar::working_intervals`] over it: both are the union of the same intervals, cut.
    fn intervals_around(&self, idx: usize, calendar: &Calendar) -> &[(i128, i128)] {
        self.intervals[idx].get_or_init(|| {
            let from = timestamp_from_nanos(self.at[idx] - TRANSITION_PIECE_HALF_WIDTH);
            let to = timestamp_from_nanos(self.at[idx] + TRANSITION_PIECE_HALF_WIDTH);
            calendar
                .working_intervals(from, to)
                .iter()
                .map(|(start, end)| (start.as_nanosecond(), end.as_nanosecond()))
                .collect()
        })
    }
}

impl std::fmt::Debug for Transitions {
    /// A summary: the table is a cache, and hundreds of instants would drown a calendar's output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transitions").field("n", &self.at.len()).field("complete", &self.complete).finish()
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
const NANOS_PER_MINUTE_I64: i64 = 60_000_000_000;
const NANOS_PER_DAY_I64: i64 = 24 * 60 * NANOS_PER_MINUTE_I64;

/// How far from a window the offset must stay constant for the linear fast path. Any other
/// instant sharing a local time with one near the window would be a whole offset jump away, and
/// no zone jumps by more than 26 h.
const FIXED_OFFSET_MARGIN: i128 = 3 * NANOS_PER_DAY;

/// Half the width of the piece resolved through jiff around each transition; it exceeds
/// [`FIXED_OFFSET_MARGIN`] so the fixed-offset pieces on either side stay valid.
const TRANSITION_PIECE_HALF_WIDTH: i128 = 4 * NANOS_PER_DAY;

/// The span of [`Transitions`]: 2000-01-01T00:00Z to 2100-01-01T00:00Z, about 200 transitions
/// in a zone with daylight saving time, found in some 20 µs.
const TABLE_START: i128 = 946_684_800 * NANOS_PER_SECOND;
const TABLE_END: i128 = 4_102_444_800 * NANOS_PER_SECOND;
/// [`Transitions`] buckets are 2^55 ns, about 1.1 years: a few transitions each.
const BUCKET_SHIFT: u32 = 55;

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
fn weekday_index_of_day(day: i64) -> usize {
    // rem_euclid(7) is in 0..7, so the cast cannot truncate.
    (day + 3).rem_euclid(7) as usize
}

/// Local nanoseconds since the epoch as (days since 1970-01-01, nanoseconds into that day).
/// 128-bit division is a library call costing tens of nanoseconds, so instants that fit 64 bits
/// (years 1678 to 2262) divide in 64 bits, which compiles to a multiplication.
fn split_day(local: i128) -> (i64, i64) {
    match i64::try_from(local) {
        Ok(local) => (local.div_euclid(NANOS_PER_DAY_I64), local.rem_euclid(NANOS_PER_DAY_I64)),
        // Jiff's instants lie within ±10,000 years, about ±3.7 million days, and the remainder
        // is below one day: both fit 64 bits.
        Err(_) => (local.div_euclid(NANOS_PER_DAY) as i64, local.rem_euclid(NANOS_PER_DAY) as i64),
    }
}

fn timestamp_from_nanos(nanos: i128) -> Timestamp {
    Timestamp::from_nanosecond(nanos).unwrap_or(if nanos < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

fn duration_from_nanos(nanos: i128) -> SignedDuration {
    // The common case without 128-bit division (see `split_day`); the same value either way.
    if let Ok(nanos) = i64::try_from(nanos) {
        return SignedDuration::from_nanos(nanos);
    }
    // Working time is at most the span between two Timestamps, about 20,000 years, which fits
    // SignedDuration's i64 seconds many times over.
    let seconds = i64::try_from(nanos.div_euclid(NANOS_PER_SECOND)).unwrap_or(i64::MAX);
    let subsec = i32::try_from(nanos.rem_euclid(NANOS_PER_SECOND)).unwrap_or(0);
    SignedDuration::new(seconds, subsec)
}
