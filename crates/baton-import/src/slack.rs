//! A Slack export (DESIGN.md, "Imported data" and the Slack readings under "Insight metrics"):
//! `users.json`, `channels.json` (+ `groups.json`, `dms.json`, `mpims.json` when present) and
//! one folder per conversation with a JSON array of messages per day.
//!
//! What becomes what:
//! - every user who is not a bot (`is_bot`, or Slackbot `USLACKBOT`) is a member, deleted ones
//!   too; their handle is `name` and their zone `tz` (never `tz_offset`);
//! - a message with `thread_ts` belongs to the thread whose parent has that `ts`, the parent
//!   included; the thread's title is the first 80 characters of the parent's text as exported,
//!   even when the parent is not a message (a tombstone, a bot's post);
//! - other messages belong to their conversation's timeline;
//! - entries with a subtype other than `thread_broadcast`, `file_share` or `me_message`, and
//!   everything bots post, are not messages; a person posting through an integration (`bot_id`
//!   with a person's `user` and no subtype) is that person;
//! - a message keeps its reactions (emoji names as exported, given by people: bots and users
//!   not in `users.json` are left out) and the time of its last edit (`edited.ts`); an export
//!   keeps only the text after the edit, so that is the message's text.

mod markup;

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::export_files::ExportFiles;
use markup::{display_title, readable};

/// Slackbot's id: a bot, though `users.json` does not always say so.
const SLACKBOT: &str = "USLACKBOT";

/// Subtypes that are still a person's message.
const MESSAGE_SUBTYPES: [&str; 3] = ["thread_broadcast", "file_share", "me_message"];

/// A thread's title: this many characters of its parent's text.
const TITLE_CHARS: usize = 80;

/// An export, read whole and checked, ready to be written into a workspace.
#[derive(Debug, Default)]
pub struct Export {
    /// The people, in `users.json` order.
    pub members: Vec<Member>,
    pub conversations: Vec<Conversation>,
    /// What was read but is not a message, by reason; for the import's summary.
    pub skipped: BTreeMap<String, u64>,
    /// Reactions left out: given by a bot or a user not in `users.json`, by someone outside the
    /// private conversation, or with a name Baton cannot keep.
    pub reactions_left_out: u64,
    /// Things that were odd but did not stop the import (an unknown zone, a folder without
    /// metadata), one sentence each, with the file.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub handle: String,
    pub display_name: String,
    pub email: Option<String>,
    /// `tz` as exported; `None` when missing (the workspace's zone applies).
    pub time_zone: Option<String>,
    pub deleted: bool,
    pub admin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationKind {
    /// `channels.json`.
    Public,
    /// `groups.json`, or a channel marked `is_private`.
    Private,
    /// `dms.json`: a one-to-one (or self) conversation.
    Direct,
    /// `mpims.json`: a group direct conversation.
    Group,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: String,
    /// Its name in the export: the channel's name, an mpim's name, a DM's id.
    pub name: String,
    pub kind: ConversationKind,
    pub topic: String,
    pub created: Option<Timestamp>,
    pub archived: bool,
    /// Member ids (people only) listed in the metadata, then every author not listed.
    pub members: Vec<String>,
    /// Threads in order of their first message.
    pub threads: Vec<Thread>,
    /// Messages outside any thread, in time order.
    pub timeline: Vec<Message>,
}

#[derive(Debug, Clone)]
pub struct Thread {
    /// The parent's `ts`: the thread's id within its conversation.
    pub ts: String,
    /// The first 80 characters of the parent's text as exported, markup and all: what reports
    /// name the thread by (DESIGN.md).
    pub title: String,
    /// The title for people to read in the app: the parent's text with mentions and links
    /// resolved, without Slack's `*bold*`, `_italic_`, `~strike~` and `` `code` `` marks, on one
    /// line, at most 80 characters. Equal to `title` when the parent has no markup.
    pub display_title: String,
    /// Its messages in time order (the parent first, if it is a message).
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone)]
pub struct Message {
    /// Its `ts` as exported: unique within its conversation.
    pub ts: String,
    pub at: Timestamp,
    /// The author's member id.
    pub author: String,
    /// The text for reading: mentions as `@handle`, links as markdown, entities decoded.
    pub body: String,
    /// Members mentioned (`<@U…>` of a person), by handle, without duplicates.
    pub mentions: Vec<String>,
    /// When it was last edited (`edited.ts`), never before `at`; `None` if it never was.
    pub edited_at: Option<Timestamp>,
    /// Its reactions, in export order, each given by at least one member.
    pub reactions: Vec<Reaction>,
}

