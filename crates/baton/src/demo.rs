//! `baton demo`: a deterministic, realistic workspace with a story for insights to tell.
//!
//! The same `--seed`, `--members`, `--days` and `--until` always give the same workspace. What it
//! plants on purpose: threads in `#launch` that bounce between Berlin, New York and Sydney for
//! days without being resolved; a project ("Data migration") whose open tasks have had no
//! activity for weeks; and a member (@quinn) who posts but whom nobody answers.
//!
//! Its hybrid week: a weekly #engineering huddle whose action items become tasks that then move;
//! a daily #engineering check-in answered in four time zones; and, five days before the end,
//! the owner accepting the advisor's "take it live" for a bouncing #launch thread, after which
//! the invited meet at the proposed slot, decide, and end the huddle with an action item.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{bail, Context};
use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};
use baton_core::model::{Huddle, Priority, Role, TaskStatus, Visibility};
use baton_core::text::MessageText;
use baton_core::{ChannelId, DmId, HuddleId, MemberId, ProjectId, TaskId, ThreadId};
use baton_server::api::advisor::{decision, suggestions};
use baton_server::auth::hash_password_blocking;
use baton_server::scheduler::{ManualClock, Scheduler};
use baton_server::AppState;
use baton_store::{Answer, Command, Envelope, HuddleOn, MessageTarget, NewMember, SqlStore, Store, Viewer};
use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp, ToSpan};

pub(crate) const OWNER_EMAIL: &str = "owner@baton.demo";
pub(crate) const OWNER_PASSWORD: &str = "baton-demo-password";

#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Where the demo goes (must not hold a workspace yet).
    #[command(flatten)]
    place: crate::workspace::Place,
    /// How many members, the owner included (at least 8).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(8..=5000))]
    members: u32,
    /// How many days of history, ending at `--until`.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    days: u32,
    /// Seed of the generator: the same seed gives the same workspace.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The day the history ends (UTC date, exclusive); default today.
    #[arg(long)]
    until: Option<jiff::civil::Date>,
}

pub(crate) struct DemoConfig {
    pub(crate) members: u32,
    pub(crate) days: u32,
    pub(crate) seed: u64,
    pub(crate) until: Timestamp,
}

impl Default for DemoConfig {
    fn default() -> DemoConfig {
        DemoConfig { members: 50, days: 90, seed: 1, until: today_utc() }
    }
}

fn today_utc() -> Timestamp {
    let date = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    date.to_zoned(jiff::tz::TimeZone::UTC).map_or(Timestamp::now(), |z| z.timestamp())
}

pub(crate) struct Login {
    pub(crate) email: String,
    pub(crate) password: String,
}

pub(crate) async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let store = args.place.open().await?;
    let until = match args.until {
        Some(date) => date.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp(),
        None => today_utc(),
    };
    let config = DemoConfig { members: args.members, days: args.days, seed: args.seed, until };
    let login = fill(&store, &config).await?;
    println!(
        "Demo workspace written to {}. Sign in as {} with password {}",
        args.place.describe(),
        login.email,
        login.password
    );
    Ok(())
}

/// Fills an empty store with the demo workspace; returns the owner's login.
pub(crate) async fn fill(store: &SqlStore, config: &DemoConfig) -> anyhow::Result<Login> {
    if store.workspace().await?.is_some() {
        bail!("the data directory (or --database) already holds a workspace; use a new one for the demo");
    }
    let plan = Plan::generate(config)?;
    plan.write(store).await?;
    Ok(Login { email: OWNER_EMAIL.into(), password: OWNER_PASSWORD.into() })
}

/// SplitMix64: tiny, and its output never changes with a dependency's version, so the demo
/// stays the same for a given seed.
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
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FIRST_NAMES: &[&str] = &[
    "ada", "bea", "carl", "dana", "eli", "fatima", "gus", "hana", "ivan", "jun", "kofi", "lena", "mateo", "nina",
    "oskar", "priya", "quinn", "rafa", "sofia", "tariq", "uma", "viktor", "wen", "xena", "yusuf", "zoe", "amir",
    "bruno", "chloe", "dev", "emma", "felix", "gita", "hugo", "isla", "jonas", "kira", "liam", "maya", "noah", "olga",
    "pablo", "rosa", "sam", "tess", "ugo", "vera", "will", "yara", "zane",
];

/// Zones of the demo team: the first three are the `#launch` trio.
const ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Europe/London",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "America/Sao_Paulo",
];

const TOPICS: &[&str] = &[
    "Release checklist",
    "Onboarding flow",
    "Pricing page copy",
    "Flaky CI on main",
    "Q3 roadmap",
    "Customer feedback digest",
    "Design tokens",
    "Incident follow-up",
    "API pagination",
    "Support rota",
    "Search relevance",
    "Billing emails",
    "Accessibility pass",
    "Docs restructure",
    "Hiring loop",
];

