//! `import-bench [--messages N] [--dir DIR]`: writes a Slack export of N messages (realistic
//! fields, threads, mentions, bots, files) into DIR unless it is there, then times, best of
//! three, on the same files:
//!
//! - serde_json alone, into `serde_json::Value` (a generic parse of every JSON file), and into
//!   `IgnoredAny` (a parse that only checks the syntax: the strictest baseline);
//! - Baton's reader, `baton_import::slack::read`: every file parsed into typed records and checked
//!   (subtypes, threads, people, timestamps) before an import would write anything.
//!
//! It prints the times and the ratios; DESIGN asks the importer for ≥ 50% of serde_json's raw
//! parse speed. Writing into the store is timed by `bench/import.sh` around `baton import slack`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use baton_import::export_files::ExportFiles;

const CHANNELS: usize = 20;
const USERS: usize = 200;
const MESSAGES_PER_DAY_FILE: usize = 500;

fn main() -> anyhow::Result<()> {
    let mut messages = 1_000_000usize;
    let mut dir = PathBuf::from("target/bench-import");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--messages" => messages = args.next().context("--messages needs a number")?.parse()?,
            "--dir" => dir = PathBuf::from(args.next().context("--dir needs a path")?),
            other => bail!("unknown argument {other:?}; use --messages N --dir DIR"),
        }
    }
    let export = dir.join(format!("slack-{messages}"));
    if !export.join("users.json").is_file() {
        generate(&export, messages)?;
    }
    let files = json_files(&export)?;
    let bytes: u64 = files.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).sum();
    println!("export: {} ({} files, {:.1} MB, {messages} messages)", export.display(), files.len(), bytes as f64 / 1e6);

    let value = best_of(3, || {
        let mut n = 0usize;
        for file in &files {
            let data = std::fs::read(file)?;
            let parsed: serde_json::Value = serde_json::from_slice(&data)?;
            n += parsed.as_array().map_or(1, Vec::len);
        }
        Ok(n)
    })?;
    let ignored = best_of(3, || {
        let mut n = 0usize;
        for file in &files {
            let data = std::fs::read(file)?;
            let _: serde::de::IgnoredAny = serde_json::from_slice(&data)?;
            n += 1;
        }
        Ok(n)
    })?;
    let baton = best_of(3, || {
        let mut opened = ExportFiles::open(&export, "users.json").map_err(|d| anyhow::anyhow!("{d}"))?;
        let read = baton_import::slack::read(&mut opened).map_err(|d| anyhow::anyhow!("{d}"))?;
        Ok(read.message_count())
    })?;
    let mb = bytes as f64 / 1e6;
    let rate = |d: Duration| mb / d.as_secs_f64();
    println!("serde_json → Value:      {:>8.3} s  {:>7.1} MB/s", value.as_secs_f64(), rate(value));
    println!("serde_json → IgnoredAny: {:>8.3} s  {:>7.1} MB/s", ignored.as_secs_f64(), rate(ignored));
    println!("baton slack::read:       {:>8.3} s  {:>7.1} MB/s", baton.as_secs_f64(), rate(baton));
    println!(
        "baton's speed is {:.0}% of serde_json → Value and {:.0}% of serde_json → IgnoredAny (goal: ≥ 50%)",
        100.0 * value.as_secs_f64() / baton.as_secs_f64(),
        100.0 * ignored.as_secs_f64() / baton.as_secs_f64()
    );
    Ok(())
}

/// The shortest of `n` runs of `work`.
fn best_of(n: usize, mut work: impl FnMut() -> anyhow::Result<usize>) -> anyhow::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..n {
        let started = Instant::now();
        std::hint::black_box(work()?);
        best = best.min(started.elapsed());
    }
    Ok(best)
}

fn json_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(json_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// SplitMix64, so the same N always writes the same export.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: [&str; 16] = [
    "launch", "review", "deploy", "schema", "customer", "invoice", "design", "metrics", "roadmap", "bug", "fix",
    "tomorrow", "meeting", "draft", "release", "notes",
];

