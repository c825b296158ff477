//! `gen --messages N --out DIR [--seed S]`: writes a deterministic synthetic workspace as CSV
//! files (see the crate docs for their columns): people in several time zones, threads,
//! direct and channel timelines, and tasks with their history, spread over 2025.
//!
//! Shape: most threads have 1–30 messages, some a few hundred; timelines run long. Authors
//! alternate with bursts (the same author posting again within minutes); replies come after
//! anything from seconds to weeks, and most messages are moved into their author's working hours
//! while some stay at night or on weekends. People belong to teams of eight that mostly share a
//! zone; each team has a channel and a project. The same arguments always give the same files.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use baton_bench_insights::{Rng, DAY_US, HOUR_US, MINUTE_US, SECOND_US, YEAR_END_US, YEAR_START_US};
use baton_core::calendar::parse_time_zone;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Zones and their shares of teams.
const ZONES: [(&str, f64); 8] = [
    ("Europe/Berlin", 0.25),
    ("America/New_York", 0.22),
    ("Asia/Kolkata", 0.15),
    ("Australia/Sydney", 0.10),
    ("UTC", 0.10),
    ("Europe/London", 0.06),
    ("America/Los_Angeles", 0.07),
    ("America/Sao_Paulo", 0.05),
];
const TEAM_SIZE: usize = 8;

struct Args {
    messages: u64,
    out: PathBuf,
    seed: u64,
}

fn parse_args() -> Result<Args> {
    let mut messages = None;
    let mut out = None;
    let mut seed = 42;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--messages" => messages = Some(value()?.replace('_', "").parse()?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--seed" => seed = value()?.parse()?,
            _ => bail!("usage: gen --messages N --out DIR [--seed S]"),
        }
    }
    let (Some(messages), Some(out)) = (messages, out) else { bail!("usage: gen --messages N --out DIR [--seed S]") };
    Ok(Args { messages, out, seed })
}

struct Person {
    zone: usize,
    /// Talks only in one direct conversation with one buddy (so has one collaborator).
    loner: bool,
    /// Relative activity: how likely they are picked as a participant.
    weight: f64,
}

struct World {
    zones: Vec<TimeZone>,
    people: Vec<Person>,
    /// Members of each team.
    team_members: Vec<Vec<usize>>,
    /// Members of each team's channel: the team plus a few people from elsewhere.
    channel_members: Vec<Vec<usize>>,
}

impl World {
    fn new(n_people: usize, rng: &mut Rng) -> Result<World> {
        let zones = ZONES.iter().map(|(name, _)| parse_time_zone(name)).collect::<Result<Vec<_>, _>>()?;
        let pick_zone = |rng: &mut Rng| {
            let mut u = rng.unit();
            for (idx, (_, share)) in ZONES.iter().enumerate() {
                if u < *share {
                    return idx;
                }
                u -= share;
            }
            0
        };
        let n_teams = n_people.div_ceil(TEAM_SIZE);
        let team_zones: Vec<usize> = (0..n_teams).map(|_| pick_zone(rng)).collect();
        let people = (0..n_people)
            .map(|idx| {
                let team = idx / TEAM_SIZE;
                let zone = if rng.chance(0.75) { team_zones[team] } else { pick_zone(rng) };
                // A few people never post, a few only talk with one buddy, a few hardly ever post,
                // and a few post a lot.
                let kind = rng.unit();
                let weight = if kind < 0.05 {
                    0.0
                } else if kind < 0.10 {
                    0.03
                } else {
                    0.2 + 3.0 * rng.unit().powi(3)
                };
                Person { zone, loner: kind < 0.03, weight }
            })
            .collect();
        let channel_members = (0..n_teams)
            .map(|team| {
                let mut members: Vec<usize> = (team * TEAM_SIZE..((team + 1) * TEAM_SIZE).min(n_people)).collect();
                for _ in 0..4 {
                    let other = rng.below(n_people as u64) as usize;
                    if !members.contains(&other) {
                        members.push(other);
                    }
                }
                members
            })
            .collect();
        let team_members =
            (0..n_teams).map(|team| (team * TEAM_SIZE..((team + 1) * TEAM_SIZE).min(n_people)).collect()).collect();
        Ok(World { zones, people, team_members, channel_members })
    }

