//! `bench-pages run`: measures a running `baton serve` on a workspace `gen` made. Each phase
//! prints its latencies: server-side (the `Server-Timing` the server adds to every answer: the
//! time to make it, not to send it) and at the client (over loopback, sharing the machine's
//! cores with the server), and the server's memory (`VmRSS`, and its peak `VmHWM`) after it.
//!
//! - `pages`: `--readers` closed-loop readers (signed in as `reader`, a member) open the thread
//!   of 5,000 messages, the busiest channel, the channel list, the largest task board and a task
//!   page in turn, while the owner posts `--posts` messages a second into other threads.
//! - `search`: the same readers search (one word, a phrase, filters) under the same posts.
//! - `live`: `--open` pages, each on a thread of its own, hold the event stream (a WebSocket,
//!   as the page's script does); the owner posts `--posts` a second into those threads. Timed from
//!   the post's request: its event on every stream, and the page of its thread having fetched
//!   the new message (the list's fragment `?after=`, as the script does).
//! - `insights`: `GET /api/v1/insights` over the last 90 days as the owner: the first call, warm
//!   calls one at a time, then 4 at a time.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::gen::Manifest;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// The manifest `gen` wrote (`DATA_DIR/bench-pages.json`).
    #[arg(long)]
    manifest: PathBuf,
    /// The server's process id, for its memory.
    #[arg(long)]
    pid: Option<u32>,
    /// Which phases, in order.
    #[arg(long, value_delimiter = ',', default_value = "pages,search,live,insights")]
    phases: Vec<String>,
    #[arg(long, default_value_t = 32)]
    readers: usize,
    /// Messages posted a second while reading.
    #[arg(long, default_value_t = 200)]
    posts: u32,
    /// Seconds measured per phase (after `--warmup` seconds not counted).
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// Pages open in the live phase.
    #[arg(long, default_value_t = 500)]
    open: usize,
    /// Warm insights calls one at a time (then as many rounds of 4 at once, less one).
    #[arg(long, default_value_t = 10)]
    insights_calls: usize,
    /// Which pages the `pages` phase reads: thread, channel, list, board, task.
    #[arg(long, value_delimiter = ',', default_value = "thread,channel,list,board,task")]
    pages: Vec<String>,
}

/// Latencies of one kind of request, in milliseconds.
#[derive(Default)]
struct Samples {
    server: Vec<f64>,
    client: Vec<f64>,
    failed: u64,
    first_failure: Option<String>,
}

impl Samples {
    fn merge(&mut self, other: Samples) {
        self.server.extend(other.server);
        self.client.extend(other.client);
        self.failed += other.failed;
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
    }
}

/// Nearest-rank quantile of `values` (sorted here).
fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

fn print_row(label: &str, samples: &mut Samples) {
    let n = samples.client.len();
    println!(
        "| {label} | {n} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} | {} |",
        quantile(&mut samples.server, 0.5),
        quantile(&mut samples.server, 0.99),
        quantile(&mut samples.server, 1.0),
        quantile(&mut samples.client, 0.5),
        quantile(&mut samples.client, 0.99),
        samples.failed
    );
    if let Some(first) = &samples.first_failure {
        println!("  first failure of {label}: {first}");
    }
}

fn table_head(first: &str) {
    println!("| {first} | requests | server p50 / p99 / max ms | client p50 / p99 ms | failed |");
    println!("| --- | --- | --- | --- | --- |");
}

fn memory(pid: Option<u32>) -> String {
    let Some(pid) = pid else { return "server memory: no --pid".into() };
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return format!("server memory: no process {pid}");
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map_or("?".to_string(), |kb| format!("{:.0} MiB", kb as f64 / 1024.0))
    };
    format!("server memory: VmRSS {}, peak VmHWM {}", field("VmRSS:"), field("VmHWM:"))
}

/// The server's time from `Server-Timing: app;dur=…`.
fn server_ms(response: &reqwest::Response) -> Option<f64> {
    let value = response.headers().get("server-timing")?.to_str().ok()?;
    value.split(";dur=").nth(1)?.split([',', ';']).next()?.trim().parse().ok()
}

struct Ctx {
    http: reqwest::Client,
    url: String,
    manifest: Manifest,
    reader: String,
    owner: String,
}

async fn login(http: &reqwest::Client, url: &str, email: &str, password: &str) -> anyhow::Result<String> {
    let answer: Value = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("cannot sign in as {email}"))?
        .json()
        .await?;
    answer["token"].as_str().map(str::to_string).context("no token in the answer")
}

