//! `bench-pages gen`: a big workspace, the same for the same seed, written through the store's
//! batched command path (`Store::execute_many`, the path `baton import slack` takes): every
//! message is a command the domain checks and the projector writes, so the event log, the
//! projections, the unread counts and the search index are what a server would have written.
//! The commands carry the source `bench`, like an import's: history that happened elsewhere,
//! which notifies nobody.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use baton_core::calendar::WorkingHours;
use baton_core::model::{Priority, Role, TaskStatus, Visibility};
use baton_core::text::MessageText;
use baton_core::{ChannelId, DmId, MemberId, ProjectId, TaskId, ThreadId};
use baton_store::{Answer, Command, Database, Envelope, MessageTarget, NewMember, SqlStore, Store, ThreadHome, Viewer};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::words::{body, Rng};

/// Everyone's password (the bench signs in as the owner and as `reader`).
pub const PASSWORD: &str = "bench-pages-password";
/// The source the commands carry: not `baton`, so that, as for an import, nobody is notified.
const SOURCE: &str = "bench";
const ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
    "Europe/London",
    "America/Los_Angeles",
    "America/Sao_Paulo",
];

#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// The data directory (SQLite, `baton.db`); must not hold a workspace yet.
    #[arg(long)]
    data_dir: PathBuf,
    /// A PostgreSQL database to write to instead of the data directory's SQLite file (it must
    /// exist and be empty). The manifest still goes to the data directory.
    #[arg(long)]
    database: Option<String>,
    /// Messages in all (channel threads about 85%, direct conversations the rest).
    #[arg(long, default_value_t = 10_000_000)]
    messages: u64,
    #[arg(long, default_value_t = 2_000)]
    members: u32,
    #[arg(long, default_value_t = 500)]
    channels: u32,
    /// Tasks (default 200,000 per 10 M messages, at least 1,000).
    #[arg(long)]
    tasks: Option<u64>,
    /// Threads in the busiest channel, `firehose` (default 20,000 per 10 M messages, at least 100).
    #[arg(long)]
    firehose_threads: Option<u64>,
    /// Threads of exactly 5,000 messages (default 10 per 10 M messages, at least 1).
    #[arg(long)]
    long_threads: Option<u64>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The end of the history (UTC date, exclusive); it covers `--days` before.
    #[arg(long, default_value = "2026-12-01")]
    until: jiff::civil::Date,
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Commands handed to the store at once (it commits them in groups of up to 512).
    #[arg(long, default_value_t = 20_000)]
    window: usize,
}

/// What `run` needs to know about the generated workspace (`bench-pages.json` in the data dir).
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub seed: u64,
    pub messages: u64,
    pub members: u32,
    pub channels: u32,
    pub tasks: u64,
    pub dms: u64,
    pub threads: u64,
    pub owner_email: String,
    pub reader_email: String,
    pub password: String,
    /// Threads of 5,000 messages.
    pub long_threads: Vec<i64>,
    /// The channel with the most threads, and how many.
    pub firehose: i64,
    pub firehose_threads: u64,
    pub general: i64,
    /// Threads of `firehose` and `general` that the bench posts into.
    pub post_threads: Vec<i64>,
    /// The project with the most tasks, and a task of it with history.
    pub project: i64,
    pub project_tasks: u64,
    pub task: i64,
    /// A small channel (for the filtered search) and a member who posts there.
    pub filter_channel: String,
    pub filter_author: String,
    pub from: String,
    pub until: String,
    pub generate_seconds: f64,
}

struct Plan {
    members: Vec<Person>,
    channels: Vec<ChannelPlan>,
    threads: Vec<ThreadPlan>,
    dms: Vec<(u32, u32)>,
    projects: u32,
    tasks: Vec<TaskPlan>,
    ops: Vec<Op>,
    firehose_threads: u64,
    long_threads: Vec<u32>,
}

struct Person {
    handle: String,
    zone: &'static str,
    role: Role,
}

struct ChannelPlan {
    name: String,
    visibility: Visibility,
    members: Vec<u32>,
}