const LINES: &[&str] = &[
    "I pushed a draft, have a look when you can.",
    "Looks good to me.",
    "Can we keep the old behaviour behind a flag?",
    "I'll take this one.",
    "Numbers from last week are in the dashboard.",
    "Not sure this covers the mobile case?",
    "Agreed, let's ship it.",
    "Blocked on the review, any volunteers?",
    "Added notes from the call.",
    "What's the deadline for this?",
    "Updated the doc with the decision.",
    "Thanks, that fixed it.",
];

/// One step of the plan, at its time. Keys name things created by earlier steps.
enum Step {
    Thread {
        key: usize,
        channel: usize,
        author: usize,
        title: String,
    },
    Post {
        thread: usize,
        author: usize,
        body: String,
    },
    Resolve {
        thread: usize,
        author: usize,
    },
    Dm {
        key: usize,
        a: usize,
        b: usize,
    },
    DmPost {
        dm: usize,
        author: usize,
        body: String,
    },
    Task {
        key: usize,
        project: usize,
        creator: usize,
        assignee: Option<usize>,
        title: String,
        due: jiff::civil::Date,
    },
    TaskStatus {
        task: usize,
        actor: usize,
        status: TaskStatus,
    },
    TaskComment {
        task: usize,
        author: usize,
        body: String,
    },
    /// A huddle on a thread: the host and guests meet for `minutes`, record a decision and an
    /// action item for `owner`, and end it (summary and task).
    Huddle {
        thread: usize,
        host: usize,
        guests: Vec<usize>,
        minutes: i64,
        decision: String,
        action: String,
        owner: usize,
    },
    /// An answer to the daily #engineering check-in.
    CheckInAnswer {
        member: usize,
        body: String,
    },
    /// The owner reads the advisor and accepts its first "take it live" with a slot.
    AcceptTakeLive,
}

struct Person {
    handle: String,
    zone: &'static str,
    calendar: Calendar,
    role: Role,
}

struct ChannelPlan {
    name: &'static str,
    visibility: Visibility,
    members: Vec<usize>,
}

struct Plan {
    start: Timestamp,
    until: Timestamp,
    /// Who the daily #engineering check-in asks.
    checkin: Vec<usize>,
    people: Vec<Person>,
    channels: Vec<ChannelPlan>,
    projects: Vec<&'static str>,
    steps: Vec<(Timestamp, Step)>,
}

