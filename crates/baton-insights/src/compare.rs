//! Before/after (DESIGN.md, "Insight metrics": "Before/after"): metrics over two windows, the
//! difference `after − before`, and a seeded 95% bootstrap confidence interval of it.
//!
//! The metrics, in this order, each with the report's value for the window (a test pins that):
//!
//! - `median_working_response_s`: nearest-rank median of the exact working response times of
//!   the responses whose responding message is in the window, floored to whole seconds (the
//!   report's `response_time.median_working_s`).
//! - `within_norm_share`: share of those responses whose working time is at most their
//!   conversation's norm, else [`Thresholds::default_norm`] (`response_time.within_norm_share`).
//! - `stall_rate`: stalled ÷ open at the window's `to` (`tasks.stall_rate`).
//! - `completion_rate`: done on time ÷ due in the window (`tasks.completion_rate`).
//! - `isolation_rate`: isolated ÷ active in the isolation span before `to` (`isolation.rate`).
//!
//! Readings:
//!
//! - **Units.** The bootstrap resamples the units each metric is a statistic of: responses for
//!   the two response metrics, open tasks (flag: stalled) for the stall rate, due tasks (flag:
//!   done on time) for the completion rate, active members (flag: isolated) for the isolation
//!   rate. A rate depends only on how many units are flagged, so the flagged ones are counted
//!   from the report's own figures rather than listed.
//! - **Resamples.** Percentile bootstrap with [`RESAMPLES`] = 1000 resamples. Each resample
//!   draws, with replacement, as many units as each window's population holds, independently
//!   for the two windows, recomputes the metric on both (a resampled median is floored to whole
//!   seconds like the point value) and keeps `after − before`. The interval is the 2.5th and
//!   97.5th percentiles of those differences by nearest rank: the 25th and 975th smallest.
//! - **Independence.** The two windows are resampled as independent samples even when they
//!   overlap or share units (a task open at both `to`s, a member active in both spans); the
//!   interval then describes sampling noise of each window's figure, not a paired change.
//! - **Empty populations.** A metric whose population is empty in a window is `None` there; its
//!   difference and interval are then `None` too, and no random numbers are drawn for it.
//! - **Randomness.** One SplitMix64 generator (Steele, Lea and Flood, 2014; the constants of
//!   Vigna's reference `splitmix64.c`) seeded with `seed`, advanced in a fixed order: metric by
//!   metric in the order above, and for each of the 1000 resamples the before window's draws,
//!   then the after window's. A draw in `[0, n)` is the high 64 bits of `x · n` for the
//!   generator's next `x` (Lemire's multiply-shift; its bias, below n ÷ 2⁶⁴, is negligible). The
//!   same data, windows, thresholds and seed therefore give the same output, on any platform.
//!   Because the stream is shared, a change in one metric's population sizes shifts the draws
//!   of the metrics after it.
//! - **Cost.** Per-unit values are computed once per window (the same passes as the report's);
//!   a resample only draws indices, so a comparison costs 1000 × (units in both windows) draws
//!   plus one linear-time selection per resampled median.

use jiff::SignedDuration;
use serde::Serialize;

use crate::cancel::{Cancel, Cancelled};
use crate::conversations::{self, Response};
use crate::dataset::Dataset;
use crate::people;
use crate::quantile::{nearest_rank, whole_seconds};
use crate::report::WindowJson;
use crate::tasks;
use crate::window::{Thresholds, Window};

/// Bootstrap resamples per metric.
pub const RESAMPLES: usize = 1000;

/// Every metric over two windows, with its change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub before: WindowJson,
    pub after: WindowJson,
    /// In the order of the module docs.
    pub metrics: Vec<MetricChange>,
}