struct ThreadPlan {
    channel: u32,
    people: Vec<u32>,
}

struct TaskPlan {
    project: u32,
    assignee: u32,
}

/// One command of the history, in time order: what it is and its two arguments.
#[derive(Clone, Copy)]
struct Op {
    at: i64,
    kind: Kind,
    a: u32,
    b: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Thread `a` begins with its first message, by member `b`.
    Thread,
    /// Task `a` is created (with its thread).
    Task,
    /// Member `b` posts in thread `a`.
    Post,
    /// Member `b` posts in the timeline of direct conversation `a`.
    DmPost,
    /// Task `a` moves to status `b`.
    TaskStatus,
}

const MICROS_PER_SECOND: i64 = 1_000_000;

/// A thread's length: mostly short, some long; never more than 5,000.
fn thread_len(rng: &mut Rng) -> u32 {
    let u = rng.below(1000);
    (match u {
        0..500 => 1 + rng.below(5),
        500..850 => 6 + rng.below(35),
        850..980 => 41 + rng.below(260),
        _ => 301 + rng.below(1700),
    }) as u32
}

impl Plan {
    fn generate(args: &GenArgs) -> anyhow::Result<Plan> {
        if args.members < 10 || args.channels < 4 {
            bail!("at least 10 members and 4 channels");
        }
        let scale = args.messages as f64 / 10_000_000.0;
        let scaled = |n: f64, min: u64| ((n * scale).round() as u64).max(min);
        let n_tasks = args.tasks.unwrap_or_else(|| scaled(200_000.0, 1_000));
        let firehose_threads = args.firehose_threads.unwrap_or_else(|| scaled(20_000.0, 100));
        let n_long = args.long_threads.unwrap_or_else(|| scaled(10.0, 1));
        let n_dms = scaled(3_000.0, 20);
        let n_projects = (n_tasks / 2_000).clamp(5, 100) as u32;
        let until = args.until.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp().as_microsecond();
        let from = until - i64::from(args.days) * 86_400 * MICROS_PER_SECOND;
        let span = until - from;
        let mut rng = Rng::new(args.seed);

        // People: the owner, `reader` (a member the bench reads as), then m2, m3, …
        let members: Vec<Person> = (0..args.members)
            .map(|i| Person {
                handle: match i {
                    0 => "owner".into(),
                    1 => "reader".into(),
                    _ => format!("m{i}"),
                },
                zone: ZONES[i as usize % ZONES.len()],
                role: match i {
                    0 => Role::Owner,
                    2 | 3 => Role::Admin,
                    _ => Role::Member,
                },
            })
            .collect();
        let everyone: Vec<u32> = (0..args.members).collect();
        // Channels: #general and #firehose with everyone; teams of 20–300, a tenth private;
        // `reader` is in half of the teams.
        let mut channels = vec![
            ChannelPlan { name: "general".into(), visibility: Visibility::Public, members: everyone.clone() },
            ChannelPlan { name: "firehose".into(), visibility: Visibility::Public, members: everyone.clone() },
        ];
        for i in 2..args.channels {
            let size = 20 + rng.below(281) as u32;
            let mut people: Vec<u32> = Vec::with_capacity(size as usize + 2);
            people.push(0);
            if rng.chance(0.5) {
                people.push(1);
            }
            while people.len() < size as usize {
                let m = rng.below(args.members as u64) as u32;
                if !people.contains(&m) {
                    people.push(m);
                }
            }
            let visibility = if rng.chance(0.1) { Visibility::Private } else { Visibility::Public };
            channels.push(ChannelPlan { name: format!("team-{i}"), visibility, members: people });
        }
        // Where threads go besides #firehose: Zipf-like weights over the other channels.
        let mut cumulative = Vec::with_capacity(channels.len());
        let mut total = 0.0;
        for (rank, c) in channels.iter().enumerate() {
            if rank != 1 {
                total += 1.0 / ((rank + 1) as f64).powf(0.8);
            }
            cumulative.push((total, c.members.len()));
        }

        let mut threads = Vec::new();
        let mut ops: Vec<Op> = Vec::new();
        let channel_target = (args.messages as f64 * 0.85) as u64;
        let mut channel_messages = 0u64;
        let mut long_threads = Vec::new();
        let push_thread = |threads: &mut Vec<ThreadPlan>,
                           ops: &mut Vec<Op>,
                           rng: &mut Rng,
                           channel: u32,
                           len: u32,
                           start: i64,
                           end: i64|
         -> u32 {
            let pool = &channels[channel as usize].members;
            let n_people = if len >= 1_000 { 40 } else { 2 + rng.below(6) as usize };
            let people: Vec<u32> = (0..n_people).map(|_| pool[rng.below(pool.len() as u64) as usize]).collect();
            let idx = threads.len() as u32;
            let step = ((end - start) / i64::from(len)).max(1);
            let mut at = start;
            for k in 0..len {
                let author = people[rng.below(people.len() as u64) as usize];
                let kind = if k == 0 { Kind::Thread } else { Kind::Post };
                ops.push(Op { at: at.min(until - 1), kind, a: idx, b: author });
                at += 1 + rng.below((2 * step) as u64) as i64;
            }
            threads.push(ThreadPlan { channel, people });
            idx
        };
        // The long threads: in #general and #firehose, over the last 60 days.
        for i in 0..n_long {
            let start = until - 60 * 86_400 * MICROS_PER_SECOND + rng.below(86_400 * MICROS_PER_SECOND as u64) as i64;
            let idx = push_thread(&mut threads, &mut ops, &mut rng, (i % 2) as u32, 5_000, start, until);
            long_threads.push(idx);
            channel_messages += 5_000;
        }
        let mut firehose_count = n_long.div_ceil(2);
        while channel_messages < channel_target {
            let len = thread_len(&mut rng).min((channel_target - channel_messages) as u32).max(1);
            let channel = if firehose_count < firehose_threads {
                firehose_count += 1;
                1
            } else {
                let x = rng.unit() * total;
                cumulative.partition_point(|(c, _)| *c < x) as u32
            };
            let start = from + rng.below(span as u64 - 3_600 * MICROS_PER_SECOND as u64) as i64;
            // A minute to six hours between messages, on average.
            let gap = 60 * MICROS_PER_SECOND * (1 + rng.below(360) as i64);
            let end = (start + gap * i64::from(len)).min(until);
            push_thread(&mut threads, &mut ops, &mut rng, channel, len, start, end);
            channel_messages += u64::from(len);
        }
        // Direct conversations, `reader` in the first tenth; their messages Zipf-like over them.
        let mut dms = Vec::with_capacity(n_dms as usize);
        let mut seen = std::collections::HashSet::new();
        while dms.len() < n_dms as usize {
            let a = if dms.len() < n_dms as usize / 10 { 1 } else { rng.below(args.members as u64) as u32 };
            let b = rng.below(args.members as u64) as u32;
            if a != b && seen.insert((a.min(b), a.max(b))) {
                dms.push((a, b));
            }
        }
        let mut dm_cumulative = Vec::with_capacity(dms.len());
        let mut dm_total = 0.0;
        for rank in 0..dms.len() {
            dm_total += 1.0 / ((rank + 1) as f64).powf(0.9);
            dm_cumulative.push(dm_total);
        }
        for _ in channel_messages..args.messages {
            let x = rng.unit() * dm_total;
            let dm = dm_cumulative.partition_point(|c| *c < x).min(dms.len() - 1);
            let (a, b) = dms[dm];
            let author = if rng.chance(0.5) { a } else { b };
            let at = from + rng.below(span as u64) as i64;
            ops.push(Op { at, kind: Kind::DmPost, a: dm as u32, b: author });
        }
        // Tasks: created over the year, each moved on zero to three times.
        let mut tasks = Vec::with_capacity(n_tasks as usize);
        for t in 0..n_tasks as u32 {
            let project = rng.below(u64::from(n_projects)) as u32;
            let assignee = rng.below(args.members as u64) as u32;
            let mut at = from + rng.below(span as u64) as i64;
            ops.push(Op { at, kind: Kind::Task, a: t, b: 0 });
            let moves = rng.below(4);
            for step in 0..moves {
                at += 3_600 * MICROS_PER_SECOND * (1 + rng.below(24 * 14) as i64);
                if at >= until {
                    break;
                }
                let status = match (step, rng.below(10)) {
                    (0, 0) => TaskStatus::Blocked,
                    (0, _) => TaskStatus::InProgress,
                    (_, 0) => TaskStatus::Cancelled,
                    _ => TaskStatus::Done,
                };
                ops.push(Op { at, kind: Kind::TaskStatus, a: t, b: status_code(status) });
            }
            tasks.push(TaskPlan { project, assignee });
        }
        ops.sort_by_key(|op| (op.at, op.kind));
        Ok(Plan {
            members,
            channels,
            threads,
            dms,
            projects: n_projects,
            tasks,
            ops,
            firehose_threads: firehose_count,
            long_threads,
        })
    }
}

