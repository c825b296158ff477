//! The dashboard's headline: each number of the report that says most, and when comparing, its
//! change from the period before, marked better or worse, with the bootstrap interval on hover.

use baton_insights::compare::MetricChange;
use jiff::SignedDuration;
use maud::{html, Markup};

use super::figures::Charts;
use super::{duration_text, percent, seconds};
use crate::api::insights::Shown;

/// How a headline number is read, and which way is better.
#[derive(Clone, Copy)]
enum Unit {
    /// Seconds, lower is better.
    Wait,
    /// A share; `higher` says whether more is better.
    Share { higher: bool },
    /// A plain count, neither better nor worse.
    Count,
}

/// One headline number: its value now and in the period before, and the comparison's row for it
/// (which has the bootstrap interval) when there is one.
struct Headline<'a> {
    id: &'static str,
    label: &'static str,
    unit: Unit,
    now: Option<f64>,
    before: Option<f64>,
    change: Option<&'a MetricChange>,
}

pub(super) fn headline(shown: &Shown, charts: &Charts) -> Markup {
    let report = &shown.report;
    let change = |name: &str| shown.compare.as_ref().and_then(|c| c.metrics.iter().find(|m| m.metric == name));
    let metric = |id, label, unit, now: Option<f64>, name: &str| {
        let change = change(name);
        Headline { id, label, unit, now, before: change.and_then(|c| c.before), change }
    };
    let before = charts.before.as_ref();
    let as_f64 = |secs: Option<i64>| secs.map(|s| s as f64);
    let rows = [
        metric(
            "median-response",
            "Median working response time",
            Unit::Wait,
            as_f64(report.response_time.median_working_s),
            "median_working_response_s",
        ),
        Headline {
            id: "p90-response",
            label: "p90 working response time",
            unit: Unit::Wait,
            now: as_f64(report.response_time.p90_working_s),
            before: before.and_then(|b| as_f64(b.p90_working_s)),
            change: None,
        },
        metric(
            "within-norm",
            "Answered within norm",
            Unit::Share { higher: true },
            report.response_time.within_norm_share,
            "within_norm_share",
        ),
        metric("stalled", "Stalled open tasks", Unit::Share { higher: false }, report.tasks.stall_rate, "stall_rate"),
        metric(
            "completion",
            "Completed on time",
            Unit::Share { higher: true },
            report.tasks.completion_rate,
            "completion_rate",
        ),
        metric("isolation", "Isolated members", Unit::Share { higher: false }, report.isolation.rate, "isolation_rate"),
        Headline {
            id: "messages",
            label: "Messages",
            unit: Unit::Count,
            now: Some(report.messages.count as f64),
            before: before.map(|b| b.messages as f64),
            change: None,
        },
    ];
    let comparing = shown.before.is_some();
    html! {
        section.headline aria-labelledby="headline-h" {
            h2 #headline-h { "Headline" }
            dl {
                @for row in &rows {
                    div.metric {
                        dt { (row.label) }
                        dd {
                            span.value #(format!("metric-{}", row.id)) { (shown_value(row.unit, row.now)) }
                            @if comparing { (delta(row)) }
                        }
                    }
                }
            }
        }
    }
}

fn shown_value(unit: Unit, value: Option<f64>) -> String {
    match unit {
        Unit::Wait => seconds(value.map(|v| v as i64)),
        Unit::Share { .. } => percent(value),
        Unit::Count => value.map_or_else(|| "—".into(), |v| format!("{v:.0}")),
    }
}

/// The change from the period before, marked better or worse, with the bootstrap interval
/// (when the comparison has one) on hover.
fn delta(row: &Headline) -> Markup {
    let before_text = shown_value(row.unit, row.before);
    let (Some(now), Some(before)) = (row.now, row.before) else {
        return html! { span.delta.same { "before: " (before_text) } };
    };
    let difference = now - before;
    let text = match row.unit {
        Unit::Wait => {
            let secs = difference as i64;
            let sign = if secs > 0 { "+" } else { "" };
            format!("{sign}{}", duration_text(SignedDuration::from_secs(secs)))
        }
        Unit::Share { .. } => format!("{:+.0} pts", difference * 100.0).replace('-', "−"),
        Unit::Count => format!("{difference:+.0}").replace('-', "−"),
    };
    let better = match row.unit {
        _ if difference.abs() < 1e-9 => "same",
        Unit::Wait | Unit::Share { higher: false } => {
            if difference < 0.0 {
                "better"
            } else {
                "worse"
            }
        }
        Unit::Share { higher: true } => {
            if difference > 0.0 {
                "better"
            } else {
                "worse"
            }
        }
        Unit::Count => "same",
    };
    let interval = row.change.and_then(|c| c.ci95).map(|[low, high]| match row.unit {
        Unit::Wait => format!(
            "95% interval of the change: {} to {}",
            duration_text(SignedDuration::from_secs(low as i64)),
            duration_text(SignedDuration::from_secs(high as i64))
        ),
        _ => format!("95% interval of the change: {:+.0} to {:+.0} pts", low * 100.0, high * 100.0).replace('-', "−"),
    });
    html! {
        span.delta.(better) title=[interval] { (text) " (before: " (before_text) ")" }
    }
}