/// One metric over the two windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricChange {
    pub metric: &'static str,
    /// The report's value over the before window; `None` for an empty population.
    pub before: Option<f64>,
    /// The report's value over the after window; `None` for an empty population.
    pub after: Option<f64>,
    /// `after − before`; `None` when either is.
    pub difference: Option<f64>,
    /// The 95% percentile-bootstrap interval of `after − before`, low then high; `None` when
    /// either population is empty.
    pub ci95: Option<[f64; 2]>,
}

/// What a [`MetricChange`]'s values measure, so that a text or HTML rendering can show them as
/// it shows the report's own figures (the JSON keeps the plain numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Whole seconds of working time; a difference is signed.
    Seconds,
    /// A share in `[0, 1]`; a difference of two shares is in the same unit, so × 100 it is in
    /// percentage points, not a percentage of the earlier value.
    Share,
}

impl MetricChange {
    /// The unit of `before`, `after`, `difference` and `ci95`.
    pub fn unit(&self) -> Unit {
        match self.metric {
            "median_working_response_s" => Unit::Seconds,
            _ => Unit::Share,
        }
    }

    /// The metric in words (`median working response`), for a row heading.
    pub fn label(&self) -> &'static str {
        match self.metric {
            "median_working_response_s" => "median working response",
            "within_norm_share" => "within norm",
            "stall_rate" => "stall rate",
            "completion_rate" => "completion rate",
            "isolation_rate" => "isolation rate",
            other => other,
        }
    }
}

/// Compares the metrics of `before` and `after` (see the module docs); `seed` fixes the
/// bootstrap's draws.
pub fn compare(data: &Dataset, before: Window, after: Window, thresholds: &Thresholds, seed: u64) -> Comparison {
    match compare_until(data, before, after, thresholds, seed, &Cancel::NEVER) {
        Ok(comparison) => comparison,
        Err(Cancelled) => unreachable!("a comparison that cannot be cancelled was"),
    }
}

/// [`compare`], stopped between its steps once `cancel` is cancelled.
pub fn compare_until(
    data: &Dataset,
    before: Window,
    after: Window,
    thresholds: &Thresholds,
    seed: u64,
    cancel: &Cancel,
) -> Result<Comparison, Cancelled> {
    let before_units = WindowUnits::of(data, before, thresholds);
    cancel.check()?;
    let after_units = WindowUnits::of(data, after, thresholds);
    let mut rng = SplitMix64::new(seed);
    let pairs = [
        ("median_working_response_s", &before_units.working, &after_units.working),
        ("within_norm_share", &before_units.within_norm, &after_units.within_norm),
        ("stall_rate", &before_units.stalled, &after_units.stalled),
        ("completion_rate", &before_units.on_time, &after_units.on_time),
        ("isolation_rate", &before_units.isolated, &after_units.isolated),
    ];
    let metrics = pairs
        .into_iter()
        .map(|(metric, before, after)| {
            cancel.check()?;
            Ok(change(metric, before, after, &mut rng))
        })
        .collect::<Result<_, Cancelled>>()?;
    Ok(Comparison { before: window_json(before), after: window_json(after), metrics })
}

/// A window's population for one metric, reduced to what the metric and its resamples need.
#[derive(Debug, Clone, PartialEq)]
enum Units {
    /// Exact durations, ascending; the metric is their nearest-rank median in whole seconds.
    Durations(Vec<SignedDuration>),
    /// `n` units of which `n_flagged` are flagged; the metric is `n_flagged ÷ n`.
    Flags { n_flagged: usize, n: usize },
}

/// Every metric's population in one window.
#[derive(Debug, Clone, PartialEq)]
struct WindowUnits {
    working: Units,
    within_norm: Units,
    stalled: Units,
    on_time: Units,
    isolated: Units,
}

