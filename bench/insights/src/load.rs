//! Reads the generator's CSV files into a [`Dataset`]: people with their calendars (zone from
//! [`parse_time_zone`], default working hours), conversations, messages sorted by (time, id),
//! and tasks with their changes in (time, seq) order. The workspace calendar is UTC.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use baton_core::calendar::{parse_time_zone, Calendar, WorkingHours};
use baton_core::model::TaskStatus;
use baton_insights::{Conversation, ConversationKind, Dataset, Message, Person, Task, TaskChange};
use jiff::civil::Date;
use jiff::Timestamp;

/// The workspace's zone in the generated data.
pub const WORKSPACE_ZONE: &str = "UTC";

/// Loads the five CSV files of `dir`.
pub fn load(dir: &Path) -> Result<Dataset> {
    let people = read(dir, "people.csv", |r, out: &mut Vec<Person>| {
        let handle = text(r, 1)?;
        let calendar = Calendar::new(parse_time_zone(&text(r, 2)?)?, WorkingHours::default());
        out.push(Person { handle, calendar });
        Ok(())
    })?;
    let conversations = read(dir, "conversations.csv", |r, out: &mut Vec<Conversation>| {
        let kind = match &r[1] {
            b"thread" => ConversationKind::Thread,
            b"timeline" => ConversationKind::Timeline,
            other => bail!("unknown conversation kind {:?}", String::from_utf8_lossy(other)),
        };
        let resolutions = if r[5].is_empty() { Vec::new() } else { vec![(instant(&r[5])?, true)] };
        out.push(Conversation {
            kind,
            channel: text(r, 2)?,
            title: text(r, 3)?,
            direct: flag(&r[4])?,
            channel_id: None,
            resolutions,
            norm: None,
        });
        Ok(())
    })?;
    let mut messages = read(dir, "messages.csv", |r, out: &mut Vec<Message>| {
        out.push(Message {
            id: int(&r[0])?,
            conversation: int(&r[1])? as usize,
            author: int(&r[2])? as usize,
            at: instant(&r[3])?,
            mentions_other: flag(&r[4])?,
            ends_with_question: flag(&r[5])?,
        });
        Ok(())
    })?;
    messages.sort_unstable_by_key(|m| (m.at, m.id));
    let mut tasks = read(dir, "tasks.csv", |r, out: &mut Vec<Task>| {
        out.push(Task {
            id: int(&r[0])?,
            project: text(r, 1)?,
            project_id: None,
            title: String::new(),
            created_at: instant(&r[2])?,
            status: status(&r[3])?,
            assignee: optional(&r[4], |v| Ok(int(v)? as usize))?,
            due: optional(&r[5], date)?,
            changes: Vec::new(),
            conversation: optional(&r[6], |v| Ok(int(v)? as usize))?,
        });
        Ok(())
    })?;
    let position: HashMap<i64, usize> = tasks.iter().enumerate().map(|(idx, task)| (task.id, idx)).collect();
    let mut changes: Vec<Vec<(Timestamp, i64, TaskChange)>> = vec![Vec::new(); tasks.len()];
    read(dir, "task_changes.csv", |r, _: &mut Vec<()>| {
        let task = *position.get(&int(&r[0])?).context("a change names an unknown task")?;
        let value = &r[4];
        let change = match &r[3] {
            b"status" => TaskChange::Status(status(value)?),
            b"assigned" => TaskChange::Assigned(optional(value, |v| Ok(int(v)? as usize))?),
            b"due" => TaskChange::Due(optional(value, date)?),
            b"updated" => TaskChange::Updated,
            other => bail!("unknown change kind {:?}", String::from_utf8_lossy(other)),
        };
        changes[task].push((instant(&r[2])?, int(&r[1])?, change));
        Ok(())
    })?;
    for (task, mut list) in tasks.iter_mut().zip(changes) {
        list.sort_by_key(|(at, seq, _)| (*at, *seq));
        task.changes = list.into_iter().map(|(at, _, change)| (at, change)).collect();
    }
    Ok(Dataset {
        workspace_calendar: Calendar::new(parse_time_zone(WORKSPACE_ZONE)?, WorkingHours::default()),
        people,
        conversations,
        messages: messages.into(),
        tasks,
        huddles: Vec::new(),
        thread_decisions: Vec::new(),
    })
}

fn read<T>(dir: &Path, name: &str, mut row: impl FnMut(&csv::ByteRecord, &mut Vec<T>) -> Result<()>) -> Result<Vec<T>> {
    let path = dir.join(name);
    let mut reader = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 20)
        .from_path(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record)? {
        row(&record, &mut out).with_context(|| format!("{} line {}", path.display(), out.len() + 2))?;
    }
    Ok(out)
}

fn text(r: &csv::ByteRecord, idx: usize) -> Result<String> {
    Ok(std::str::from_utf8(&r[idx])?.to_owned())
}

/// A decimal integer, optionally negative.
fn int(bytes: &[u8]) -> Result<i64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 18 {
        bail!("not an integer: {:?}", String::from_utf8_lossy(bytes));
    }
    let mut value = 0i64;
    for &b in digits {
        if !b.is_ascii_digit() {
            bail!("not an integer: {:?}", String::from_utf8_lossy(bytes));
        }
        value = value * 10 + i64::from(b - b'0');
    }
    Ok(if negative { -value } else { value })
}

fn flag(bytes: &[u8]) -> Result<bool> {
    match bytes {
        b"0" => Ok(false),
        b"1" => Ok(true),
        _ => bail!("not 0 or 1: {:?}", String::from_utf8_lossy(bytes)),
    }
}

fn instant(bytes: &[u8]) -> Result<Timestamp> {
    Ok(Timestamp::from_microsecond(int(bytes)?)?)
}

fn date(bytes: &[u8]) -> Result<Date> {
    Ok(std::str::from_utf8(bytes)?.parse()?)
}

fn status(bytes: &[u8]) -> Result<TaskStatus> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(TaskStatus::parse)
        .with_context(|| format!("unknown status {:?}", String::from_utf8_lossy(bytes)))
}

fn optional<T>(bytes: &[u8], parse: impl Fn(&[u8]) -> Result<T>) -> Result<Option<T>> {
    if bytes.is_empty() {
        Ok(None)
    } else {
        parse(bytes).map(Some)
    }
}