/// One timed GET; `html` sends the session cookie (a page), else the bearer token (the API).
async fn timed_get(ctx: &Ctx, path: &str, token: &str, html: bool, samples: &mut Samples) -> Option<String> {
    let mut request = ctx.http.get(format!("{}{path}", ctx.url));
    request = if html {
        request.header("Cookie", format!("baton_session={token}")).header("Accept", "text/html")
    } else {
        request.bearer_auth(token)
    };
    let sent = Instant::now();
    let outcome = async {
        let response = request.send().await?;
        let status = response.status();
        let server = server_ms(&response);
        let body = response.text().await?;
        anyhow::Ok((status, server, body))
    }
    .await;
    match outcome {
        Ok((status, server, body)) if status.is_success() => {
            samples.client.push(sent.elapsed().as_secs_f64() * 1000.0);
            samples.server.push(server.unwrap_or(f64::NAN));
            Some(body)
        }
        Ok((status, _, body)) => {
            samples.failed += 1;
            samples
                .first_failure
                .get_or_insert_with(|| format!("{path}: HTTP {status}: {}", &body[..body.len().min(200)]));
            None
        }
        Err(err) => {
            samples.failed += 1;
            samples.first_failure.get_or_insert_with(|| format!("{path}: {err:#}"));
            None
        }
    }
}

/// Posts `rate` messages a second until `stop`, each into the next of `threads`, as the owner;
/// `on_send` is told the post's number just before it goes.
fn poster(
    ctx: Arc<Ctx>,
    rate: u32,
    threads: Vec<i64>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    prefix: String,
    on_send: Arc<dyn Fn(u64) + Send + Sync>,
) -> tokio::task::JoinHandle<Samples> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate.max(1))));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let results = Arc::new(Mutex::new(Samples::default()));
        let mut n = 0u64;
        let mut inflight = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            let thread = threads[(n as usize) % threads.len()];
            let ctx = ctx.clone();
            let results = results.clone();
            let body = format!("{prefix}{n} posted while the pages are read");
            on_send(n);
            n += 1;
            inflight.push(tokio::spawn(async move {
                let sent = Instant::now();
                let answer = ctx
                    .http
                    .post(format!("{}/api/v1/threads/{thread}/messages", ctx.url))
                    .bearer_auth(&ctx.owner)
                    .json(&json!({ "body": body }))
                    .send()
                    .await;
                let mut results = results.lock().unwrap_or_else(|e| e.into_inner());
                match answer {
                    Ok(response) if response.status().is_success() => {
                        results.server.push(server_ms(&response).unwrap_or(f64::NAN));
                        results.client.push(sent.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok(response) => {
                        results.failed += 1;
                        results.first_failure.get_or_insert_with(|| format!("post: HTTP {}", response.status()));
                    }
                    Err(err) => {
                        results.failed += 1;
                        results.first_failure.get_or_insert_with(|| format!("post: {err:#}"));
                    }
                }
            }));
            inflight.retain(|task: &tokio::task::JoinHandle<()>| !task.is_finished());
        }
        for task in inflight {
            let _ = task.await;
        }
        let taken = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
        taken
    })
}