/// A reaction to a message: the emoji's name as exported (`+1`, `tada`, a custom emoji's name)
/// and the member ids of the people who gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub emoji: String,
    pub members: Vec<String>,
}

impl Export {
    pub fn message_count(&self) -> usize {
        self.conversations
            .iter()
            .map(|c| c.timeline.len() + c.threads.iter().map(|t| t.messages.len()).sum::<usize>())
            .sum()
    }
}

// ---- the files as Slack writes them -------------------------------------------------------------

#[derive(Deserialize)]
struct RawUser {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    deleted: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    is_bot: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    is_admin: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    is_owner: bool,
    #[serde(default)]
    tz: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    profile: RawProfile,
}

#[derive(Deserialize, Default)]
struct RawProfile {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct RawConversation {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    created: Option<Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    is_archived: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    is_private: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    members: Vec<String>,
    #[serde(default)]
    topic: Option<RawTopic>,
}

#[derive(Deserialize)]
struct RawTopic {
    #[serde(default, deserialize_with = "null_as_default")]
    value: String,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    ts: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    subtype: Option<String>,
    #[serde(default)]
    thread_ts: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    files: Vec<RawFile>,
    #[serde(default, deserialize_with = "null_as_default")]
    reactions: Vec<RawReaction>,
    #[serde(default)]
    edited: Option<RawEdited>,
}

#[derive(Deserialize)]
struct RawReaction {
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    users: Vec<String>,
}

#[derive(Deserialize)]
struct RawEdited {
    /// A `ts`, as a string (as Slack writes it) or a number.
    #[serde(default)]
    ts: Option<Value>,
}

/// Exports write `null` where a field has no value (`"members": null`): read it as empty.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

// ---- reading ------------------------------------------------------------------------------------

/// Reads and checks the whole export. The first file or record it cannot read stops it with a
/// diagnostic naming the file and line, before anything is written.
pub fn read(files: &mut ExportFiles) -> Result<Export, Diagnostic> {
    let mut export = Export::default();
    let users: Vec<RawUser> = read_records(files, "users.json")?.unwrap_or_default();
    let mut bots = HashSet::new();
    let mut handles: HashMap<String, String> = HashMap::new();
    for user in users {
        if user.is_bot || user.id == SLACKBOT {
            handles.insert(user.id.clone(), user.name.clone());
            bots.insert(user.id);
            continue;
        }
        let handle = if user.name.is_empty() { user.id.clone() } else { user.name.clone() };
        handles.insert(user.id.clone(), handle.clone());
        let display_name = [user.profile.display_name, user.profile.real_name, user.real_name]
            .into_iter()
            .flatten()
            .find(|n| !n.trim().is_empty())
            .unwrap_or_else(|| handle.clone());
        export.members.push(Member {
            id: user.id,
            handle,
            display_name,
            email: user.profile.email.filter(|e| !e.trim().is_empty()),
            time_zone: user.tz.filter(|t| !t.is_empty()),
            deleted: user.deleted,
            admin: user.is_admin || user.is_owner,
        });
    }
    let people: HashMap<String, String> = export.members.iter().map(|m| (m.id.clone(), m.handle.clone())).collect();
    let context = Context { people: &people, names: &handles, bots: &bots };

    let lists = [
        ("channels.json", ConversationKind::Public),
        ("groups.json", ConversationKind::Private),
        ("dms.json", ConversationKind::Direct),
        ("mpims.json", ConversationKind::Group),
    ];
    let mut folders_seen = HashSet::new();
    for (list, kind) in lists {
        let Some(raw) = read_records::<RawConversation>(files, list)? else { continue };
        for conversation in raw {
            let kind = if kind == ConversationKind::Public && conversation.is_private {
                ConversationKind::Private
            } else {
                kind
            };
            let name = match kind {
                ConversationKind::Direct => conversation.id.clone(),
                _ => conversation.name.clone().unwrap_or_else(|| conversation.id.clone()),
            };
            if !folders_seen.insert(name.clone()) {
                continue;
            }
            let entries = read_folder(files, &name, &mut export.warnings)?;
            let created = conversation.created.as_ref().and_then(seconds);
            let mut members: Vec<String> =
                conversation.members.iter().filter(|m| people.contains_key(*m)).cloned().collect();
            let mut out = Conversation {
                id: conversation.id,
                name,
                kind,
                topic: conversation.topic.map(|t| t.value).unwrap_or_default(),
                created,
                archived: conversation.is_archived,
                members: Vec::new(),
                threads: Vec::new(),
                timeline: Vec::new(),
            };
            arrange(&context, entries, &mut out, &mut export.skipped, &mut export.reactions_left_out);
            let listed: HashSet<String> = members.iter().cloned().collect();
            let mut authors: Vec<String> = out
                .timeline
                .iter()
                .chain(out.threads.iter().flat_map(|t| &t.messages))
                .map(|m| m.author.clone())
                .filter(|a| !listed.contains(a))
                .collect();
            authors.sort();
            authors.dedup();
            members.extend(authors);
            out.members = members;
            if kind != ConversationKind::Public {
                export.reactions_left_out += keep_reactions_of_members(&mut out);
            }
            export.conversations.push(out);
        }
    }
    // Folders no metadata file names: their messages cannot be placed (public or private?), so
    // they are named rather than guessed at.
    let mut orphans: Vec<&str> = files
        .names()
        .iter()
        .filter_map(|n| n.split_once('/').map(|(folder, _)| folder))
        .filter(|folder| !folders_seen.contains(*folder))
        .collect();
    orphans.dedup();
    for folder in orphans {
        export.warnings.push(Diagnostic {
            file: files.display_name(folder),
            line: 0,
            message:
                "no channels.json, groups.json, dms.json or mpims.json entry names this folder; it was not imported"
                    .into(),
        });
    }
    Ok(export)
}

struct Context<'a> {
    /// Member id → handle, people only.
    people: &'a HashMap<String, String>,
    /// Every user id → name, bots included (for mentions of bots, shown but not counted).
    names: &'a HashMap<String, String>,
    bots: &'a HashSet<String>,
}

