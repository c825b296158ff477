//! `baton-loadgen`: posts messages into a running Baton as fast as acknowledgements come back,
//! with a given number of concurrent writers, and prints acknowledged posts per second and
//! latency quantiles. Every post carries an `Idempotency-Key`, as a real client would.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use serde_json::{json, Value};

/// Sustained acknowledged message posts per second against a running `baton serve`.
#[derive(Debug, Parser)]
struct Args {
    /// Base URL of the server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// Concurrent writers (each waits for its answer before posting again).
    #[arg(long, default_value_t = 1)]
    writers: usize,
    /// How long to post, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The file `baton serve` wrote its one-time setup token to (`DATA_DIR/setup-token`), for
    /// setting up a fresh workspace; absent once it is set up.
    #[arg(long)]
    setup_token_file: Option<std::path::PathBuf>,
}

const EMAIL: &str = "load@example.com";
const PASSWORD: &str = "load-test-password";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::builder().pool_max_idle_per_host(args.writers.max(1)).build()?;
    // The server removes the file once the workspace is set up: a later run signs in instead.
    let setup_token = match &args.setup_token_file {
        Some(file) if file.exists() => Some(
            std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the setup token in {}", file.display()))?
                .trim()
                .to_string(),
        ),
        _ => None,
    };
    let token = sign_in(&http, &args.url, setup_token.as_deref()).await?;
    let thread = thread(&http, &args.url, &token, args.writers).await?;
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    // Keys are unique per run: a second run against the same server must not replay the first.
    let run = format!("{}-{thread}", std::process::id());
    let started = Instant::now();
    let workers = (0..args.writers).map(|writer| {
        let http = http.clone();
        let url = format!("{}/api/v1/threads/{thread}/messages", args.url);
        let token = token.clone();
        let run = run.clone();
        async move {
            let mut latencies = Vec::new();
            let mut failures = 0u64;
            let mut first_failure: Option<String> = None;
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let sent = Instant::now();
                let answer = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("load-{run}-{writer}-{n}"))
                    .json(&json!({"body": format!("load test message {n} from writer {writer}")}))
                    .send()
                    .await;
                match answer {
                    Ok(response) if response.status().is_success() => latencies.push(sent.elapsed()),
                    Ok(response) => {
                        failures += 1;
                        let status = response.status();
                        let body = response.text().await.unwrap_or_default();
                        first_failure.get_or_insert_with(|| format!("HTTP {status}: {body}"));
                    }
                    Err(err) => {
                        failures += 1;
                        first_failure.get_or_insert_with(|| format!("{err:#}"));
                    }
                }
            }
            (latencies, failures, first_failure)
        }
    });
    let results = futures_util::future::join_all(workers).await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<Duration> = results.iter().flat_map(|(l, _, _)| l.iter().copied()).collect();
    let failures: u64 = results.iter().map(|(_, f, _)| f).sum();
    if let Some(first) = results.iter().find_map(|(_, _, first)| first.as_ref()) {
        eprintln!("first failure: {first}");
    }
    latencies.sort();
    let quantile = |q: f64| {
        let rank = ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len().max(1));
        latencies.get(rank - 1).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "writers={} acked={} failed={} seconds={:.1} posts_per_s={:.0} p50_ms={:.2} p99_ms={:.2}",
        args.writers,
        latencies.len(),
        failures,
        elapsed,
        latencies.len() as f64 / elapsed,
        quantile(0.5),
        quantile(0.99)
    );
    Ok(())
}

/// Sets a fresh workspace up, or signs in to the one an earlier run set up.
async fn sign_in(http: &reqwest::Client, url: &str, setup_token: Option<&str>) -> anyhow::Result<String> {
    let body = json!({"workspace_name": "Load", "handle": "load", "email": EMAIL, "password": PASSWORD,
                      "setup_token": setup_token});
    let response = http.post(format!("{url}/api/v1/setup")).json(&body).send().await?;
    let response = if response.status() == reqwest::StatusCode::CONFLICT {
        let body = json!({"email": EMAIL, "password": PASSWORD});
        http.post(format!("{url}/api/v1/auth/login")).json(&body).send().await?
    } else {
        response
    };
    if !response.status().is_success() {
        bail!("cannot sign in to {url}: HTTP {}", response.status());
    }
    let answer: Value = response.json().await?;
    answer["token"].as_str().map(str::to_string).context("no token in the answer")
}

async fn thread(http: &reqwest::Client, url: &str, token: &str, writers: usize) -> anyhow::Result<i64> {
    let name = format!("load-{writers}-{}", std::process::id());
    let channel: Value = http
        .post(format!("{url}/api/v1/channels"))
        .bearer_auth(token)
        .json(&json!({"name": name}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let channel = channel["id"].as_i64().context("no channel id")?;
    let thread: Value = http
        .post(format!("{url}/api/v1/channels/{channel}/threads"))
        .bearer_auth(token)
        .json(&json!({"title": "load"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    thread["id"].as_i64().context("no thread id")
}