/// Runs `readers` closed loops over `targets` (label, path, page or API) for warm-up plus the
/// measured seconds, while posts go in; prints one row per label.
async fn read_under_posts(ctx: &Arc<Ctx>, args: &RunArgs, title: &str, targets: Vec<(String, String, bool)>) {
    let targets = Arc::new(targets);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let post_threads = ctx.manifest.post_threads.clone();
    let posts = poster(ctx.clone(), args.posts, post_threads, stop.clone(), format!("{title} "), Arc::new(|_| {}));
    let started = Instant::now();
    let measure_from = started + Duration::from_secs(args.warmup);
    let deadline = measure_from + Duration::from_secs(args.seconds);
    let readers = (0..args.readers).map(|r| {
        let ctx = ctx.clone();
        let targets = targets.clone();
        tokio::spawn(async move {
            let mut samples: Vec<Samples> = targets.iter().map(|_| Samples::default()).collect();
            let mut i = r;
            while Instant::now() < deadline {
                let k = i % targets.len();
                i += 1;
                let (_, path, html) = &targets[k];
                let mut one = Samples::default();
                timed_get(&ctx, path, &ctx.reader, *html, &mut one).await;
                if Instant::now() >= measure_from {
                    samples[k].merge(one);
                }
            }
            samples
        })
    });
    let results = futures_util::future::join_all(readers).await;
    stop.store(true, Ordering::Relaxed);
    let mut posted = posts.await.unwrap_or_default();
    let mut merged: Vec<Samples> = targets.iter().map(|_| Samples::default()).collect();
    for per_reader in results.into_iter().flatten() {
        for (k, s) in per_reader.into_iter().enumerate() {
            merged[k].merge(s);
        }
    }
    println!(
        "\n### {title}: {} readers, {} posts/s asked, {} s measured after {} s of warm-up\n",
        args.readers, args.posts, args.seconds, args.warmup
    );
    table_head("request");
    for ((label, _, _), samples) in targets.iter().zip(merged.iter_mut()) {
        print_row(label, samples);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = posted.client.len();
    print_row(&format!("posts ({:.0}/s acked over the whole phase)", n as f64 / elapsed), &mut posted);
}

async fn pages(ctx: &Arc<Ctx>, args: &RunArgs) {
    let m = &ctx.manifest;
    let all = [
        ("thread", "thread of 5,000 messages (`/t/ID`)".to_string(), format!("/t/{}", m.long_threads[0])),
        ("channel", format!("channel of {} threads (`/c/ID`)", m.firehose_threads), format!("/c/{}", m.firehose)),
        ("list", "channel list (`/`)".to_string(), "/".to_string()),
        ("board", format!("task board, {} tasks (`/p/ID`)", m.project_tasks), format!("/p/{}", m.project)),
        ("task", "task page (`/tasks/ID`)".to_string(), format!("/tasks/{}", m.task)),
    ];
    let targets = all
        .into_iter()
        .filter(|(name, _, _)| args.pages.iter().any(|p| p == name))
        .map(|(_, label, path)| (label, path, true))
        .collect();
    read_under_posts(ctx, args, "pages", targets).await;
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn search(ctx: &Arc<Ctx>, args: &RunArgs) -> anyhow::Result<()> {
    let m = &ctx.manifest;
    let until: jiff::Timestamp = m.until.parse()?;
    let recent = until.checked_sub(jiff::SignedDuration::from_hours(24 * 30))?.to_zoned(jiff::tz::TimeZone::UTC).date();
    let queries = [
        ("one word: `deploy`", "deploy".to_string()),
        ("one word: `invoice`", "invoice".to_string()),
        ("one rare word: `zebra`", "zebra".to_string()),
        ("phrase: `\"release candidate\"`", "\"release candidate\"".to_string()),
        ("phrase: `\"database migration\"`", "\"database migration\"".to_string()),
        ("filtered: `in:#… from:@… review`", format!("in:#{} from:@{} review", m.filter_channel, m.filter_author)),
        ("filtered: `deploy is:thread after:…` (last 30 days)", format!("deploy is:thread after:{recent}")),
        ("filtered: `in:#firehose rollback`", "in:#firehose rollback".to_string()),
    ];
    let targets = queries
        .iter()
        .map(|(label, q)| (label.to_string(), format!("/api/v1/search?q={}&limit=50", encode(q)), false))
        .collect();
    read_under_posts(ctx, args, "search", targets).await;
    Ok(())
}

async fn live(ctx: &Arc<Ctx>, args: &RunArgs) -> anyhow::Result<()> {
    let m = &ctx.manifest;
    if m.post_threads.is_empty() {
        bail!("the manifest names no threads to post into");
    }
    let threads: Vec<i64> = (0..args.open).map(|i| m.post_threads[i % m.post_threads.len()]).collect();
    let distinct: Vec<i64> = {
        let mut d = threads.clone();
        d.sort_unstable();
        d.dedup();
        d
    };
    // Where each page starts: its newest message and the stream's head (as the page renders them).
    let page = timed_get(ctx, &format!("/t/{}", threads[0]), &ctx.reader, true, &mut Samples::default())
        .await
        .context("cannot open a thread page")?;
    let since: i64 = page
        .split("data-since=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|s| s.parse().ok())
        .context("the page names no data-since")?;
    let run = std::process::id();
    let prefix = format!("live-{run}-");
    let sent: Arc<Mutex<HashMap<u64, Instant>>> = Arc::new(Mutex::new(HashMap::new()));
    let delivered: Arc<Mutex<Vec<f64>>> = Arc::new(Mutex::new(Vec::new()));
    let shown: Arc<Mutex<Samples>> = Arc::new(Mutex::new(Samples::default()));
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let connected = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The page's script opens its stream focused on what the page shows (`data-focus`); pages
    // of an older server have none and take every event.
    let focused = page.contains("data-focus=\"");
    let ws_base = format!("{}/api/v1/stream?since={since}", ctx.url.replacen("http", "ws", 1));
    let mut sockets = Vec::new();
    for (i, thread) in threads.iter().copied().enumerate() {
        let ws_url = if focused { format!("{ws_base}&focus=thread:{thread}") } else { ws_base.clone() };
        let mut request = ws_url.as_str().into_client_request()?;
        request.headers_mut().insert("Authorization", format!("Bearer {}", ctx.reader).parse()?);
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .with_context(|| format!("cannot open stream {i} of {}", args.open))?;
        connected.fetch_add(1, Ordering::Relaxed);
        let (ctx, sent, delivered, shown, measuring, stop, prefix) = (
            ctx.clone(),
            sent.clone(),
            delivered.clone(),
            shown.clone(),
            measuring.clone(),
            stop.clone(),
            prefix.clone(),
        );
        sockets.push(tokio::spawn(async move {
            let (_, mut frames) = socket.split();
            let mut newest: Option<i64> = None;
            while let Some(Ok(frame)) = frames.next().await {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Frame::Text(text) = frame else { continue };
                if !text.contains(&prefix) {
                    continue;
                }
                let arrived = Instant::now();
                let Ok(event) = serde_json::from_str::<Value>(&text) else { continue };
                let message = &event["payload"]["message"];
                let Some(n) = message["body"]
                    .as_str()
                    .and_then(|b| b.strip_prefix(prefix.as_str()))
                    .and_then(|b| b.split(' ').next())
                    .and_then(|n| n.parse::<u64>().ok())
                else {
                    continue;
                };
                let Some(at) = sent.lock().unwrap_or_else(|e| e.into_inner()).get(&n).copied() else { continue };
                let on = measuring.load(Ordering::Relaxed);
                if on {
                    delivered.lock().unwrap_or_else(|e| e.into_inner()).push((arrived - at).as_secs_f64() * 1000.0);
                }
                if message["thread_id"].as_i64() != Some(thread) {
                    continue;
                }
                let id = message["id"].as_i64().unwrap_or(0);
                // The page's script: the list's messages after the newest it shows.
                let after = newest.unwrap_or(id - 1);
                let path = format!("/t/{thread}/messages?after={after}");
                let mut one = Samples::default();
                if let Some(html) = timed_get(&ctx, &path, &ctx.reader, true, &mut one).await {
                    if !html.contains(&format!("{prefix}{n} ")) {
                        one.failed += 1;
                        one.first_failure = Some(format!("{path} did not hold post {n}"));
                    } else {
                        // From the post's request to the page holding it.
                        if let Some(client) = one.client.last_mut() {
                            *client = at.elapsed().as_secs_f64() * 1000.0;
                        }
                    }
                    newest = Some(id.max(after));
                }
                if on {
                    shown.lock().unwrap_or_else(|e| e.into_inner()).merge(one);
                }
            }
        }));
    }
    let pages_of = distinct.len();
    let stop_posts = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let on_send: Arc<dyn Fn(u64) + Send + Sync> = {
        let sent = sent.clone();
        Arc::new(move |n| {
            sent.lock().unwrap_or_else(|e| e.into_inner()).insert(n, Instant::now());
        })
    };
    let posts = poster(ctx.clone(), args.posts, distinct, stop_posts.clone(), prefix.clone(), on_send);
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    stop_posts.store(true, Ordering::Relaxed);
    let mut posted = posts.await.unwrap_or_default();
    // Let the last events arrive, then close.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    for socket in &sockets {
        socket.abort();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut delivered = std::mem::take(&mut *delivered.lock().unwrap_or_else(|e| e.into_inner()));
    let mut shown = std::mem::take(&mut *shown.lock().unwrap_or_else(|e| e.into_inner()));
    println!(
        "\n### live: {} pages open ({} streams connected, {}) on {pages_of} threads, {} posts/s asked, {} s measured after {} s\n",
        args.open,
        connected.load(Ordering::Relaxed),
        if focused { "each focused on its thread, as the page's script opens it" } else { "unfocused: every event" },
        args.posts,
        args.seconds,
        args.warmup
    );
    println!("| what | count | p50 ms | p99 ms | max ms |");
    println!("| --- | --- | --- | --- | --- |");
    let n = delivered.len();
    println!(
        "| post's event on each open stream that carries it (from the post's request) | {n} | {:.1} | {:.1} | {:.1} |",
        quantile(&mut delivered, 0.5),
        quantile(&mut delivered, 0.99),
        quantile(&mut delivered, 1.0)
    );
    let n = shown.client.len();
    println!(
        "| post on its open thread page (event, then the fragment fetched) | {n} | {:.1} | {:.1} | {:.1} |",
        quantile(&mut shown.client, 0.5),
        quantile(&mut shown.client, 0.99),
        quantile(&mut shown.client, 1.0)
    );
    println!(
        "| the fragment `?after=`, server-side | {n} | {:.1} | {:.1} | {:.1} |",
        quantile(&mut shown.server, 0.5),
        quantile(&mut shown.server, 0.99),
        quantile(&mut shown.server, 1.0)
    );
    if shown.failed > 0 {
        println!("  fragments failed: {} ({:?})", shown.failed, shown.first_failure);
    }
    let acked = posted.client.len();
    println!(
        "| posts acked ({:.0}/s), server-side | {acked} | {:.1} | {:.1} | {:.1} |",
        acked as f64 / elapsed,
        quantile(&mut posted.server, 0.5),
        quantile(&mut posted.server, 0.99),
        quantile(&mut posted.server, 1.0)
    );
    Ok(())
}

async fn insights(ctx: &Arc<Ctx>, args: &RunArgs) -> anyhow::Result<()> {
    let until: jiff::Timestamp = ctx.manifest.until.parse()?;
    let to = until.to_zoned(jiff::tz::TimeZone::UTC).date();
    let from = to.checked_sub(jiff::ToSpan::days(90))?;
    let path = format!("/api/v1/insights?from={from}&to={to}");
    println!("\n### insights: `GET {path}` as the owner\n");
    table_head("calls");
    let mut first = Samples::default();
    timed_get(ctx, &path, &ctx.owner, false, &mut first).await;
    print_row("first call (the server reads the log)", &mut first);
    println!("  {}", memory(args.pid));
    let mut one = Samples::default();
    for _ in 0..args.insights_calls {
        timed_get(ctx, &path, &ctx.owner, false, &mut one).await;
    }
    let single_mean = one.client.iter().sum::<f64>() / one.client.len().max(1) as f64;
    print_row("warm, one at a time", &mut one);
    let mut four = Samples::default();
    for _ in 0..args.insights_calls.div_ceil(4).max(3) {
        let calls = (0..4).map(|_| {
            let ctx = ctx.clone();
            let path = path.clone();
            async move {
                let mut s = Samples::default();
                timed_get(&ctx, &path, &ctx.owner, false, &mut s).await;
                s
            }
        });
        for s in futures_util::future::join_all(calls).await {
            four.merge(s);
        }
    }
    let four_mean = four.client.iter().sum::<f64>() / four.client.len().max(1) as f64;
    print_row("warm, 4 at once", &mut four);
    println!(
        "  mean latency 4 at once / one at a time: {:.2}× ({four_mean:.0} ms / {single_mean:.0} ms)",
        four_mean / single_mean
    );
    Ok(())
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let manifest: Manifest = serde_json::from_str(
        &std::fs::read_to_string(&args.manifest).with_context(|| format!("cannot read {}", args.manifest.display()))?,
    )?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(1024).timeout(Duration::from_secs(900)).build()?;
    let url = args.url.trim_end_matches('/').to_string();
    let reader = login(&http, &url, &manifest.reader_email, &manifest.password).await?;
    let owner = login(&http, &url, &manifest.owner_email, &manifest.password).await?;
    println!(
        "workspace: {} messages, {} threads ({} in #firehose), {} members, {} channels, {} direct conversations, {} tasks",
        manifest.messages,
        manifest.threads,
        manifest.firehose_threads,
        manifest.members,
        manifest.channels,
        manifest.dms,
        manifest.tasks
    );
    println!("{} (before the run)", memory(args.pid));
    let ctx = Arc::new(Ctx { http, url, manifest, reader, owner });
    for phase in &args.phases {
        match phase.as_str() {
            "pages" => pages(&ctx, &args).await,
            "search" => search(&ctx, &args).await?,
            "live" => live(&ctx, &args).await?,
            "insights" => insights(&ctx, &args).await?,
            other => bail!("no phase {other:?} (pages, search, live, insights)"),
        }
        println!("\n{} (after {phase})", memory(args.pid));
    }
    Ok(())
}