impl Plan {
    fn generate(config: &DemoConfig) -> anyhow::Result<Plan> {
        let mut rng = Rng(config.seed);
        let start = config.until.checked_sub(SignedDuration::from_hours(24 * i64::from(config.days)))?;
        let people = people(config.members as usize)?;
        let everyone: Vec<usize> = (0..people.len()).collect();
        let quinn = people.iter().position(|p| p.handle == "quinn").unwrap_or(people.len() - 1);
        let by_zone =
            |zone: &str| people.iter().enumerate().filter(|(_, p)| p.zone == zone).map(|(i, _)| i).collect::<Vec<_>>();
        let mut launch: Vec<usize> =
            [ZONES[0], ZONES[1], ZONES[2]].iter().flat_map(|z| by_zone(z).into_iter().take(3)).collect();
        launch.retain(|i| *i != quinn);
        let subset = |rng: &mut Rng, percent: u64| -> Vec<usize> {
            everyone.iter().copied().filter(|i| *i == 0 || rng.chance(percent)).collect()
        };
        let channels = vec![
            ChannelPlan { name: "general", visibility: Visibility::Public, members: everyone.clone() },
            ChannelPlan { name: "engineering", visibility: Visibility::Public, members: subset(&mut rng, 50) },
            ChannelPlan { name: "design", visibility: Visibility::Public, members: subset(&mut rng, 30) },
            ChannelPlan { name: "support", visibility: Visibility::Public, members: subset(&mut rng, 40) },
            ChannelPlan { name: "random", visibility: Visibility::Public, members: everyone.clone() },
            ChannelPlan { name: "launch", visibility: Visibility::Public, members: launch.clone() },
            ChannelPlan {
                name: "leadership",
                visibility: Visibility::Private,
                members: people.iter().enumerate().filter(|(_, p)| p.role.is_admin()).map(|(i, _)| i).collect(),
            },
        ];
        let checkin: Vec<usize> =
            channels[1].members.iter().copied().filter(|i| *i != quinn && *i != 0).take(6).collect();
        let mut plan = Plan {
            start,
            until: config.until,
            checkin: checkin.clone(),
            people,
            channels,
            projects: vec!["Website relaunch", "Data migration", "Mobile app"],
            steps: Vec::new(),
        };
        let mut keys = 0..;
        for day in 0..config.days {
            let day_start = start.checked_add(SignedDuration::from_hours(24 * i64::from(day)))?;
            // Ordinary conversations in the everyday channels (never with @quinn).
            for _ in 0..(2 + rng.below(4)) {
                let channel = [0, 1, 2, 3, 4][rng.below(5)];
                let members: Vec<usize> =
                    plan.channels[channel].members.iter().copied().filter(|i| *i != quinn).collect();
                if members.len() < 2 {
                    continue;
                }
                let title = format!("{} #{}", rng.pick(TOPICS), day + 1);
                let turns = 2 + rng.below(5);
                let at = day_start.checked_add(SignedDuration::from_mins(rng.below(24 * 60) as i64))?;
                let key = keys.next().unwrap_or_default();
                let resolve = rng.chance(60);
                plan.conversation(&mut rng, key, channel, &members, title, turns, at, resolve)?;
            }
            // Every tenth day, a #launch thread that bounces across three zones for days.
            if day % 10 == 3 && launch.len() >= 3 {
                let at = day_start.checked_add(SignedDuration::from_hours(8))?;
                let key = keys.next().unwrap_or_default();
                let title = format!("Launch date for region {}", day / 10 + 1);
                let turns = 8 + rng.below(5);
                plan.conversation(&mut rng, key, 5, &launch, title, turns, at, false)?;
            }
            // Every week, the #engineering sync: a thread, then a half-hour huddle on it that
            // ends with a decision and an action item (the async record stays whole).
            if day % 7 == 2 {
                let members: Vec<usize> = plan.channels[1].members.iter().copied().filter(|i| *i != quinn).collect();
                if members.len() >= 3 {
                    let key = keys.next().unwrap_or_default();
                    let at = day_start.checked_add(SignedDuration::from_hours(13))?;
                    let title = format!("Weekly engineering sync #{}", day / 7 + 1);
                    plan.conversation(&mut rng, key, 1, &members, title, 2, at, false)?;
                    let host = members[0];
                    let guests: Vec<usize> = members.iter().copied().skip(1).take(3).collect();
                    let owner = *rng.pick(&guests);
                    let meet = plan.people[host]
                        .calendar
                        .next_working_instant(at.checked_add(SignedDuration::from_hours(3))?)
                        .unwrap_or(at);
                    plan.steps.push((
                        meet,
                        Step::Huddle {
                            thread: key,
                            host,
                            guests,
                            minutes: 30,
                            decision: format!("Ship {} behind a flag", rng.pick(TOPICS)),
                            action: format!("Write the rollout plan for week {}", day / 7 + 1),
                            owner,
                        },
                    ));
                }
            }
            // The daily check-in: most answer at 10:00 their time on their working days.
            let mut answered = std::collections::HashSet::new();
            for member in &checkin {
                // 10:00 on the member's local date around this UTC day's noon, if they work then.
                let calendar = &plan.people[*member].calendar;
                let noon = day_start.checked_add(SignedDuration::from_hours(12))?;
                let date = noon.to_zoned(calendar.zone().clone()).date();
                if calendar.hours().on(date.weekday()).is_empty() {
                    continue;
                }
                let ten = calendar.zone().to_timestamp(date.to_datetime(jiff::civil::time(10, 0, 0, 0)))?;
                if !answered.insert((*member, ten)) {
                    continue;
                }
                if rng.chance(75) {
                    let body = if rng.chance(15) {
                        format!("Working on {}; blocked by a review.", rng.pick(TOPICS))
                    } else {
                        format!("Yesterday: {}. Today: {}.", rng.pick(TOPICS), rng.pick(TOPICS))
                    };
                    plan.steps.push((ten, Step::CheckInAnswer { member: *member, body }));
                }
            }
            // @quinn posts in #random; nobody answers.
            if day % 5 == 1 {
                let key = keys.next().unwrap_or_default();
                let at = plan.people[quinn].calendar.next_working_instant(day_start).unwrap_or(day_start);
                plan.steps.push((
                    at,
                    Step::Thread { key, channel: 4, author: quinn, title: format!("Idea from quinn #{}", day + 1) },
                ));
                plan.steps.push((
                    at,
                    Step::Post {
                        thread: key,
                        author: quinn,
                        body: "Has anyone tried pairing on the onboarding flow?".into(),
                    },
                ));
            }
            // Direct messages between random colleagues.
            if rng.chance(70) {
                let a = 1 + rng.below(plan.people.len() - 1);
                let b = 1 + rng.below(plan.people.len() - 1);
                if a != b && a != quinn && b != quinn {
                    let key = keys.next().unwrap_or_default();
                    let mut at = day_start.checked_add(SignedDuration::from_mins(rng.below(24 * 60) as i64))?;
                    plan.steps.push((at, Step::Dm { key, a, b }));
                    for turn in 0..(1 + rng.below(4)) {
                        let author = if turn % 2 == 0 { a } else { b };
                        at = plan.people[author].calendar.next_working_instant(at).unwrap_or(at);
                        plan.steps.push((at, Step::DmPost { dm: key, author, body: rng.pick(LINES).to_string() }));
                        at = at.checked_add(SignedDuration::from_mins(5 + rng.below(180) as i64))?;
                    }
                }
            }
            // Tasks: most projects move; "Data migration" (project 1) stops moving three weeks
            // before the end.
            {
                plan.task(&mut rng, &mut keys, day, config.days, day_start, quinn)?;
            }
        }
        // Five days before the end, the owner takes the advisor's advice on a bouncing thread.
        if config.days >= 14 {
            let at = config.until.checked_sub(SignedDuration::from_hours(24 * 5))?;
            let at = plan.people[0].calendar.next_working_instant(at).unwrap_or(at);
            plan.steps.push((at, Step::AcceptTakeLive));
        }
        plan.steps.sort_by_key(|(at, _)| *at);
        // The history ends at `--until`: replies that would come later have not happened yet.
        plan.steps.retain(|(at, _)| *at < config.until);
        Ok(plan)
    }

