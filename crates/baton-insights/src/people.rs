//! Collaborators and isolation (DESIGN.md: "Collaborators", "Isolated", and the readings on
//! `members`).
//!
//! A response links exactly two people: the responder and the author of the turn answered. It
//! counts in a span when its responding message falls in that span. Direct conversations link
//! people the same way, so an unanswered message links no one.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::conversations::Response;
use crate::dataset::{Dataset, MemberIdx};
use crate::window::{Thresholds, Window};

/// One row of the report's `members` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRow {
    /// The member's handle.
    pub name: String,
    /// Messages they authored in the window.
    pub messages: usize,
    /// Distinct other members linked to them by a response in the window.
    pub collaborators: usize,
    /// Active in the last days before `to` with at most one collaborator and no huddle time.
    pub isolated: bool,
    /// Hours spent in huddles in the window (huddles arrive with issue 5: always 0 for now).
    pub huddle_hours: f64,
}

/// The report's `isolation` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Isolation {
    /// Members who authored a message in the isolation span.
    pub active: usize,
    pub isolated: usize,
    /// `isolated ÷ active`; `None` when nobody was active.
    pub rate: Option<f64>,
}

/// For each member, the others linked to them by a response whose responding message is in
/// `[from, to)`.
pub fn collaborators(
    responses: &[Response],
    n_people: usize,
    from: Timestamp,
    to: Timestamp,
) -> Vec<BTreeSet<MemberIdx>> {
    let mut linked = vec![BTreeSet::new(); n_people];
    for response in responses.iter().filter(|r| from <= r.responded_at && r.responded_at < to) {
        if response.asker == response.responder {
            continue;
        }
        if let Some(set) = linked.get_mut(response.asker) {
            set.insert(response.responder);
        }
        if let Some(set) = linked.get_mut(response.responder) {
            set.insert(response.asker);
        }
    }
    linked
}

/// Every member's row, sorted by handle in byte order, and the isolation figures.
/// `responses` are those of [`crate::conversations::responses`] for the window's `to`.
pub fn members_and_isolation(
    data: &Dataset,
    window: Window,
    thresholds: &Thresholds,
    responses: &[Response],
) -> (Vec<MemberRow>, Isolation) {
    let n_people = data.people.len();
    // A window that ends within two weeks of the earliest representable instant starts its span
    // there rather than overflow.
    let span_start =
        window.to().checked_sub(SignedDuration::from_hours(24 * thresholds.isolation_days)).unwrap_or(Timestamp::MIN);
    let in_window = collaborators(responses, n_people, window.from(), window.to());
    let in_span = collaborators(responses, n_people, span_start, window.to());
    let mut messages = vec![0usize; n_people];
    let mut active = vec![false; n_people];
    for message in &data.messages {
        if message.at >= window.to() {
            break;
        }
        if message.author >= n_people {
            continue;
        }
        if window.contains(message.at) {
            messages[message.author] += 1;
        }
        if message.at >= span_start {
            active[message.author] = true;
        }
    }
    let mut rows: Vec<MemberRow> = data
        .people
        .iter()
        .enumerate()
        .map(|(idx, person)| MemberRow {
            name: person.handle.clone(),
            messages: messages[idx],
            collaborators: in_window[idx].len(),
            isolated: active[idx] && in_span[idx].len() <= thresholds.isolated_max_collaborators,
            huddle_hours: 0.0,
        })
        .collect();
    rows.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let n_active = active.iter().filter(|a| **a).count();
    let n_isolated = rows.iter().filter(|r| r.isolated).count();
    let rate = (n_active > 0).then(|| n_isolated as f64 / n_active as f64);
    (rows, Isolation { active: n_active, isolated: n_isolated, rate })
}

#[cfg(test)]
mod tests;