impl WindowUnits {
    fn of(data: &Dataset, window: Window, thresholds: &Thresholds) -> WindowUnits {
        let responses = conversations::responses(data, window.to());
        let in_window: Vec<&Response> = responses.iter().filter(|r| window.contains(r.responded_at)).collect();
        let mut working: Vec<SignedDuration> = in_window.iter().map(|r| r.working).collect();
        working.sort_unstable();
        let n_within_norm = in_window
            .iter()
            .filter(|r| {
                let norm = data.conversations.get(r.conversation).and_then(|c| c.norm);
                r.working <= norm.unwrap_or(thresholds.default_norm)
            })
            .count();
        let task_stats = tasks::task_stats(data, window, thresholds);
        let (_, isolation) = people::members_and_isolation(data, window, thresholds, &responses);
        WindowUnits {
            working: Units::Durations(working),
            within_norm: Units::Flags { n_flagged: n_within_norm, n: in_window.len() },
            stalled: Units::Flags { n_flagged: task_stats.stalled, n: task_stats.open },
            on_time: Units::Flags { n_flagged: task_stats.done_on_time, n: task_stats.due },
            isolated: Units::Flags { n_flagged: isolation.isolated, n: isolation.active },
        }
    }
}

impl Units {
    fn len(&self) -> usize {
        match self {
            Units::Durations(sorted) => sorted.len(),
            Units::Flags { n, .. } => *n,
        }
    }

    /// The metric over the whole population; `None` when it is empty.
    fn value(&self) -> Option<f64> {
        match self {
            Units::Durations(sorted) => nearest_rank(sorted, 0.5).map(|median| whole_seconds(median) as f64),
            Units::Flags { n_flagged, n } => (*n > 0).then(|| *n_flagged as f64 / *n as f64),
        }
    }

    /// The metric over one resample of `len()` units drawn with replacement; `scratch` is
    /// reused between calls. The population must not be empty.
    fn resampled(&self, rng: &mut SplitMix64, scratch: &mut Vec<usize>) -> f64 {
        match self {
            Units::Durations(sorted) => {
                // Indices into an ascending list order like their values, so the median index
                // of the draws names the median value.
                scratch.clear();
                scratch.extend((0..sorted.len()).map(|_| rng.below(sorted.len())));
                let rank = sorted.len().div_ceil(2);
                let (_, median_idx, _) = scratch.select_nth_unstable(rank - 1);
                whole_seconds(sorted[*median_idx]) as f64
            }
            Units::Flags { n_flagged, n } => {
                let n_drawn_flagged = (0..*n).filter(|_| rng.below(*n) < *n_flagged).count();
                n_drawn_flagged as f64 / *n as f64
            }
        }
    }
}

fn change(metric: &'static str, before: &Units, after: &Units, rng: &mut SplitMix64) -> MetricChange {
    let (before_value, after_value) = (before.value(), after.value());
    let difference = before_value.zip(after_value).map(|(before, after)| after - before);
    let ci95 = difference.map(|_| bootstrap_ci95(before, after, rng));
    MetricChange { metric, before: before_value, after: after_value, difference, ci95 }
}

/// The percentile interval of [`RESAMPLES`] resampled differences; both populations non-empty.
fn bootstrap_ci95(before: &Units, after: &Units, rng: &mut SplitMix64) -> [f64; 2] {
    let mut scratch = Vec::with_capacity(before.len().max(after.len()));
    let mut differences: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let before = before.resampled(rng, &mut scratch);
            let after = after.resampled(rng, &mut scratch);
            after - before
        })
        .collect();
    differences.sort_unstable_by(f64::total_cmp);
    // Nearest ranks ⌈0.025·B⌉ and ⌈0.975·B⌉, on integers.
    let low_rank = (25 * RESAMPLES).div_ceil(1000);
    let high_rank = (975 * RESAMPLES).div_ceil(1000);
    [differences[low_rank - 1], differences[high_rank - 1]]
}

fn window_json(window: Window) -> WindowJson {
    WindowJson { from: window.from().to_string(), to: window.to().to_string() }
}

/// SplitMix64: a 64-bit state advanced by the golden-ratio increment, each output a mix of it.
#[derive(Debug, Clone)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw in `[0, n)` (multiply-shift); `n` must be positive.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests;