    /// A thread of `turns` turns among `members`, each reply at the responder's next working
    /// moment after a pause, optionally resolved at the end.
    #[allow(clippy::too_many_arguments)]
    fn conversation(
        &mut self,
        rng: &mut Rng,
        key: usize,
        channel: usize,
        members: &[usize],
        title: String,
        turns: usize,
        at: Timestamp,
        resolve: bool,
    ) -> anyhow::Result<()> {
        let mut author = *rng.pick(members);
        let mut at = self.people[author].calendar.next_working_instant(at).unwrap_or(at);
        self.steps.push((at, Step::Thread { key, channel, author, title }));
        for turn in 0..turns {
            for _ in 0..(1 + usize::from(rng.chance(25))) {
                let mut body = rng.pick(LINES).to_string();
                if turn + 1 < turns && rng.chance(30) {
                    let other = rng.pick(members);
                    if *other != author {
                        body = format!("@{} {body}", self.people[*other].handle);
                    }
                }
                self.steps.push((at, Step::Post { thread: key, author, body }));
                at = at.checked_add(SignedDuration::from_mins(1 + rng.below(10) as i64))?;
            }
            let mut next = *rng.pick(members);
            if next == author {
                next = members[(members.iter().position(|m| *m == author).unwrap_or(0) + 1) % members.len()];
            }
            author = next;
            let pause = SignedDuration::from_mins(10 + rng.below(6 * 60) as i64);
            at = at.checked_add(pause)?;
            at = self.people[author].calendar.next_working_instant(at).unwrap_or(at);
            // Nobody answers at the very first second of their day.
            at = at.checked_add(SignedDuration::from_mins(5 + rng.below(90) as i64))?;
        }
        if resolve {
            self.steps.push((at, Step::Resolve { thread: key, author }));
        }
        Ok(())
    }

    fn task(
        &mut self,
        rng: &mut Rng,
        keys: &mut std::ops::RangeFrom<usize>,
        day: u32,
        days: u32,
        day_start: Timestamp,
        quinn: usize,
    ) -> anyhow::Result<()> {
        let project = rng.below(self.projects.len());
        let stalls = project == 1 && day + 21 >= days;
        let key = keys.next().unwrap_or_default();
        // The last person is the guest, who sees no projects.
        let n_staff = self.people.len() - 2;
        let creator = 1 + rng.below(n_staff);
        let assignee = (!rng.chance(10)).then(|| 1 + rng.below(n_staff)).filter(|a| *a != quinn);
        let due_in = 3 + rng.below(14) as i64;
        let created = self.people[creator].calendar.next_working_instant(day_start).unwrap_or(day_start);
        let due = created.to_zoned(jiff::tz::TimeZone::UTC).date().checked_add(due_in.days())?;
        let title = format!("{} step {}", self.projects[project], day / 2 + 1);
        self.steps.push((created, Step::Task { key, project, creator, assignee, title, due }));
        if day + 7 >= days && rng.chance(40) {
            return Ok(()); // fresh backlog: not started yet
        }
        let actor = assignee.unwrap_or(creator);
        let mut at = created.checked_add(SignedDuration::from_hours(2 + rng.below(48) as i64))?;
        self.steps.push((at, Step::TaskStatus { task: key, actor, status: TaskStatus::InProgress }));
        self.steps.push((at, Step::TaskComment { task: key, author: actor, body: "Started on this.".into() }));
        if stalls {
            if rng.chance(30) {
                self.steps.push((at, Step::TaskStatus { task: key, actor, status: TaskStatus::Blocked }));
            }
            return Ok(());
        }
        at = at.checked_add(SignedDuration::from_hours(4 + rng.below(24 * (due_in as usize + 4)) as i64))?;
        let end_status = match rng.below(10) {
            0 => TaskStatus::Cancelled,
            1 if project == 1 => TaskStatus::Blocked,
            _ => TaskStatus::Done,
        };
        let end = self.start.checked_add(SignedDuration::from_hours(24 * i64::from(days)))?;
        if at < end {
            self.steps.push((at, Step::TaskComment { task: key, author: creator, body: "Any news on this?".into() }));
            self.steps.push((at, Step::TaskStatus { task: key, actor, status: end_status }));
        } else {
            // Still under way at the end of the history, but moving: a recent update, so that
            // only the data migration reads as stalled.
            let recent = end.checked_sub(SignedDuration::from_hours(2 + rng.below(20) as i64))?;
            if recent > created {
                self.steps.push((
                    recent,
                    Step::TaskComment { task: key, author: actor, body: "Progress update: nearly there.".into() },
                ));
            }
        }
        Ok(())
    }