/// An entry of a day file, where it came from, and its time.
struct Entry {
    raw: RawMessage,
    ts: String,
    at: Timestamp,
}

/// The records of a top-level file such as `users.json`; `None` when the export lacks it.
fn read_records<T: for<'de> Deserialize<'de>>(
    files: &mut ExportFiles,
    name: &str,
) -> Result<Option<Vec<T>>, Diagnostic> {
    let Some(bytes) = files.read(name)? else { return Ok(None) };
    let shown = files.display_name(name);
    let raw = array(&shown, &bytes)?;
    let mut out = Vec::with_capacity(raw.len());
    for (idx, record) in raw.iter().enumerate() {
        let parsed = serde_json::from_str::<T>(record.get()).map_err(|err| Diagnostic {
            file: shown.clone(),
            line: line_of(&bytes, record),
            message: format!("record {} cannot be read: {err}", idx + 1),
        })?;
        out.push(parsed);
    }
    Ok(Some(out))
}

/// The top-level JSON array of a file, each element kept as written so that a record that
/// fails can be pointed at by line.
fn array<'b>(shown: &str, bytes: &'b [u8]) -> Result<Vec<&'b RawValue>, Diagnostic> {
    serde_json::from_slice::<Vec<&RawValue>>(bytes).map_err(|err| Diagnostic {
        file: shown.to_string(),
        line: err.line() as u64,
        message: format!("not a JSON array of records: {err}"),
    })
}

