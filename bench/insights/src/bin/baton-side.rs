//! `baton-side --data DIR [--from T] [--to T] [--runs N] [--stages]`: loads the generator's CSV
//! files into a [`baton_insights::Dataset`], times the load and the full
//! [`baton_insights::report`] (warm, `--runs` times), and prints one JSON document on stdout:
//! the timings and the metrics that `run.py` compares with DuckDB's.
//!
//! With `--stages` it also times each part of the report on its own (min of `--runs`), to show
//! where the time goes.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use baton_bench_insights::load::{load, WORKSPACE_ZONE};
use baton_bench_insights::{YEAR_END_US, YEAR_START_US};
use baton_core::calendar::parse_time_zone;
use baton_insights::{conversations, lagging, mode_mix, people, tasks};
use baton_insights::{parse_instant, report, Report, Thresholds, Window};
use jiff::Timestamp;
use serde_json::{json, Value};

struct Args {
    data: PathBuf,
    from: Option<String>,
    to: Option<String>,
    runs: usize,
    stages: bool,
}

const USAGE: &str = "usage: baton-side --data DIR [--from T] [--to T] [--runs N] [--stages]";

fn parse_args() -> Result<Args> {
    let mut args = Args { data: PathBuf::new(), from: None, to: None, runs: 3, stages: false };
    let mut data = None;
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        let mut value = || argv.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--data" => data = Some(PathBuf::from(value()?)),
            "--from" => args.from = Some(value()?),
            "--to" => args.to = Some(value()?),
            "--runs" => args.runs = value()?.parse()?,
            "--stages" => args.stages = true,
            _ => bail!(USAGE),
        }
    }
    args.data = data.context(USAGE)?;
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(args)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let zone = parse_time_zone(WORKSPACE_ZONE)?;
    let instant = |field, raw: &Option<String>, default_us| -> Result<Timestamp> {
        match raw {
            Some(raw) => Ok(parse_instant(field, raw, &zone)?),
            None => Ok(Timestamp::from_microsecond(default_us)?),
        }
    };
    let window = Window::new(instant("from", &args.from, YEAR_START_US)?, instant("to", &args.to, YEAR_END_US)?)?;

    let started = Instant::now();
    let data = load(&args.data)?;
    let load_time = started.elapsed();
    eprintln!(
        "baton-side: loaded {} people, {} conversations, {} messages, {} tasks in {:.3} s",
        data.people.len(),
        data.conversations.len(),
        data.messages.len(),
        data.tasks.len(),
        load_time.as_secs_f64()
    );

    let thresholds = Thresholds::design_defaults();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..args.runs {
        let started = Instant::now();
        let report = black_box(report(black_box(&data), window, &thresholds));
        times.push(started.elapsed());
        last = Some(report);
    }
    let report = last.context("no run")?;
    eprintln!("baton-side: report runs {:?}", times.iter().map(|t| t.as_secs_f64()).collect::<Vec<_>>());

    let mut out = json!({
        "side": "baton",
        "window": {"from": window.from().to_string(), "to": window.to().to_string()},
        "load_s": load_time.as_secs_f64(),
        "report_s": summary(&times),
        "metrics": metrics(&report),
    });
    if args.stages {
        out["stages_s"] = stages(&data, window, &thresholds, args.runs);
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn summary(times: &[Duration]) -> Value {
    let mut sorted: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
    sorted.sort_by(f64::total_cmp);
    json!({"min": sorted[0], "median": sorted[sorted.len() / 2], "runs": times.iter().map(Duration::as_secs_f64).collect::<Vec<_>>()})
}

/// The figures `run.py` compares, flattened; names match the SQL side's columns.
fn metrics(report: &Report) -> Value {
    let members = &report.members;
    let lagging = &report.lagging;
    let lagging_digest = |rows: &[lagging::LaggingRow]| {
        json!({
            "rows": rows.len(),
            "first": rows.iter().take(5).map(|r| r.name.clone()).collect::<Vec<_>>(),
            "p90_working_s_sum": rows.iter().filter_map(|r| r.p90_working_s).sum::<i64>(),
            "stall_rate_sum": rows.iter().filter_map(|r| r.stall_rate).sum::<f64>(),
            "completion_rate_sum": rows.iter().filter_map(|r| r.completion_rate).sum::<f64>(),
        })
    };
    json!({
        "messages_count": report.messages.count,
        "conversations_active": report.messages.conversations_active,
        "responses": report.messages.responses,
        "response_median_s": report.response_time.median_s,
        "response_p90_s": report.response_time.p90_s,
        "response_median_working_s": report.response_time.median_working_s,
        "response_p90_working_s": report.response_time.p90_working_s,
        "within_norm_share": report.response_time.within_norm_share,
        "awaiting_answer": report.response_time.awaiting_answer,
        "first_response_count": report.first_response.count,
        "first_median_s": report.first_response.median_s,
        "first_p90_s": report.first_response.p90_s,
        "first_median_working_s": report.first_response.median_working_s,
        "first_p90_working_s": report.first_response.p90_working_s,
        "bouncing_threads": report.bouncing_threads.len(),
        "bouncing_handoffs_sum": report.bouncing_threads.iter().map(|b| i64::from(b.handoffs)).sum::<i64>(),
        "bouncing_span_s_sum": report.bouncing_threads.iter().map(|b| b.span_s).sum::<i64>(),
        "tasks_created": report.tasks.created,
        "tasks_done": report.tasks.done,
        "tasks_open": report.tasks.open,
        "tasks_stalled": report.tasks.stalled,
        "stall_rate": report.tasks.stall_rate,
        "tasks_due": report.tasks.due,
        "tasks_done_on_time": report.tasks.done_on_time,
        "completion_rate": report.tasks.completion_rate,
        "cycle_median_s": report.tasks.cycle_median_s,
        "cycle_p90_s": report.tasks.cycle_p90_s,
        "cycle_median_working_s": report.tasks.cycle_median_working_s,
        "cycle_p90_working_s": report.tasks.cycle_p90_working_s,
        "member_messages_sum": members.iter().map(|m| m.messages).sum::<usize>(),
        "collaborators_sum": members.iter().map(|m| m.collaborators).sum::<usize>(),
        // Position-weighted, so that a collaborator moved from one member to another shows.
        "collaborators_weighted": members.iter().enumerate().map(|(i, m)| (i + 1) * m.collaborators).sum::<usize>(),
        "members_without_collaborators": members.iter().filter(|m| m.collaborators == 0).count(),
        "isolation_active": report.isolation.active,
        "isolated": report.isolation.isolated,
        "isolation_rate": report.isolation.rate,
        "lagging_channels": lagging_digest(&lagging.channels),
        "lagging_projects": lagging_digest(&lagging.projects),
        "lagging_members": lagging_digest(&lagging.members),
    })
}

/// Each part of [`report`] on its own, min of `runs`, in seconds.
fn stages(data: &baton_insights::Dataset, window: Window, thresholds: &Thresholds, runs: usize) -> Value {
    fn min_of<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                black_box(f());
                started.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    }
    let responses = conversations::responses(data, window.to());
    // The calendar arithmetic alone: one working_time per response, as `responses` and
    // `response_stats` each do.
    let working_time_only = min_of(runs, || {
        responses
            .iter()
            .map(|r| data.calendar_of(Some(r.responder)).working_time(r.asked_at, r.responded_at))
            .fold(jiff::SignedDuration::ZERO, |a, b| a + b)
    });
    json!({
        "(n responses before to)": responses.len(),
        "(calendar working_time once per response, alone)": working_time_only,
        "conversations::responses (all before to, with working time)": min_of(runs, || conversations::responses(data, window.to())),
        "conversations::response_stats": min_of(runs, || conversations::response_stats(data, window, thresholds)),
        "conversations::message_stats": min_of(runs, || conversations::message_stats(data, window)),
        "conversations::bouncing_threads": min_of(runs, || conversations::bouncing_threads(data, window, thresholds)),
        "tasks::task_stats": min_of(runs, || tasks::task_stats(data, window, thresholds)),
        "people::members_and_isolation": min_of(runs, || people::members_and_isolation(data, window, thresholds, &responses)),
        "mode_mix::mode_mix": min_of(runs, || mode_mix::mode_mix(data, window)),
        "lagging::lagging_with": min_of(runs, || lagging::lagging_with(data, window, thresholds, &responses)),
    })
}