/// Writes users.json, channels.json and one folder per channel of day files, the way Slack's
/// export lays them out: about a third of the messages are thread replies, some mention people,
/// some come from a bot or carry a subtype or a file.
fn generate(dir: &Path, messages: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng(7);
    let zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"];
    let users: Vec<serde_json::Value> = (0..USERS)
        .map(|i| {
            serde_json::json!({
                "id": format!("U{i:06}"), "name": format!("user{i}"), "real_name": format!("User {i}"),
                "deleted": i % 97 == 0, "is_bot": i == 0, "is_admin": i == 1, "tz": zones[i % zones.len()],
                "tz_offset": 3600, "profile": {"email": format!("user{i}@example.com"), "real_name": format!("User {i}"),
                "display_name": format!("user{i}"), "image_72": "https://example.com/a.png"}
            })
        })
        .collect();
    std::fs::write(dir.join("users.json"), serde_json::to_vec_pretty(&users)?)?;
    let channels: Vec<serde_json::Value> = (0..CHANNELS)
        .map(|c| {
            serde_json::json!({
                "id": format!("C{c:06}"), "name": format!("channel-{c}"), "created": 1_600_000_000 + c,
                "is_archived": false, "is_general": c == 0,
                "members": (0..USERS).step_by(3).map(|i| format!("U{i:06}")).collect::<Vec<_>>(),
                "topic": {"value": format!("Topic {c}"), "creator": "U000001", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0}
            })
        })
        .collect();
    std::fs::write(dir.join("channels.json"), serde_json::to_vec_pretty(&channels)?)?;
    let per_channel = messages.div_ceil(CHANNELS);
    let start = 1_700_000_000u64;
    for c in 0..CHANNELS {
        let folder = dir.join(format!("channel-{c}"));
        std::fs::create_dir_all(&folder)?;
        let mut day = 0;
        let mut written = 0;
        let mut parents: Vec<String> = Vec::new();
        while written < per_channel && written + c * per_channel < messages {
            let n = MESSAGES_PER_DAY_FILE.min(per_channel - written);
            let mut batch = Vec::with_capacity(n);
            for k in 0..n {
                let ts = format!("{}.{:06}", start + (day * 86_400 + k as u64 * 150), rng.below(1_000_000));
                let user = format!("U{:06}", 1 + rng.below(USERS - 1));
                let mut text: Vec<&str> = (0..(4 + rng.below(20))).map(|_| WORDS[rng.below(WORDS.len())]).collect();
                let mention = format!("<@U{:06}>", rng.below(USERS));
                if rng.below(5) == 0 {
                    text.push(&mention);
                }
                if rng.below(4) == 0 {
                    text.push("?");
                }
                let mut message = serde_json::json!({
                    "client_msg_id": format!("{c}-{day}-{k}"), "type": "message", "text": text.join(" "),
                    "user": user, "ts": ts, "team": "T000001", "user_team": "T000001", "source_team": "T000001",
                    "user_profile": {"real_name": "Someone", "display_name": "someone", "team": "T000001"},
                    "blocks": [{"type": "rich_text", "block_id": "b1", "elements": [{"type": "rich_text_section",
                        "elements": [{"type": "text", "text": "the same text, again, as Slack writes it"}]}]}]
                });
                let roll = rng.below(100);
                if roll < 33 && !parents.is_empty() {
                    message["thread_ts"] = parents[rng.below(parents.len())].clone().into();
                } else if roll < 36 {
                    message["subtype"] = "channel_join".into();
                } else if roll < 38 {
                    message["subtype"] = "bot_message".into();
                    message["bot_id"] = "B000001".into();
                } else if roll < 40 {
                    message["files"] = serde_json::json!([{"id": "F1", "name": "plan.pdf", "title": "Plan"}]);
                } else if roll < 50 {
                    message["thread_ts"] = ts.clone().into();
                    message["reply_count"] = 3.into();
                    parents.push(ts.clone());
                    if parents.len() > 50 {
                        parents.remove(0);
                    }
                }
                batch.push(message);
            }
            let date = 19_675 + day; // days since 1970: 2023-11-14 onwards
            let name = civil_date(date);
            std::fs::write(folder.join(format!("{name}.json")), serde_json::to_vec_pretty(&batch)?)?;
            written += n;
            day += 1;
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` of a count of days since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