    async fn write(&self, store: &SqlStore) -> anyhow::Result<()> {
        let owner = &self.people[0];
        let setup_at = self.start.checked_sub(SignedDuration::from_hours(24))?;
        let password_hash = hash_password_blocking(OWNER_PASSWORD).map_err(|e| anyhow::anyhow!("cannot hash: {e}"))?;
        let setup = Command::Setup {
            workspace_name: "Baton demo".into(),
            time_zone: "UTC".into(),
            owner: new_member(owner, OWNER_EMAIL.into(), Some(password_hash.clone())),
        };
        let created = store.execute(Envelope::system(setup_at, setup)).await?;
        let mut ids = vec![created.into_set_up()?.member.id];
        let viewer =
            |ids: &[MemberId], idx: usize, people: &[Person]| Viewer { member: ids[idx], role: people[idx].role };
        let admin = viewer(&ids, 0, &self.people);
        let adds = self.people[1..].iter().map(|person| {
            let member = new_member(person, format!("{}@baton.demo", person.handle), Some(password_hash.clone()));
            store.execute(Envelope::new(admin, setup_at, Command::AddMember { member, invite: None }))
        });
        for added in join_all(adds).await {
            ids.push(added?.into_member_added()?.member.id);
        }
        let mut channels = Vec::new();
        for plan in &self.channels {
            let members = plan.members.iter().map(|i| ids[*i]).collect();
            let command = Command::CreateChannel {
                name: plan.name.into(),
                visibility: plan.visibility,
                topic: String::new(),
                members,
            };
            channels.push(ChannelId(id_of(&store.execute(Envelope::new(admin, setup_at, command)).await?)?));
        }
        // #support promises replies within 2 working hours (the workspace's default is 4).
        let norm = Command::SetNorm { channel: Some(channels[3]), reply_within_minutes: Some(120) };
        store.execute(Envelope::new(admin, setup_at, norm)).await?;
        // The daily #engineering check-in, asked at 09:30 in each member's own time.
        let checkin = Command::CreateCheckIn {
            channel: channels[1],
            title: "Engineering daily".into(),
            questions: vec!["What did you get done?".into(), "What is next?".into(), "Anything blocking you?".into()],
            ask_at: jiff::civil::time(9, 30, 0, 0),
            digest_at: jiff::civil::time(16, 0, 0, 0),
            members: self.checkin.iter().map(|i| ids[*i]).collect(),
            cadence: baton_core::model::Cadence::default(),
        };
        let checkin = id_of(&store.execute(Envelope::new(admin, setup_at, checkin)).await?)?;
        // Timed work (check-in asks and digests, held notifications, reminders) fires at its
        // time in the demo's history, as a running server would have fired it.
        let clock = Arc::new(ManualClock::new(setup_at));
        let scheduler = Scheduler::new(Arc::new(store.clone()), clock.clone());
        let mut next_tick = setup_at;
        let advisor = AppState::new(Arc::new(store.clone())).with_clock(clock.clone());
        let viewers: HashMap<MemberId, Viewer> =
            ids.iter().zip(&self.people).map(|(id, p)| (*id, Viewer { member: *id, role: p.role })).collect();
        let mut later = Later::default();
        let mut projects = Vec::new();
        for name in &self.projects {
            let command = Command::CreateProject { name: (*name).into(), description: String::new() };
            projects.push(ProjectId(id_of(&store.execute(Envelope::new(admin, setup_at, command)).await?)?));
        }
        let mut threads: HashMap<usize, ThreadId> = HashMap::new();
        let mut dms: HashMap<usize, DmId> = HashMap::new();
        let mut tasks: HashMap<usize, (TaskId, ThreadId)> = HashMap::new();
        let mut pending = Vec::new();
        let mut pending_keys: Vec<Created> = Vec::new();
        for (at, step) in &self.steps {
            if later.due(*at) {
                flush(&mut pending, &mut pending_keys, &mut threads, &mut dms, &mut tasks).await?;
                later.run(store, &clock, &scheduler, *at, &viewers).await?;
            }
            if *at >= next_tick || matches!(step, Step::CheckInAnswer { .. }) {
                flush(&mut pending, &mut pending_keys, &mut threads, &mut dms, &mut tasks).await?;
                clock.set(*at);
                scheduler.run_due().await?;
                next_tick = at.checked_add(SignedDuration::from_mins(15))?;
            }
            let needs = match step {
                Step::Post { thread, .. } | Step::Resolve { thread, .. } | Step::Huddle { thread, .. } => {
                    Created::Thread(*thread)
                }
                Step::DmPost { dm, .. } => Created::Dm(*dm),
                Step::TaskStatus { task, .. } | Step::TaskComment { task, .. } => Created::Task(*task),
                _ => Created::Nothing,
            };
            // A step that needs something still in flight waits for the group before it.
            if pending_keys.contains(&needs) || pending.len() >= 256 {
                flush(&mut pending, &mut pending_keys, &mut threads, &mut dms, &mut tasks).await?;
            }
            let as_member = |idx: usize| viewer(&ids, idx, &self.people);
            if let Step::Huddle { thread, host, guests, minutes, decision, action, owner } = step {
                // A huddle's steps depend on each other: they run in order, after what is in flight.
                flush(&mut pending, &mut pending_keys, &mut threads, &mut dms, &mut tasks).await?;
                let Some(thread) = threads.get(thread) else { continue };
                let start = Command::StartHuddle {
                    on: HuddleOn::Thread(*thread),
                    title: None,
                    call_link: Some("https://meet.example.com/engineering".into()),
                    agenda: "Open questions from the thread".into(),
                    invite: guests.iter().map(|g| ids[*g]).collect(),
                    project: Some(projects[2]),
                    join: true,
                    opens_at: None,
                };
                let huddle = HuddleId(id_of(&store.execute(Envelope::new(as_member(*host), *at, start)).await?)?);
                for guest in guests {
                    store.execute(Envelope::new(as_member(*guest), *at, Command::JoinHuddle { id: huddle })).await?;
                }
                let middle = at.checked_add(SignedDuration::from_mins(*minutes / 2))?;
                let decide = Command::RecordDecision { id: huddle, text: decision.clone() };
                store.execute(Envelope::new(as_member(*host), middle, decide)).await?;
                let due = middle.to_zoned(jiff::tz::TimeZone::UTC).date().checked_add(jiff::ToSpan::days(7))?;
                let item = Command::AddActionItem {
                    id: huddle,
                    title: action.clone(),
                    assignee: Some(ids[*owner]),
                    due: Some(due),
                };
                store.execute(Envelope::new(as_member(*host), middle, item)).await?;
                let end = at.checked_add(SignedDuration::from_mins(*minutes))?;
                let ended = store
                    .execute(Envelope::new(as_member(*host), end, Command::EndHuddle { id: huddle }))
                    .await?
                    .into_huddle()?;
                later.progress_action_items(&ended, end, &viewers)?;
                continue;
            }
            if let Step::AcceptTakeLive = step {
                flush(&mut pending, &mut pending_keys, &mut threads, &mut dms, &mut tasks).await?;
                clock.set(*at);
                scheduler.run_due().await?;
                later.accept_take_live(store, &advisor, as_member(0), *at, &viewers).await?;
                continue;
            }
            let (author, command, creates) = match step {
                Step::Thread { key, channel, author, title } => {
                    let command = Command::CreateThread {
                        home: channels[*channel].into(),
                        title: title.clone(),
                        // #design settles its questions in threads: resolved, each is a
                        // decision made in a thread (the mode mix counts them).
                        tags: if self.channels[*channel].name == "design" {
                            vec!["decision".into()]
                        } else {
                            Vec::new()
                        },
                        body: None,
                    };
                    (*author, command, Created::Thread(*key))
                }
                Step::Post { thread, author, body } => {
                    let Some(thread) = threads.get(thread) else { continue };
                    let command = Command::PostMessage {
                        target: MessageTarget::Thread(*thread),
                        text: MessageText::new(body.clone()),
                        urgent: false,
                    };
                    (*author, command, Created::Nothing)
                }
                Step::Resolve { thread, author } => {
                    let Some(thread) = threads.get(thread) else { continue };
                    (
                        *author,
                        Command::UpdateThread { id: *thread, title: None, tags: None, resolved: Some(true) },
                        Created::Nothing,
                    )
                }
                Step::Dm { key, a, b } => {
                    (*a, Command::OpenDm { members: vec![ids[*b]], export_name: None }, Created::Dm(*key))
                }
                Step::DmPost { dm, author, body } => {
                    let Some(dm) = dms.get(dm) else { continue };
                    let command = Command::PostMessage {
                        target: MessageTarget::Dm(*dm),
                        text: MessageText::new(body.clone()),
                        urgent: false,
                    };
                    (*author, command, Created::Nothing)
                }
                Step::Task { key, project, creator, assignee, title, due } => {
                    let command = Command::CreateTask {
                        project: projects[*project],
                        title: title.clone(),
                        description: String::new(),
                        assignee: assignee.map(|a| ids[a]),
                        status: TaskStatus::Todo,
                        due: Some(*due),
                        priority: if key % 7 == 0 { Priority::High } else { Priority::Normal },
                    };
                    (*creator, command, Created::Task(*key))
                }
                Step::TaskStatus { task, actor, status } => {
                    let Some((task, _)) = tasks.get(task) else { continue };
                    (*actor, task_status(*task, *status), Created::Nothing)
                }
                Step::TaskComment { task, author, body } => {
                    let Some((_, thread)) = tasks.get(task) else { continue };
                    let command = Command::PostMessage {
                        target: MessageTarget::Thread(*thread),
                        text: MessageText::new(body.clone()),
                        urgent: false,
                    };
                    (*author, command, Created::Nothing)
                }
                Step::Huddle { .. } | Step::AcceptTakeLive => continue,
                Step::CheckInAnswer { member, body } => {
                    (*member, Command::AnswerCheckIn { id: checkin, body: body.clone() }, Created::Nothing)
                }
            };
            pending.push(store.execute(Envelope::new(as_member(author), *at, command)));
            pending_keys.push(creates);
        }
        flush(&mut pending, &mut pending_keys, &mut threads, &mut dms, &mut tasks).await?;
        later.run(store, &clock, &scheduler, self.until, &viewers).await?;
        clock.set(self.until);
        scheduler.run_due().await?;
        Ok(())
    }
}

