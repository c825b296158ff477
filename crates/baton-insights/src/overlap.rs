//! Overlap (DESIGN.md, "Insight metrics": "Overlap"): the intervals in which every member of a
//! set is inside their working hours, and slots of a given length inside them, DST-aware
//! because each calendar resolves its own local hours.

use baton_core::calendar::Calendar;
use jiff::{SignedDuration, Timestamp};

/// The instants in `[from, to)` when every calendar is in working hours, as ordered,
/// non-touching half-open intervals. No calendars: no overlap (nobody to meet).
pub fn overlap(calendars: &[&Calendar], from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    let Some((first, rest)) = calendars.split_first() else { return Vec::new() };
    let mut common = first.working_intervals(from, to);
    for calendar in rest {
        if common.is_empty() {
            break;
        }
        common = intersect(&common, &calendar.working_intervals(from, to));
    }
    common
}

/// The week (Monday 00:00 to the next Monday 00:00, in `zone`) that `day` falls in: its Monday
/// and its bounds as instants. DST-aware: a week in which the clocks change is 167 or 169 hours.
pub fn week_of(
    day: jiff::civil::Date,
    zone: &jiff::tz::TimeZone,
) -> Result<(jiff::civil::Date, Timestamp, Timestamp), jiff::Error> {
    use jiff::ToSpan;
    let monday = day.checked_sub(i64::from(day.weekday().to_monday_zero_offset()).days())?;
    let start = zone.to_timestamp(monday.to_datetime(jiff::civil::Time::midnight()))?;
    let end = zone.to_timestamp(monday.checked_add(7.days())?.to_datetime(jiff::civil::Time::midnight()))?;
    Ok((monday, start, end))
}

/// A day of the week worth planning by default, as of `now` in `zone`: today, or on a Saturday
/// or a Sunday, when the working week is over, the coming Monday.
pub fn coming_week_day(now: Timestamp, zone: &jiff::tz::TimeZone) -> jiff::civil::Date {
    let today = now.to_zoned(zone.clone()).date();
    match today.weekday() {
        jiff::civil::Weekday::Saturday => today.tomorrow().and_then(|d| d.tomorrow()).unwrap_or(today),
        jiff::civil::Weekday::Sunday => today.tomorrow().unwrap_or(today),
        _ => today,
    }
}

/// The total length of intervals.
pub fn total(intervals: &[(Timestamp, Timestamp)]) -> SignedDuration {
    intervals.iter().map(|(start, end)| end.duration_since(*start)).sum()
}

/// Up to `count` slots of `length` inside the overlap after `from` (within `horizon`), the
/// earliest first; each overlap interval offers its start, then every `length` after it while a
/// whole slot still fits.
pub fn slots(
    calendars: &[&Calendar],
    from: Timestamp,
    horizon: SignedDuration,
    length: SignedDuration,
    count: usize,
) -> Vec<(Timestamp, Timestamp)> {
    let mut out = Vec::new();
    if length <= SignedDuration::ZERO {
        return out;
    }
    let Ok(until) = from.checked_add(horizon) else { return out };
    for (start, end) in overlap(calendars, from, until) {
        let mut slot = start;
        while out.len() < count {
            let Ok(slot_end) = slot.checked_add(length) else { break };
            if slot_end > end {
                break;
            }
            out.push((slot, slot_end));
            slot = slot_end;
        }
        if out.len() >= count {
            break;
        }
    }
    out
}

/// When no slot fits everyone: the slot of `length` after `from` (within `horizon`) that leaves
/// the fewest people outside their working hours; among those, the one whose left-out have borne
/// the fewest such slots (`burdens`, by index), then by their `names`, then the earliest. So who
/// gets the out-of-hours slot rotates as booked slots are counted. Answers the slot and the
/// indexes outside it, or `None` if no slot has anyone inside their hours.
pub fn fairest_slot(
    calendars: &[&Calendar],
    burdens: &[i64],
    names: &[&str],
    from: Timestamp,
    horizon: SignedDuration,
    length: SignedDuration,
) -> Option<((Timestamp, Timestamp), Vec<usize>)> {
    let until = from.checked_add(horizon).ok()?;
    // The earliest slot for any subset starts where its overlap starts: at `from` or where
    // someone's working hours start, so those are the only starts to try.
    let mut starts: Vec<Timestamp> = std::iter::once(from)
        .chain(calendars.iter().flat_map(|c| c.working_intervals(from, until)).map(|(start, _)| start))
        .collect();
    starts.sort();
    starts.dedup();
    // Ranked by: how many are left out, their burden, who they are, how early.
    type Rank<'a> = (usize, i64, Vec<&'a str>, Timestamp);
    let mut best: Option<(Rank, Vec<usize>)> = None;
    for start in starts {
        let Ok(end) = start.checked_add(length) else { continue };
        if end > until {
            continue;
        }
        let outside: Vec<usize> =
            (0..calendars.len()).filter(|i| calendars[*i].working_time(start, end) < length).collect();
        if outside.len() == calendars.len() {
            continue;
        }
        let burden = outside.iter().map(|i| burdens.get(*i).copied().unwrap_or(0)).sum();
        let mut who: Vec<&str> = outside.iter().map(|i| names.get(*i).copied().unwrap_or("")).collect();
        who.sort_unstable();
        let key = (outside.len(), burden, who, start);
        if best.as_ref().is_none_or(|(best_key, _)| key < *best_key) {
            best = Some((key, outside));
        }
    }
    best.and_then(|((.., start), outside)| Some(((start, start.checked_add(length).ok()?), outside)))
}

/// The intersection of two ordered lists of disjoint half-open intervals.
fn intersect(a: &[(Timestamp, Timestamp)], b: &[(Timestamp, Timestamp)]) -> Vec<(Timestamp, Timestamp)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        if start < end {
            out.push((start, end));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests;