fn status_code(status: TaskStatus) -> u32 {
    match status {
        TaskStatus::Todo => 0,
        TaskStatus::InProgress => 1,
        TaskStatus::Blocked => 2,
        TaskStatus::Done => 3,
        TaskStatus::Cancelled => 4,
    }
}

fn status_of(code: u32) -> TaskStatus {
    match code {
        1 => TaskStatus::InProgress,
        2 => TaskStatus::Blocked,
        3 => TaskStatus::Done,
        4 => TaskStatus::Cancelled,
        _ => TaskStatus::Todo,
    }
}

fn ts(micros: i64) -> anyhow::Result<Timestamp> {
    Ok(Timestamp::from_microsecond(micros)?)
}

fn envelope(viewer: Viewer, at: Timestamp, command: Command) -> Envelope {
    let mut envelope = Envelope::new(viewer, at, command);
    envelope.source = SOURCE.into();
    envelope
}

/// Runs `envelopes` through the store in order (committed in groups), failing on the first
/// refusal, and returns the answers.
async fn run_all(store: &SqlStore, envelopes: Vec<Envelope>) -> anyhow::Result<Vec<Answer>> {
    store.execute_many(envelopes).await.into_iter().map(|answer| answer.map_err(anyhow::Error::from)).collect()
}