/// The 1-based line of the file on which `record` starts.
fn line_of(bytes: &[u8], record: &RawValue) -> u64 {
    let start = record.get().as_ptr() as usize - bytes.as_ptr() as usize;
    1 + bytes[..start.min(bytes.len())].iter().filter(|b| **b == b'\n').count() as u64
}

/// Every entry of a conversation's day files, in time order.
fn read_folder(
    files: &mut ExportFiles,
    folder: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<Entry>, Diagnostic> {
    let prefix = format!("{folder}/");
    let days: Vec<String> =
        files.names().iter().filter(|n| n.starts_with(&prefix) && n.ends_with(".json")).cloned().collect();
    let mut entries = Vec::new();
    for day in days {
        let Some(bytes) = files.read(&day)? else { continue };
        let shown = files.display_name(&day);
        for (idx, record) in array(&shown, &bytes)?.into_iter().enumerate() {
            let at_line = |message: String| Diagnostic { file: shown.clone(), line: line_of(&bytes, record), message };
            let raw: RawMessage = serde_json::from_str(record.get())
                .map_err(|err| at_line(format!("message {} cannot be read: {err}", idx + 1)))?;
            let Some(ts) = raw.ts.clone() else {
                warnings.push(at_line(format!("message {} has no ts and was left out", idx + 1)));
                continue;
            };
            let at = parse_ts(&ts).ok_or_else(|| at_line(format!("message {}: {ts:?} is not a Slack ts", idx + 1)))?;
            entries.push(Entry { raw, ts, at });
        }
    }
    // Stable: entries with the same ts keep their file order.
    entries.sort_by_key(|e| e.at);
    Ok(entries)
}

/// In a private channel or a direct conversation only its people can read a message, so only
/// their reactions are kept; returns how many were left out.
fn keep_reactions_of_members(conversation: &mut Conversation) -> u64 {
    let people: HashSet<String> = conversation.members.iter().cloned().collect();
    let mut left_out = 0;
    let messages =
        conversation.timeline.iter_mut().chain(conversation.threads.iter_mut().flat_map(|t| &mut t.messages));
    for message in messages {
        for reaction in &mut message.reactions {
            let before = reaction.members.len();
            reaction.members.retain(|m| people.contains(m));
            left_out += (before - reaction.members.len()) as u64;
        }
        message.reactions.retain(|r| !r.members.is_empty());
    }
    left_out
}

/// Sorts a conversation's entries into threads and its timeline.
fn arrange(
    context: &Context<'_>,
    entries: Vec<Entry>,
    out: &mut Conversation,
    skipped: &mut BTreeMap<String, u64>,
    reactions_left_out: &mut u64,
) {
    let parents: HashMap<&str, &Entry> = entries.iter().map(|e| (e.ts.as_str(), e)).collect();
    let mut thread_of: HashMap<String, usize> = HashMap::new();
    let mut threads: Vec<Thread> = Vec::new();
    for entry in &entries {
        let thread = entry.raw.thread_ts.as_ref().map(|parent_ts| {
            *thread_of.entry(parent_ts.clone()).or_insert_with(|| {
                let text = parents.get(parent_ts.as_str()).map(|p| p.raw.text.as_deref().unwrap_or_default());
                let title = text.map(|t| t.chars().take(TITLE_CHARS).collect()).unwrap_or_default();
                let display_title = text.map(|t| display_title(context, t)).unwrap_or_default();
                threads.push(Thread { ts: parent_ts.clone(), title, display_title, messages: Vec::new() });
                threads.len() - 1
            })
        });
        let Some(message) = message(context, entry, skipped, reactions_left_out) else { continue };
        match thread {
            Some(idx) => threads[idx].messages.push(message),
            None => out.timeline.push(message),
        }
    }
    // A thread none of whose entries is a message (a bot's post and its bot replies) has
    // nothing to count or show.
    threads.retain(|t| !t.messages.is_empty());
    out.threads = threads;
}

/// The entry as a person's message, or `None` (counted in `skipped`) when it is not one.
fn message(
    context: &Context<'_>,
    entry: &Entry,
    skipped: &mut BTreeMap<String, u64>,
    reactions_left_out: &mut u64,
) -> Option<Message> {
    let raw = &entry.raw;
    let mut skip = |why: String| {
        *skipped.entry(why).or_insert(0) += 1;
        None
    };
    if let Some(subtype) = raw.subtype.as_deref().filter(|s| !MESSAGE_SUBTYPES.contains(s)) {
        return skip(format!("subtype {subtype}"));
    }
    let Some(user) = raw.user.as_deref() else { return skip("no user".into()) };
    if context.bots.contains(user) {
        return skip("posted by a bot".into());
    }
    if !context.people.contains_key(user) {
        return skip("user not in users.json".into());
    }
    let text = raw.text.as_deref().unwrap_or_default();
    let (mut body, mentions) = readable(context, text);
    // A NUL in a message is an export's artefact, and no database keeps it as text.
    body.retain(|c| c != '\0');
    if body.trim().is_empty() {
        let names: Vec<&str> = raw.files.iter().filter_map(|f| f.name.as_deref().or(f.title.as_deref())).collect();
        if !names.is_empty() {
            body = names.iter().map(|n| format!("[file: {n}]")).collect::<Vec<_>>().join(" ");
        }
    }
    // The export keeps no earlier text, only when the text last changed; an edit time before
    // the message itself is read as the message's own.
    let edited_at = raw.edited.as_ref().and_then(|e| e.ts.as_ref()).and_then(ts_value).map(|at| at.max(entry.at));
    let mut reactions = Vec::new();
    for reaction in &raw.reactions {
        let Ok(emoji) = baton_core::validate::emoji("reaction", &reaction.name) else {
            *reactions_left_out += reaction.users.len() as u64;
            continue;
        };
        let mut members: Vec<String> = Vec::new();
        for user in &reaction.users {
            if !context.people.contains_key(user) {
                *reactions_left_out += 1;
            } else if !members.contains(user) {
                members.push(user.clone());
            }
        }
        if !members.is_empty() {
            reactions.push(Reaction { emoji, members });
        }
    }
    Some(Message { ts: entry.ts.clone(), at: entry.at, author: user.to_string(), body, mentions, edited_at, reactions })
}

/// A `ts` written as a string or, by some tools, as a number.
fn ts_value(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(ts) => parse_ts(ts),
        Value::Number(ts) => parse_ts(&ts.to_string()),
        _ => None,
    }
}

/// A Slack `ts` (`"1736478630.905399"`): seconds and microseconds since the epoch.
pub fn parse_ts(ts: &str) -> Option<Timestamp> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, ""));
    if secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    // Slack writes six digits; fewer or more are read as a decimal fraction all the same.
    let mut micros = String::from(frac);
    micros.truncate(6);
    while micros.len() < 6 {
        micros.push('0');
    }
    let micros: i32 = micros.parse().ok()?;
    Timestamp::new(secs, micros * 1000).ok()
}

/// `created` in Slack metadata: seconds since the epoch, as a number or a string.
fn seconds(value: &Value) -> Option<Timestamp> {
    let secs = match value {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    Timestamp::from_second(secs).ok()
}

#[cfg(test)]
mod tests;