/// Commands whose time is only known while the history is written (a huddle at the slot the
/// advisor proposes, progress on the tasks a huddle created), run in time order among the plan's
/// steps.
#[derive(Default)]
struct Later {
    queue: Vec<(Timestamp, Viewer, Command)>,
}

impl Later {
    fn push(&mut self, at: Timestamp, viewer: Viewer, command: Command) {
        self.queue.push((at, viewer, command));
        // Stable, so commands pushed for one instant keep their order.
        self.queue.sort_by_key(|(at, ..)| *at);
    }

    /// Whether something is due before `at`.
    fn due(&self, at: Timestamp) -> bool {
        self.queue.first().is_some_and(|(first, ..)| *first < at)
    }

    /// Runs what is due before `until`, each at its own time, with the scheduler brought up to
    /// that time first.
    async fn run(
        &mut self,
        store: &SqlStore,
        clock: &ManualClock,
        scheduler: &Scheduler,
        until: Timestamp,
        viewers: &HashMap<MemberId, Viewer>,
    ) -> anyhow::Result<()> {
        while self.due(until) {
            let (at, viewer, command) = self.queue.remove(0);
            clock.set(at);
            scheduler.run_due().await?;
            let ends_huddle = matches!(command, Command::EndHuddle { .. });
            let result = store.execute(Envelope::new(viewer, at, command)).await?;
            if ends_huddle {
                self.progress_action_items(&result.into_huddle()?, at, viewers)?;
            }
        }
        Ok(())
    }