    /// `k` distinct people from `pool` (fewer when the pool is smaller), weighted by activity;
    /// `first`, when given, comes first.
    fn pick(&self, pool: &[usize], k: usize, first: Option<usize>, rng: &mut Rng) -> Vec<usize> {
        let mut chosen: Vec<usize> = first.into_iter().collect();
        let total: f64 = pool.iter().map(|&p| self.people[p].weight).sum();
        let Some(&last) = pool.iter().rev().find(|&&p| self.people[p].weight > 0.0) else { return chosen };
        let mut attempts = 0;
        while chosen.len() < k.min(pool.len()) && attempts < 64 {
            attempts += 1;
            let mut u = rng.unit() * total;
            let mut pick = last;
            for &p in pool {
                u -= self.people[p].weight;
                if u < 0.0 && self.people[p].weight > 0.0 {
                    pick = p;
                    break;
                }
            }
            if !chosen.contains(&pick) {
                chosen.push(pick);
            }
        }
        chosen
    }

    fn zone_of(&self, person: usize) -> &TimeZone {
        &self.zones[self.people[person].zone]
    }

    /// `t` itself when it is inside the person's working hours (Mon–Fri 09:00–17:00 local),
    /// else a random instant in the first three hours of their next working day.
    fn in_working_hours(&self, t: i64, person: usize, rng: &mut Rng) -> i64 {
        let zone = self.zone_of(person);
        let Ok(at) = Timestamp::from_microsecond(t) else { return t };
        let local = zone.to_datetime(at);
        let weekday = local.weekday().to_monday_zero_offset();
        if weekday < 5 && (9..17).contains(&local.hour()) {
            return t;
        }
        let mut date = local.date();
        if weekday >= 5 || local.hour() >= 17 {
            date = date.tomorrow().unwrap_or(date);
        }
        while date.weekday().to_monday_zero_offset() >= 5 {
            date = date.tomorrow().unwrap_or(date);
        }
        let start = zone.to_ambiguous_timestamp(date.at(9, 0, 0, 0)).compatible().map_or(t, |s| s.as_microsecond());
        start + rng.range(0, 3 * HOUR_US)
    }
}

/// The wait before a reply: mostly minutes to hours, sometimes days or weeks.
fn reply_gap(rng: &mut Rng) -> i64 {
    let u = rng.unit();
    if u < 0.45 {
        rng.range(30 * SECOND_US, 30 * MINUTE_US)
    } else if u < 0.75 {
        rng.range(30 * MINUTE_US, 4 * HOUR_US)
    } else if u < 0.92 {
        rng.range(4 * HOUR_US, DAY_US)
    } else if u < 0.98 {
        rng.range(DAY_US, 5 * DAY_US)
    } else {
        rng.range(5 * DAY_US, 20 * DAY_US)
    }
}

struct Writers {
    conversations: BufWriter<File>,
    messages: BufWriter<File>,
    n_conversations: usize,
    n_messages: u64,
}

impl Writers {
    /// Writes one conversation and its `size` messages among `participants` (the first one
    /// starts it at `start`, before moving into working hours); returns the last message's time.
    #[allow(clippy::too_many_arguments)]
    fn conversation(
        &mut self,
        world: &World,
        rng: &mut Rng,
        kind: &str,
        channel: &str,
        title: &str,
        direct: bool,
        participants: &[usize],
        size: u64,
        start: i64,
    ) -> Result<usize> {
        anyhow::ensure!(!participants.is_empty(), "a conversation needs someone to talk");
        let idx = self.n_conversations;
        self.n_conversations += 1;
        // Long conversations reply faster, so that most of them fit in the year.
        let pace = if size > 30 { (30.0 / size as f64).max(0.01) } else { 1.0 };
        let mut author = participants[0];
        let mut t = if rng.chance(0.85) { world.in_working_hours(start, author, rng) } else { start };
        let first_at = t;
        for i in 0..size {
            if i > 0 {
                if participants.len() < 2 || rng.chance(0.3) {
                    // A burst: the same author again, now and then at the very same microsecond.
                    if !rng.chance(0.02) {
                        t += rng.range(5 * SECOND_US, 5 * MINUTE_US);
                    }
                } else {
                    let others: Vec<usize> = participants.iter().copied().filter(|&p| p != author).collect();
                    author = others[rng.below(others.len() as u64) as usize];
                    t += ((reply_gap(rng) as f64) * pace) as i64 + 1;
                    if rng.chance(0.85) {
                        t = world.in_working_hours(t, author, rng);
                    }
                }
            }
            // Ids are unique but not in time order, so ties at one instant are ordered by a
            // scrambled id (odd multiplier: a bijection on 48-bit values).
            let id = (self.n_messages.wrapping_mul(0x9E37_79B9_7F4B) & ((1 << 48) - 1)) + 1;
            self.n_messages += 1;
            writeln!(
                self.messages,
                "{id},{idx},{author},{t},{},{}",
                u8::from(rng.chance(0.08)),
                u8::from(rng.chance(0.25))
            )?;
        }
        let resolved_at = if kind == "thread" && rng.chance(0.35) {
            (t.max(first_at) + rng.range(0, 2 * DAY_US)).to_string()
        } else {
            String::new()
        };
        writeln!(self.conversations, "{idx},{kind},{channel},{title},{},{resolved_at}", u8::from(direct))?;
        Ok(idx)
    }
}

