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
