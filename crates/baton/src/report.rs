//! `baton report`: the insights of a data directory over a window, as JSON, text or a
//! self-contained HTML page, for the whole workspace or narrowed to a channel, project or member.

use std::io::Write;

use anyhow::Context;
use baton_insights::compare::{compare, Comparison, Unit};
use baton_insights::{dataset_from_events, parse_instant, render, report, trend, Report, Scope, Thresholds, Window};
use baton_store::Store;

#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    place: crate::workspace::Place,
    /// Start of the window (inclusive): an RFC 3339 instant (2024-09-30T10:00:00Z), a date and
    /// time without an offset (2024-09-30T10:00, that wall-clock time in the workspace's time
    /// zone) or a date (midnight there).
    #[arg(long)]
    from: String,
    /// End of the window (exclusive), in the same forms as --from.
    #[arg(long)]
    to: String,
    /// Compare with an earlier window, FROM..TO (same forms as --from): adds each headline
    /// metric's before, after, difference and a 95% bootstrap confidence interval.
    #[arg(long, value_name = "FROM..TO")]
    compare: Option<String>,
    /// Seed of the bootstrap behind --compare: the same data and seed give the same intervals.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only this channel's threads and timeline (no tasks unless --project is given too).
    #[arg(long, value_name = "NAME")]
    channel: Option<String>,
    /// Only this project's tasks and their threads.
    #[arg(long, value_name = "NAME")]
    project: Option<String>,
    /// Only the conversations this member posted in and the tasks assigned to them, and only
    /// their row among the members.
    #[arg(long, value_name = "HANDLE")]
    member: Option<String>,
    /// json: exactly one JSON document on stdout (DESIGN.md's schema); text: a summary to read;
    /// html: one self-contained page with SVG charts (`> report.html`).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Json,
    Text,
    Html,
}

pub(crate) async fn run(args: ReportArgs) -> anyhow::Result<()> {
    let store = args.place.open_existing().await?;
    let workspace = store.workspace().await?.context("the data directory holds no workspace yet")?;
    let zone = baton_core::calendar::parse_time_zone(&workspace.time_zone)?;
    let from = parse_instant("--from", &args.from, &zone)?;
    let to = parse_instant("--to", &args.to, &zone)?;
    let window = Window::new(from, to).map_err(|_| anyhow::anyhow!("--from ({from}) must be before --to ({to})"))?;
    let events = baton_store::full_log(&store).await?;
    let scope = Scope { channel: args.channel, channel_ids: None, project: args.project, member: args.member };
    let data = scope.narrow(&std::sync::Arc::new(dataset_from_events(&events)), to)?.data;
    let thresholds = Thresholds::design_defaults();
    let mut report = report(&data, window, &thresholds);
    if let Some(handle) = &scope.member {
        report.members.retain(|m| &m.name == handle);
        report.lagging.members.retain(|m| &m.name == handle);
    }
    let comparison = match &args.compare {
        Some(range) => {
            let (from, to) = range
                .split_once("..")
                .with_context(|| format!("--compare {range:?} is not FROM..TO (e.g. 2024-08-01..2024-09-01)"))?;
            let before = Window::new(parse_instant("--compare", from, &zone)?, parse_instant("--compare", to, &zone)?)
                .map_err(|_| anyhow::anyhow!("--compare {range:?}: its start must be before its end"))?;
            Some(compare(&data, before, window, &thresholds, args.seed))
        }
        None => None,
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(&report)?;
            if let Some(comparison) = &comparison {
                value["compare"] = serde_json::to_value(comparison)?;
            }
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        Format::Text => {
            write_text(&mut out, &report, &thresholds)?;
            if let Some(comparison) = &comparison {
                write_comparison(&mut out, comparison)?;
            }
        }
        Format::Html => {
            let trend = trend::weekly_trend(&data, window, &thresholds);
            let responses = render::response_working_times(&data, window);
            let mut title = format!("{}: Baton report", workspace.name);
            for (what, name) in [("channel", &scope.channel), ("project", &scope.project), ("member", &scope.member)] {
                if let Some(name) = name {
                    title.push_str(&format!(", {what} {name}"));
                }
            }
            let mut page = render::html(&report, &trend, &responses, &title);
            if let Some(comparison) = &comparison {
                let at = page.rfind("</body>").unwrap_or(page.len());
                page.insert_str(at, &render::comparison_section(comparison));
            }
            out.write_all(page.as_bytes())?;
        }
    }
    Ok(())
}