    /// The tasks an ended huddle made of its action items: their assignee starts the next day
    /// and finishes two days later.
    fn progress_action_items(
        &mut self,
        huddle: &Huddle,
        ended: Timestamp,
        viewers: &HashMap<MemberId, Viewer>,
    ) -> anyhow::Result<()> {
        for item in &huddle.action_items {
            let (Some(task), Some(assignee)) = (item.task_id, item.assignee_id) else {
                continue;
            };
            let Some(viewer) = viewers.get(&assignee) else { continue };
            for (days, status) in [(1, TaskStatus::InProgress), (3, TaskStatus::Done)] {
                let at = ended.checked_add(SignedDuration::from_hours(24 * days))?;
                self.push(at, *viewer, task_status(task, status));
            }
        }
        Ok(())
    }

    /// Accepts the advisor's first "take it live" that has a slot, as `owner` at `at`; everyone
    /// invited joins at the slot, the first of them records a decision and an action item for
    /// the second, ends it when the slot ends and resolves the thread.
    async fn accept_take_live(
        &mut self,
        store: &SqlStore,
        advisor: &AppState,
        owner: Viewer,
        at: Timestamp,
        viewers: &HashMap<MemberId, Viewer>,
    ) -> anyhow::Result<()> {
        let as_of = at.to_string();
        let open = suggestions(advisor, owner, Some(&as_of)).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let Some((key, [start, end])) =
            open.iter().find_map(|s| Some((s.key.clone(), s.slot?)).filter(|_| s.kind == "take_live"))
        else {
            return Ok(());
        };
        let command = decision(advisor, owner, &key, Some(&as_of), true).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let accepted = store.execute(Envelope::new(owner, at, command)).await?.into_advice()?;
        // What accepting made is shown as the API shows it; the huddle is read back whole.
        let made: Huddle =
            serde_json::from_value(accepted.created["huddle"].clone()).context("accepting made no huddle")?;
        let huddle = made.id;
        let invited: Vec<Viewer> = made.invited.iter().filter_map(|id| viewers.get(id).copied()).collect();
        let (Some(lead), Some(owner_of_item)) = (invited.first().copied(), invited.get(1).or(invited.first())) else {
            return Ok(());
        };
        for viewer in &invited {
            self.push(start, *viewer, Command::JoinHuddle { id: huddle });
        }
        let middle = start.checked_add(end.duration_since(start) / 2)?;
        let decide =
            Command::RecordDecision { id: huddle, text: "Launch on the first date that suits all regions".into() };
        self.push(middle, lead, decide);
        let due = middle.to_zoned(jiff::tz::TimeZone::UTC).date().checked_add(3.days())?;
        let item = Command::AddActionItem {
            id: huddle,
            title: "Announce the launch date in #general".into(),
            assignee: Some(owner_of_item.member),
            due: Some(due),
        };
        self.push(middle, lead, item);
        self.push(end, lead, Command::EndHuddle { id: huddle });
        // Settled live, the thread is resolved: it stops bouncing.
        let resolve = Command::UpdateThread { id: made.thread_id, title: None, tags: None, resolved: Some(true) };
        self.push(end, lead, resolve);
        Ok(())
    }
}