fn id_of(answer: &Answer) -> anyhow::Result<i64> {
    answer.id().with_context(|| format!("the store answered without an id: {answer:?}"))
}

pub async fn run(args: GenArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    std::fs::create_dir_all(&args.data_dir)?;
    let database = Database::choose(args.database.as_deref(), &args.data_dir)?;
    let store = SqlStore::open(&database).await?;
    if store.workspace().await?.is_some() {
        bail!("{database} already holds a workspace; generate into a new one");
    }
    let plan = Plan::generate(&args)?;
    eprintln!(
        "plan: {} messages, {} members, {} channels, {} threads ({} in #firehose, {} of 5,000), {} direct \
         conversations, {} projects, {} tasks, {} commands; planned in {:.1} s",
        args.messages,
        plan.members.len(),
        plan.channels.len(),
        plan.threads.len(),
        plan.firehose_threads,
        plan.long_threads.len(),
        plan.dms.len(),
        plan.projects,
        plan.tasks.len(),
        plan.ops.len(),
        started.elapsed().as_secs_f64()
    );
    let until = args.until.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp();
    let from = until.checked_sub(jiff::SignedDuration::from_hours(24 * i64::from(args.days)))?;
    let setup_at = from.checked_sub(jiff::SignedDuration::from_hours(24))?;

    // The people, channels, projects and direct conversations, before the history.
    let hash = baton_server::auth::hash_password_blocking(PASSWORD).map_err(|e| anyhow::anyhow!("cannot hash: {e}"))?;
    let new_member = |p: &Person| NewMember {
        handle: p.handle.clone(),
        email: format!("{}@bench.example", p.handle),
        display_name: p.handle.clone(),
        role: p.role,
        time_zone: p.zone.into(),
        working_hours: WorkingHours::default(),
        password_hash: Some(hash.clone()),
        service: false,
    };
    let setup =
        Command::Setup { workspace_name: "Bench".into(), time_zone: "UTC".into(), owner: new_member(&plan.members[0]) };
    let Answer::SetUp(set_up) = store.execute(Envelope::system(setup_at, setup)).await? else {
        bail!("setup answered something else");
    };
    let owner = Viewer { member: set_up.member.id, role: Role::Owner };
    let adds = plan.members[1..]
        .iter()
        .map(|p| envelope(owner, setup_at, Command::AddMember { member: new_member(p), invite: None }))
        .collect();
    let mut ids = vec![owner.member];
    for answer in run_all(&store, adds).await? {
        ids.push(MemberId(id_of(&answer)?));
    }
    let viewer = |i: u32| Viewer { member: ids[i as usize], role: plan.members[i as usize].role };
    let creates = plan
        .channels
        .iter()
        .map(|c| {
            let command = Command::CreateChannel {
                name: c.name.clone(),
                visibility: c.visibility,
                topic: String::new(),
                members: c.members.iter().map(|m| ids[*m as usize]).collect(),
            };
            envelope(owner, setup_at, command)
        })
        .collect();
    let channels: Vec<ChannelId> =
        run_all(&store, creates).await?.iter().map(|a| id_of(a).map(ChannelId)).collect::<anyhow::Result<_>>()?;
    let creates = (0..plan.projects)
        .map(|p| {
            let command = Command::CreateProject { name: format!("project-{p}"), description: String::new() };
            envelope(owner, setup_at, command)
        })
        .collect();
    let projects: Vec<ProjectId> =
        run_all(&store, creates).await?.iter().map(|a| id_of(a).map(ProjectId)).collect::<anyhow::Result<_>>()?;
    let opens = plan
        .dms
        .iter()
        .map(|(a, b)| {
            envelope(viewer(*a), setup_at, Command::OpenDm { members: vec![ids[*b as usize]], export_name: None })
        })
        .collect();
    let dms: Vec<DmId> =
        run_all(&store, opens).await?.iter().map(|a| id_of(a).map(DmId)).collect::<anyhow::Result<_>>()?;
    eprintln!("people, channels, projects and conversations in {:.1} s", started.elapsed().as_secs_f64());

    // The history, in time order, a window at a time: first the threads and tasks the window
    // begins (their ids are needed), then everything else in it.
    let bar = ProgressBar::new(plan.ops.len() as u64);
    bar.set_style(ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {pos}/{len} commands ({per_sec}, eta {eta})",
    )?);
    let mut threads: Vec<ThreadId> = vec![ThreadId(0); plan.threads.len()];
    let mut tasks: Vec<TaskId> = vec![TaskId(0); plan.tasks.len()];
    let mut task_history: HashMap<u32, u32> = HashMap::new();
    let mut message = 0u64;
    for window in plan.ops.chunks(args.window) {
        let mut first = Vec::new();
        let mut made = Vec::new();
        for op in window.iter().filter(|op| matches!(op.kind, Kind::Thread | Kind::Task)) {
            let at = ts(op.at)?;
            let command = match op.kind {
                Kind::Thread => {
                    let thread = &plan.threads[op.a as usize];
                    let text = body(args.seed, message);
                    message += 1;
                    Command::CreateThread {
                        home: ThreadHome::Channel(channels[thread.channel as usize]),
                        title: title_of(&text),
                        tags: Vec::new(),
                        body: Some(MessageText::new(text)),
                    }
                }
                _ => {
                    let task = &plan.tasks[op.a as usize];
                    Command::CreateTask {
                        project: projects[task.project as usize],
                        title: format!("Task {} {}", op.a, title_of(&body(args.seed ^ 0x7a5c, u64::from(op.a)))),
                        description: String::new(),
                        assignee: Some(ids[task.assignee as usize]),
                        status: TaskStatus::Todo,
                        due: None,
                        priority: Priority::Normal,
                    }
                }
            };
            let by = if op.kind == Kind::Thread { viewer(op.b) } else { viewer(plan.tasks[op.a as usize].assignee) };
            first.push(envelope(by, at, command));
            made.push(*op);
        }
        for (op, answer) in made.iter().zip(run_all(&store, first).await?) {
            match op.kind {
                Kind::Thread => threads[op.a as usize] = ThreadId(id_of(&answer)?),
                _ => tasks[op.a as usize] = TaskId(id_of(&answer)?),
            }
        }
        let mut rest = Vec::with_capacity(window.len());
        for op in window.iter().filter(|op| !matches!(op.kind, Kind::Thread | Kind::Task)) {
            let at = ts(op.at)?;
            let (by, command) = match op.kind {
                Kind::Post | Kind::DmPost => {
                    let target = if op.kind == Kind::Post {
                        MessageTarget::Thread(threads[op.a as usize])
                    } else {
                        MessageTarget::Dm(dms[op.a as usize])
                    };
                    let text = MessageText::new(body(args.seed, message));
                    message += 1;
                    (viewer(op.b), Command::PostMessage { target, text, urgent: false })
                }
                _ => {
                    *task_history.entry(op.a).or_default() += 1;
                    let command = Command::UpdateTask {
                        id: tasks[op.a as usize],
                        title: None,
                        description: None,
                        assignee: None,
                        status: Some(status_of(op.b)),
                        due: None,
                        priority: None,
                    };
                    (viewer(plan.tasks[op.a as usize].assignee), command)
                }
            };
            rest.push(envelope(by, at, command));
        }
        run_all(&store, rest).await?;
        bar.inc(window.len() as u64);
    }
    bar.finish();
    let generate_seconds = started.elapsed().as_secs_f64();
    eprintln!("{message} messages written in {generate_seconds:.1} s");

    // What the run reads.
    let mut per_project = vec![0u64; plan.projects as usize];
    for task in &plan.tasks {
        per_project[task.project as usize] += 1;
    }
    let project = (0..per_project.len()).max_by_key(|p| (per_project[*p], usize::MAX - p)).unwrap_or(0);
    let task = (0..plan.tasks.len())
        .filter(|t| plan.tasks[*t].project as usize == project)
        .max_by_key(|t| (task_history.get(&(*t as u32)).copied().unwrap_or(0), usize::MAX - t))
        .unwrap_or(0);
    let post_threads = (0..plan.threads.len())
        .filter(|t| plan.threads[*t].channel <= 1 && !plan.long_threads.contains(&(*t as u32)))
        .take(1_000)
        .map(|t| threads[t].0)
        .collect();
    // A public team channel with many threads (low ranks get more), and someone who posts there.
    let filter = (10..plan.channels.len()).find(|c| plan.channels[*c].visibility == Visibility::Public).unwrap_or(0);
    let filter_author = plan.threads.iter().find(|t| t.channel as usize == filter).map_or(0, |t| t.people[0]);
    let manifest = Manifest {
        seed: args.seed,
        messages: message,
        members: args.members,
        channels: args.channels,
        tasks: plan.tasks.len() as u64,
        dms: plan.dms.len() as u64,
        threads: plan.threads.len() as u64,
        owner_email: format!("{}@bench.example", plan.members[0].handle),
        reader_email: format!("{}@bench.example", plan.members[1].handle),
        password: PASSWORD.into(),
        long_threads: plan.long_threads.iter().map(|t| threads[*t as usize].0).collect(),
        firehose: channels[1].0,
        firehose_threads: plan.firehose_threads,
        general: channels[0].0,
        post_threads,
        project: projects[project].0,
        project_tasks: per_project[project],
        task: tasks[task].0,
        filter_channel: plan.channels[filter].name.clone(),
        filter_author: plan.members[filter_author as usize].handle.clone(),
        from: from.to_string(),
        until: until.to_string(),
        generate_seconds,
    };
    let path = args.data_dir.join("bench-pages.json");
    std::fs::write(&path, serde_json::to_string_pretty(&manifest)?)?;
    eprintln!("manifest: {}", path.display());
    store.close().await;
    Ok(())
}

/// A thread's title: the first words of its first message.
fn title_of(text: &str) -> String {
    text.split_whitespace().take(6).collect::<Vec<_>>().join(" ")
}