fn seconds(value: Option<i64>) -> String {
    match value {
        None => "—".into(),
        Some(s) if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        Some(s) => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{:.0}%", v * 100.0))
}

fn write_text(out: &mut impl Write, report: &Report, thresholds: &Thresholds) -> std::io::Result<()> {
    writeln!(out, "Baton report  {} → {}", report.window.from, report.window.to)?;
    writeln!(out)?;
    let m = &report.messages;
    writeln!(out, "Messages       {} in {} conversations, {} responses", m.count, m.conversations_active, m.responses)?;
    let r = &report.response_time;
    writeln!(
        out,
        "Response time  median {} (working {}), p90 {} (working {}); {} within norm; {} awaiting an answer",
        seconds(r.median_s),
        seconds(r.median_working_s),
        seconds(r.p90_s),
        seconds(r.p90_working_s),
        share(r.within_norm_share),
        r.awaiting_answer
    )?;
    let f = &report.first_response;
    writeln!(
        out,
        "First response {} threads, median {} (working {})",
        f.count,
        seconds(f.median_s),
        seconds(f.median_working_s)
    )?;
    let t = &report.tasks;
    writeln!(
        out,
        "Tasks          {} created, {} done, {} open ({} stalled, {}); {} of {} due done on time ({})",
        t.created,
        t.done,
        t.open,
        t.stalled,
        share(t.stall_rate),
        t.done_on_time,
        t.due,
        share(t.completion_rate)
    )?;
    writeln!(
        out,
        "Cycle time     median {} (working {})",
        seconds(t.cycle_median_s),
        seconds(t.cycle_median_working_s)
    )?;
    let i = &report.isolation;
    // "Active" is DESIGN's: posted in the span before `to`, which may start before `from`; an old
    // export read up to today has nobody active, and the line should say why.
    writeln!(
        out,
        "Isolation      {} isolated of {} members active in the {} days before {} ({})",
        i.isolated,
        i.active,
        thresholds.isolation_days,
        report.window.to,
        share(i.rate)
    )?;
    if !report.bouncing_threads.is_empty() {
        writeln!(out)?;
        writeln!(out, "Bouncing threads (handoffs, span):")?;
        for thread in report.bouncing_threads.iter().take(10) {
            writeln!(
                out,
                "  #{} / {}  {} handoffs over {}",
                thread.channel,
                thread.thread,
                thread.handoffs,
                seconds(Some(thread.span_s))
            )?;
        }
    }
    for (what, rows) in [("channels", &report.lagging.channels), ("projects", &report.lagging.projects)] {
        if rows.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "Lagging {what} (stall rate, p90 working response, completion):")?;
        for row in rows.iter().take(5) {
            writeln!(
                out,
                "  {:<28} {:>6}  {:>8}  {:>6}",
                row.name,
                share(row.stall_rate),
                seconds(row.p90_working_s),
                share(row.completion_rate)
            )?;
        }
    }
    let isolated: Vec<&str> = report.members.iter().filter(|m| m.isolated).map(|m| m.name.as_str()).collect();
    if !isolated.is_empty() {
        writeln!(out)?;
        writeln!(out, "Isolated members: {}", isolated.join(", "))?;
    }
    Ok(())
}

fn write_comparison(out: &mut impl Write, comparison: &Comparison) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "Compared with {} → {} (change = after − before, with its 95% bootstrap interval; pts = percentage points):",
        comparison.before.from, comparison.before.to
    )?;
    for metric in &comparison.metrics {
        // Shown as the report above shows the same figures: durations and whole percentages.
        let unit = metric.unit();
        let value = |v: Option<f64>| match unit {
            Unit::Seconds => seconds(v.map(|v| v.round() as i64)),
            Unit::Share => share(v),
        };
        let change = |v: f64| match unit {
            Unit::Seconds => signed_seconds(v),
            Unit::Share => percentage_points(v),
        };
        let interval =
            metric.ci95.map_or_else(|| "—".to_string(), |[lo, hi]| format!("[{}, {}]", change(lo), change(hi)));
        writeln!(
            out,
            "  {:<24} {:>7} → {:>7}  change {:>7}  {interval}",
            metric.label(),
            value(metric.before),
            value(metric.after),
            metric.difference.map_or_else(|| "—".to_string(), change)
        )?;
    }
    Ok(())
}

/// A difference of whole seconds with its sign, in the units of [`seconds`] ("+1h05m", "-12m05s").
fn signed_seconds(value: f64) -> String {
    let whole = value.round() as i64;
    let sign = match whole.signum() {
        1 => "+",
        -1 => "-",
        _ => "",
    };
    format!("{sign}{}", seconds(Some(whole.abs())))
}

/// A difference of two shares in percentage points ("+8 pts", as the web dashboard writes them):
/// points of the whole, not a percentage of the earlier share.
fn percentage_points(value: f64) -> String {
    match (value * 100.0).round() as i64 {
        0 => "0 pts".to_string(),
        points => format!("{points:+} pts"),
    }
}
