//! The insights report as one self-contained HTML page: headline numbers, SVG charts drawn on
//! the server ([`charts`]), and the lagging, bouncing and members tables.
//!
//! The page has inline CSS only: no JavaScript, no fonts, no images, nothing fetched, so it can be
//! mailed or archived as one file and opened offline. Everything that comes from the data (names,
//! thread titles, the page title) is HTML-escaped, since thread titles and handles are typed by
//! users. A figure whose population is empty shows "—", as the JSON shows `null`.
//!
//! Like the rest of the crate this does no IO: it returns a `String` for the caller to write.

use std::fmt;

use jiff::SignedDuration;

use crate::compare::Unit;
use crate::conversations::responses;
use crate::dataset::Dataset;
use crate::report::Report;
use crate::trend::WeekPoint;
use crate::window::Window;

pub mod charts;
mod html;

/// The HTML page for `report` (see the module docs).
///
/// `trend` is [`crate::trend::weekly_trend`] over the report's window and `response_working` the
/// working response times behind the report's `response_time` ([`response_working_times`] over
/// the same window): the report itself carries only their quantiles, and the charts need more.
/// `title` heads the page (and names it in the browser).
pub fn html(report: &Report, trend: &[WeekPoint], response_working: &[SignedDuration], title: &str) -> String {
    html::document(report, trend, response_working, title)
}

/// A "Before and after" section for [`html`]'s page (insert it before `</body>`): each
/// headline metric over the earlier and the later window, the change and its 95% bootstrap
/// interval, shown as the page shows the same figures: durations and whole percentages, and a
/// change of a share in percentage points.
pub fn comparison_section(comparison: &crate::compare::Comparison) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let (from, to) = (Escaped(&comparison.before.from), Escaped(&comparison.before.to));
    let _ = write!(
        out,
        "<section><h2>Before and after</h2><p class=\"note\">Compared with {from} → {to}; the interval is a seeded \
         95% bootstrap interval of the change; pts are percentage points.</p><div class=\"scroll\"><table><thead><tr>\
         <th>Metric</th><th class=\"n\">Before</th><th class=\"n\">After</th><th class=\"n\">Change</th>\
         <th class=\"n\">95% interval</th></tr></thead><tbody>"
    );
    for metric in &comparison.metrics {
        let unit = metric.unit();
        let value = |v: Option<f64>| match unit {
            Unit::Seconds => html::duration(v.map(|v| v.round() as i64)),
            Unit::Share => html::percent(v),
        };
        let change = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| change_text(unit, v));
        let interval = metric
            .ci95
            .map_or_else(|| "—".to_string(), |[lo, hi]| format!("[{}, {}]", change(Some(lo)), change(Some(hi))));
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            Escaped(metric.label()),
            value(metric.before),
            value(metric.after),
            change(metric.difference),
            interval
        );
    }
    out.push_str("</tbody></table></div></section>\n");
    out
}

/// A change with its sign: a duration ("+1h 5m", "−12m") or percentage points ("+8 pts").
fn change_text(unit: Unit, difference: f64) -> String {
    let (signed, magnitude) = match unit {
        Unit::Seconds => {
            let seconds = difference.round() as i64;
            (seconds, html::duration(Some(seconds.abs())))
        }
        Unit::Share => {
            let points = (difference * 100.0).round() as i64;
            (points, format!("{} pts", points.abs()))
        }
    };
    match signed.signum() {
        1 => format!("+{magnitude}"),
        -1 => format!("−{magnitude}"),
        _ => magnitude,
    }
}

/// The exact working response times (responder's calendar) of the responses whose responding
/// message is in `window`: the population of the report's `response_time` working quantiles,
/// in the order [`responses`] gives them.
///
/// This walks the conversations again rather than taking them from [`crate::report()`], which
/// keeps the report's shape (and its JSON) free of per-response data.
pub fn response_working_times(data: &Dataset, window: Window) -> Vec<SignedDuration> {
    responses(data, window.to())
        .into_iter()
        .filter(|response| response.responded_at >= window.from())
        .map(|response| response.working)
        .collect()
}

/// Text made safe for HTML and SVG element content and quoted attribute values.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written in runs between special characters, so plain text costs one write.
        let mut rest = self.0;
        while let Some(special_idx) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..special_idx])?;
            let entity = match rest.as_bytes()[special_idx] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            };
            f.write_str(entity)?;
            rest = &rest[special_idx + 1..];
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests;
