//! `baton`: the command line. Serves the workspace, fills a demo, imports other tools' history,
//! reports insights and advice, and administers a data directory.

mod admin;
mod advisor;
mod checkins;
mod demo;
mod huddles;
mod import;
mod norms;
mod overlap;
mod report;
mod serve;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Baton: a self-hosted team workspace where async and sync work live together, and where the
/// team can see, measured, whether its async habits deliver.
#[derive(Debug, Parser)]
#[command(
    name = "baton",
    version,
    long_about = None,
    after_help = "Every command works on a data directory (--data-dir, default ./baton-data) and explains its \
                  options with `baton <COMMAND> --help`. To start: `baton serve --demo`, or `baton import slack \
                  EXPORT.zip` and then `baton report --from 2024-01-01 --to 2024-04-01`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Each variant's doc comment is its one line in `baton --help` and heads its own `--help`.
#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the workspace: the web app, the HTTP API and the live stream.
    Serve(serve::ServeArgs),
    /// Fill a fresh data directory with a deterministic, realistic demo workspace.
    Demo(demo::DemoArgs),
    /// Administer a data directory: create users, list them, reset a password.
    Admin(admin::AdminArgs),
    /// Insights over a window, as text, JSON or HTML: response times, bouncing threads, stalled tasks, isolation.
    Report(report::ReportArgs),
    /// Import another tool's history: a Slack export or a task CSV (importing twice changes nothing).
    Import(import::ImportArgs),
    /// When members are all in working hours during a week, each in their own time zone.
    Overlap(overlap::OverlapArgs),
    /// The advisor's suggestions (take a thread live, nudge, escalate, pair); accept or dismiss one.
    Advisor(advisor::AdvisorArgs),
    /// Huddles: the list, newest first, or one in full (decisions, action items, who was there).
    Huddles(huddles::HuddlesArgs),
    /// Recurring check-ins: the list, one with its asks and answers, or create one.
    Checkins(checkins::CheckInsArgs),
    /// Reply norms ("reply within N working hours"): show them, set or clear one.
    Norms(norms::NormsArgs),
}

/// Where Baton keeps its data when `--data-dir` is not given.
fn default_data_dir() -> PathBuf {
    PathBuf::from("./baton-data")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BATON_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,baton=info,baton_server=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("baton: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Admin(args) => admin::run(args).await,
            Command::Report(args) => report::run(args).await,
            Command::Import(args) => import::run(args).await,
            Command::Overlap(args) => overlap::run(args).await,
            Command::Advisor(args) => advisor::run(args).await,
            Command::Huddles(args) => huddles::run(args).await,
            Command::Checkins(args) => checkins::run(args).await,
            Command::Norms(args) => norms::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `baton report … | head`: the reader has what it wanted; that is no failure.
        Err(err) if broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("baton: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Whether the error is stdout's reader going away.
fn broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