fn task_status(id: TaskId, status: TaskStatus) -> Command {
    Command::UpdateTask {
        id,
        title: None,
        description: None,
        assignee: None,
        status: Some(status),
        due: None,
        priority: None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Created {
    Nothing,
    Thread(usize),
    Dm(usize),
    Task(usize),
}

/// Waits for the commands in flight and records the ids of what they created.
async fn flush<F>(
    pending: &mut Vec<F>,
    pending_keys: &mut Vec<Created>,
    threads: &mut HashMap<usize, ThreadId>,
    dms: &mut HashMap<usize, DmId>,
    tasks: &mut HashMap<usize, (TaskId, ThreadId)>,
) -> anyhow::Result<()>
where
    F: std::future::Future<Output = baton_store::Result<Answer>>,
{
    let answers = join_all(pending.drain(..)).await;
    for (answer, created) in answers.into_iter().zip(pending_keys.drain(..)) {
        let value = answer?;
        match created {
            Created::Nothing => {}
            Created::Thread(key) => {
                threads.insert(key, ThreadId(id_of(&value)?));
            }
            Created::Dm(key) => {
                dms.insert(key, DmId(id_of(&value)?));
            }
            Created::Task(key) => {
                let task = value.into_task()?;
                tasks.insert(key, (task.id, task.thread_id));
            }
        }
    }
    Ok(())
}

fn id_of(answer: &Answer) -> anyhow::Result<i64> {
    answer.id().with_context(|| format!("the store answered without an id: {answer:?}"))
}

fn new_member(person: &Person, email: String, password_hash: Option<String>) -> NewMember {
    NewMember {
        handle: person.handle.clone(),
        email,
        display_name: capitalize(&person.handle),
        role: person.role,
        time_zone: person.zone.into(),
        working_hours: person.calendar.hours().clone(),
        password_hash,
        service: false,
    }
}

fn capitalize(handle: &str) -> String {
    let mut chars = handle.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// The team: handles from the name list (numbered past its end), zones in rotation, the owner
/// and two admins, one guest.
fn people(n_members: usize) -> anyhow::Result<Vec<Person>> {
    let mut people = Vec::with_capacity(n_members);
    for idx in 0..n_members {
        let base = FIRST_NAMES[idx % FIRST_NAMES.len()];
        let handle =
            if idx < FIRST_NAMES.len() { base.to_string() } else { format!("{base}{}", idx / FIRST_NAMES.len()) };
        let zone = ZONES[idx % ZONES.len()];
        let role = match idx {
            0 => Role::Owner,
            1 | 2 => Role::Admin,
            _ if idx == n_members - 1 => Role::Guest,
            _ => Role::Member,
        };
        let calendar = Calendar::new(parse_time_zone(zone)?, WorkingHours::default());
        people.push(Person { handle, zone, calendar, role });
    }
    Ok(people)
}

#[cfg(test)]
mod tests;