fn create(dir: &std::path::Path, name: &str, header: &str) -> Result<BufWriter<File>> {
    let path = dir.join(name);
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).with_context(|| format!("{}", path.display()))?);
    writeln!(w, "{header}")?;
    Ok(w)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.out)?;
    let mut rng = Rng::new(args.seed);
    let n_people = (args.messages / 5_000).clamp(24, 5_000) as usize;
    let world = World::new(n_people, &mut rng)?;
    let n_teams = world.channel_members.len();

    let mut people = create(&args.out, "people.csv", "idx,handle,time_zone")?;
    for (idx, person) in world.people.iter().enumerate() {
        writeln!(people, "{idx},user{idx:05},{}", ZONES[person.zone].0)?;
    }
    people.flush()?;

    let mut out = Writers {
        conversations: create(&args.out, "conversations.csv", "idx,kind,channel,title,direct,resolved_at")?,
        messages: create(&args.out, "messages.csv", "id,conversation,author,at,mentions_other,ends_with_question")?,
        n_conversations: 0,
        n_messages: 0,
    };
    let mut tasks = create(&args.out, "tasks.csv", "id,project,created_at,status,assignee,due,conversation")?;
    let mut changes = create(&args.out, "task_changes.csv", "task,seq,at,kind,value")?;

    // Tasks first: one per 50 messages, in the team projects, some with a discussion thread.
    let n_tasks = args.messages / 50;
    let year = YEAR_END_US - YEAR_START_US;
    for task_id in 1..=n_tasks as i64 {
        let team = rng.below(n_teams as u64) as usize;
        let project = format!("proj-{team:04}");
        let team_members = &world.team_members[team];
        let created = rng.range(YEAR_START_US - 20 * DAY_US, YEAR_END_US - DAY_US);
        let assignee =
            if rng.chance(0.88) { world.pick(team_members, 1, None, &mut rng).first().copied() } else { None };
        let due_of = |at: i64| Timestamp::from_microsecond(at).map(|t| t.to_zoned(TimeZone::UTC).date());
        let due = if rng.chance(0.7) { Some(due_of(created + rng.range(DAY_US, 30 * DAY_US))?) } else { None };
        let conversation = if out.n_messages < args.messages && assignee.is_some() && rng.chance(0.6) {
            let size = (1 + (-rng.unit().max(1e-12).ln() * 4.0) as u64).min(40).min(args.messages - out.n_messages);
            let k = 2 + rng.below(3) as usize;
            let participants = world.pick(&world.channel_members[team], k, assignee, &mut rng);
            let start = created + rng.range(MINUTE_US, 2 * DAY_US);
            let title = format!("task-{task_id}");
            Some(out.conversation(&world, &mut rng, "thread", &project, &title, false, &participants, size, start)?)
        } else {
            None
        };
        let opt = |v: Option<String>| v.unwrap_or_default();
        writeln!(
            tasks,
            "{task_id},{project},{created},todo,{},{},{}",
            opt(assignee.map(|a| a.to_string())),
            opt(due.map(|d| d.to_string())),
            opt(conversation.map(|c| c.to_string()))
        )?;

        // Its history, in time order.
        let worker = assignee.unwrap_or(team_members[0]);
        let mut t = created;
        let mut seq = 0;
        let mut change = |t: &mut i64, kind: &str, value: String, rng: &mut Rng| -> Result<()> {
            *t = world.in_working_hours(*t + rng.log_uniform(1, 120) as i64 * HOUR_US / 2, worker, rng);
            seq += 1;
            writeln!(changes, "{task_id},{seq},{},{kind},{value}", *t).map_err(Into::into)
        };
        if rng.chance(0.85) {
            change(&mut t, "status", "in_progress".into(), &mut rng)?;
        }
        for _ in 0..rng.below(4) {
            change(&mut t, "updated", String::new(), &mut rng)?;
        }
        if rng.chance(0.15) {
            change(&mut t, "status", "blocked".into(), &mut rng)?;
            change(&mut t, "status", "in_progress".into(), &mut rng)?;
        }
        if rng.chance(0.12) {
            let to = match world.pick(team_members, 1, None, &mut rng).first() {
                Some(p) if !rng.chance(0.15) => p.to_string(),
                _ => String::new(),
            };
            change(&mut t, "assigned", to, &mut rng)?;
        }
        if rng.chance(0.15) {
            let moved =
                if rng.chance(0.1) { String::new() } else { due_of(t + rng.range(DAY_US, 14 * DAY_US))?.to_string() };
            change(&mut t, "due", moved, &mut rng)?;
        }
        let end = rng.unit();
        if end < 0.62 {
            change(&mut t, "status", "done".into(), &mut rng)?;
            if rng.chance(0.04) {
                change(&mut t, "status", "in_progress".into(), &mut rng)?;
                if rng.chance(0.5) {
                    change(&mut t, "status", "done".into(), &mut rng)?;
                }
            }
        } else if end < 0.70 {
            change(&mut t, "status", "cancelled".into(), &mut rng)?;
        }
    }

    // Loners: each talks with one buddy in a direct conversation, and nowhere else.
    let mut n_dms = 0usize;
    for (loner, _) in world.people.iter().enumerate().filter(|(_, p)| p.loner) {
        let Some(&buddy) = world.pick(&world.channel_members[loner / TEAM_SIZE], 1, None, &mut rng).first() else {
            continue;
        };
        let size = rng.log_uniform(10, 200).min(args.messages - out.n_messages);
        if size == 0 {
            break;
        }
        n_dms += 1;
        let channel = format!("dm-{n_dms}");
        let start = YEAR_START_US + rng.range(0, year);
        out.conversation(&world, &mut rng, "timeline", &channel, "", true, &[loner, buddy], size, start)?;
    }

    // Then conversations until the message count is reached.
    let mut n_chats = 0usize;
    while out.n_messages < args.messages {
        let left = args.messages - out.n_messages;
        // Some conversations start before the window, so that their history counts for turns.
        let start = YEAR_START_US - 30 * DAY_US + rng.range(0, year);
        let team = rng.below(n_teams as u64) as usize;
        let u = rng.unit();
        if u < 0.80 {
            let size = if rng.chance(0.85) {
                (1 + (-rng.unit().max(1e-12).ln() * 7.0) as u64).min(30)
            } else {
                rng.log_uniform(31, 400)
            };
            let k = 2 + rng.below(4) as usize;
            let participants = world.pick(&world.channel_members[team], k, None, &mut rng);
            if participants.is_empty() {
                continue;
            }
            let channel = format!("team-{team:04}");
            let title = format!("topic {}", out.n_conversations);
            out.conversation(
                &world,
                &mut rng,
                "thread",
                &channel,
                &title,
                false,
                &participants,
                size.min(left),
                start,
            )?;
        } else if u < 0.97 {
            let size = rng.log_uniform(2, 600);
            let Some(&first) = world.pick(&world.channel_members[team], 1, None, &mut rng).first() else { continue };
            let pool: Vec<usize> =
                if rng.chance(0.7) { world.channel_members[team].clone() } else { (0..world.people.len()).collect() };
            let participants = world.pick(&pool, 2, Some(first), &mut rng);
            n_dms += 1;
            let channel = format!("dm-{n_dms}");
            out.conversation(&world, &mut rng, "timeline", &channel, "", true, &participants, size.min(left), start)?;
        } else {
            let size = rng.log_uniform(20, 1_500);
            let participants = world.pick(&world.channel_members[team], 12, None, &mut rng);
            if participants.is_empty() {
                continue;
            }
            n_chats += 1;
            let channel = format!("chat-{n_chats}");
            out.conversation(&world, &mut rng, "timeline", &channel, "", false, &participants, size.min(left), start)?;
        }
    }
    for w in [&mut out.conversations, &mut out.messages, &mut tasks, &mut changes] {
        w.flush()?;
    }
    eprintln!(
        "gen: {} people, {} conversations, {} messages, {} tasks in {}",
        world.people.len(),
        out.n_conversations,
        out.n_messages,
        n_tasks,
        args.out.display()
    );
    Ok(())
}
