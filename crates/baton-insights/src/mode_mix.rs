//! Mode mix (DESIGN.md, "Insight metrics": "huddle participant-hours per member-week and
//! messages per member-week, side by side (never summed), and where each recorded decision was
//! made (huddle or thread)").
//!
//! Readings:
//!
//! - **Member-weeks** = members ([`Dataset::people`], active or not) × the window's length in
//!   weeks, exactly: `(to − from)` in seconds ÷ 604 800, no rounding to whole weeks.
//! - **Messages per member-week** = messages in `[from, to)` ÷ member-weeks; `None` when there
//!   are no members (member-weeks = 0).
//! - **Huddle participant-hours** = the time each participant was in a huddle, clipped to
//!   `[from, to)` (a stretch still open counts up to `to`), summed over participants, in hours;
//!   ÷ member-weeks (`None` when there are no members).
//! - **Decisions**: those recorded in a huddle during the window count `in_huddles`; a thread
//!   tagged `decision` counts one `in_threads` if it was first resolved during the window.

use serde::Serialize;

use crate::dataset::Dataset;
use crate::window::Window;

/// Seconds in a week (7 × 24 h of wall-clock time).
const SECONDS_PER_WEEK: f64 = 604_800.0;

/// The report's `mode_mix` object (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeMix {
    /// Members × window length in weeks.
    pub member_weeks: f64,
    /// Messages in the window ÷ member-weeks.
    pub messages_per_member_week: Option<f64>,
    /// Huddle participant-hours in the window ÷ member-weeks.
    pub huddle_hours_per_member_week: Option<f64>,
    /// Where the decisions recorded in the window were made.
    pub decisions: Decisions,
}

/// Decisions by where they were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decisions {
    pub in_huddles: usize,
    pub in_threads: usize,
}

/// The mode mix over `window` (see the module docs).
pub fn mode_mix(data: &Dataset, window: Window) -> ModeMix {
    let weeks = window.to().duration_since(window.from()).as_secs_f64() / SECONDS_PER_WEEK;
    let member_weeks = data.people.len() as f64 * weeks;
    // Messages are sorted by time: those in the window are the run between two binary searches.
    let n_messages = data.messages.count_before(window.to()) - data.messages.count_before(window.from());
    let has_population = member_weeks > 0.0;
    let (from, to) = (window.from(), window.to());
    // An empty float sum is -0.0; adding 0.0 makes it the 0 a reader expects.
    let huddle_hours: f64 = data
        .huddles
        .iter()
        .flat_map(|h| h.stretches_in(from, to))
        .map(|(_, start, end)| end.duration_since(start).as_secs_f64() / 3600.0)
        .sum::<f64>()
        + 0.0;
    let in_threads = data.thread_decisions.iter().filter(|(_, at)| from <= *at && *at < to).count();
    let in_huddles = data.huddles.iter().flat_map(|h| &h.decisions).filter(|at| from <= **at && **at < to).count();
    ModeMix {
        member_weeks,
        messages_per_member_week: has_population.then(|| n_messages as f64 / member_weeks),
        huddle_hours_per_member_week: has_population.then(|| huddle_hours / member_weeks),
        decisions: Decisions { in_huddles, in_threads },
    }
}

#[cfg(test)]
mod tests;
