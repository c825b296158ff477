//! Who is looking, what they may see, and committed events as they travel to live streams.

use std::collections::HashSet;
use std::sync::OnceLock;

use baton_core::model::{Role, Thread};
use baton_core::{ChannelId, DmId, MemberId, Seq, ThreadId};
use bytes::Bytes;

/// The member a read or a command is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub member: MemberId,
    pub role: Role,
}

/// Who may read an event: members of a channel, participants of a conversation, everyone but
/// guests, owners and admins only, or everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everyone,
    Internal,
    /// Owners and admins: what concerns one person's working pattern (an isolation finding).
    Admins,
    /// Only the event's `also_for` member (their reminders and scheduled messages).
    Private,
    Channel(ChannelId),
    Dm(DmId),
}

impl Scope {
    /// Who may read what happens in `thread`: its channel's readers, its conversation's
    /// people, or, for a task's thread, every member but guests.
    pub fn of_thread(thread: &Thread) -> Scope {
        crate::domain::policy::thread_scope(thread.channel_id, thread.dm_id)
    }
}

/// An event as committed: its scope, and its JSON serialized once and shared by every
/// subscriber that may see it.
#[derive(Debug, Clone)]
pub struct CommittedEvent {
    pub seq: Seq,
    pub kind: String,
    pub scope: Scope,
    /// A member who may read this event besides those the scope lets in.
    pub also_for: Option<MemberId>,
    pub json: Bytes,
    /// The threads it is about, read from `json` when first asked ([`CommittedEvent::threads`]):
    /// once per event, however many streams ask.
    threads: OnceLock<Option<Vec<ThreadId>>>,
}

impl CommittedEvent {
    pub fn new(seq: Seq, kind: String, scope: Scope, also_for: Option<MemberId>, json: Bytes) -> CommittedEvent {
        CommittedEvent { seq, kind, scope, also_for, json, threads: OnceLock::new() }
    }

    /// The threads the event is about, where its payload names them: a posted message's thread
    /// (none for a timeline's message), a move's thread and the thread it left, a thread's own
    /// events. `None` where the payload does not say: an edit, a deletion or a reaction names
    /// only its message, and other kinds are about no thread.
    pub fn threads(&self) -> Option<&[ThreadId]> {
        self.threads.get_or_init(|| threads_of(&self.kind, &self.json)).as_deref()
    }
}

fn threads_of(kind: &str, json: &[u8]) -> Option<Vec<ThreadId>> {
    #[derive(serde::Deserialize)]
    struct Event {
        payload: Payload,
    }
    #[derive(serde::Deserialize)]
    struct Payload {
        thread_id: Option<ThreadId>,
        from_thread_id: Option<ThreadId>,
        message: Option<Message>,
    }
    #[derive(serde::Deserialize)]
    struct Message {
        thread_id: Option<ThreadId>,
    }
    let about_threads = kind == baton_core::event::kind::MESSAGE_POSTED
        || kind == baton_core::event::kind::MESSAGE_MOVED
        || kind.starts_with("thread.");
    if !about_threads {
        return None;
    }
    let payload = serde_json::from_slice::<Event>(json).ok()?.payload;
    let posted_in = payload.message.and_then(|m| m.thread_id);
    Some([payload.thread_id, payload.from_thread_id, posted_in].into_iter().flatten().collect())
}

/// A request recorded under its idempotency key: the hex SHA-256 of what identifies it
/// ([`crate::Command::fingerprint_hash`]) and the answer it got, which a retry gets again.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRecord {
    pub fingerprint: String,
    /// The answer as kept (JSON): read it with [`KeyRecord::answer`].
    kept: String,
}

impl KeyRecord {
    pub(crate) fn new(fingerprint: String, kept: String) -> KeyRecord {
        KeyRecord { fingerprint, kept }
    }

    /// The answer the request got, read as the type its command answers with (a task for
    /// `CreateTask`, an added member for `AddMember`: see [`crate::Answer`]).
    pub fn answer<T: serde::de::DeserializeOwned>(&self) -> crate::Result<T> {
        Ok(serde_json::from_str(&self.kept)?)
    }
}

/// Messages by others a viewer has not read yet, per channel and per direct conversation
/// (absent: none).
#[derive(Debug, Clone, Default)]
pub struct Unread {
    pub channels: std::collections::HashMap<ChannelId, i64>,
    pub dms: std::collections::HashMap<DmId, i64>,
}

/// The channels and conversations one viewer may see at one moment.
#[derive(Debug, Clone)]
pub struct Access {
    pub member: MemberId,
    pub role: Role,
    /// The channels they may read (see the policy's channel rule), not only those they are in.
    pub channels: HashSet<ChannelId>,
    pub dms: HashSet<DmId>,
    /// The last event this access reflects: it was read in one snapshot with the log up to
    /// here, so events up to `as_of` are judged by it exactly as the store judged them then.
    pub as_of: Seq,
}

impl Access {
    /// Whether this viewer may read the event.
    pub fn may_read(&self, event: &CommittedEvent) -> bool {
        event.also_for == Some(self.member) || self.may_see(event.scope)
    }

    pub fn may_see(&self, scope: Scope) -> bool {
        let inside = match scope {
            Scope::Channel(id) => self.channels.contains(&id),
            Scope::Dm(id) => self.dms.contains(&id),
            _ => false,
        };
        crate::domain::policy::may_see(scope, self.role, inside)
    }

    /// Whether they may read projects and tasks.
    pub fn may_read_work(&self) -> bool {
        self.may_see(Scope::Internal)
    }
}

/// Where a list of threads by activity stopped: the last listed thread's activity (its last
/// message, else when it began) and id. Written `MICROS_ID` in addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityCursor {
    pub at: jiff::Timestamp,
    pub id: ThreadId,
}

impl ActivityCursor {
    /// The cursor just after `thread`.
    pub fn after(thread: &Thread) -> ActivityCursor {
        ActivityCursor { at: thread.last_message_at.unwrap_or(thread.created_at), id: thread.id }
    }
}

impl std::fmt::Display for ActivityCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.at.as_microsecond(), self.id)
    }
}

impl std::str::FromStr for ActivityCursor {
    type Err = ();

    fn from_str(text: &str) -> Result<ActivityCursor, ()> {
        let (at, id) = text.split_once('_').ok_or(())?;
        let at = jiff::Timestamp::from_microsecond(at.parse().map_err(|_| ())?).map_err(|_| ())?;
        Ok(ActivityCursor { at, id: ThreadId(id.parse().map_err(|_| ())?) })
    }
}

/// A page of a list: items after the cursor `after` (an id), at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub after: Option<i64>,
    pub limit: u32,
}

impl Page {
    pub const MAX_LIMIT: u32 = 1000;

    pub fn new(after: Option<i64>, limit: Option<u32>) -> Page {
        Page { after, limit: limit.unwrap_or(200).clamp(1, Page::MAX_LIMIT) }
    }
}

impl Default for Page {
    fn default() -> Page {
        Page::new(None, None)
    }
}

/// A search as the store runs it: what to find, when, in which order, how many.
#[derive(Debug, Clone)]
pub struct Search {
    pub query: baton_core::search::Query,
    /// The query's dates as instants, in the searcher's zone.
    pub period: baton_core::search::Period,
    pub order: SearchOrder,
    /// At most this many messages (clamped to 1–200).
    pub limit: u32,
}

/// How found messages are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrder {
    /// Best match first (BM25 on SQLite, `ts_rank` on PostgreSQL), then newest; a query of
    /// filters only is ordered newest first.
    #[default]
    Relevance,
    Newest,
}

impl Search {
    /// The most messages one search returns.
    pub const MAX_LIMIT: u32 = 200;

    /// The search `text` asks for, by relevance, its dates read in `zone`.
    pub fn parse(text: &str, zone: &jiff::tz::TimeZone, limit: u32) -> baton_core::Result<Search> {
        let query = baton_core::search::Query::parse(text)?;
        let period = query.period(zone);
        Ok(Search { query, period, order: SearchOrder::Relevance, limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, payload: &str) -> CommittedEvent {
        let json = format!(r#"{{"seq":7,"at":"2026-01-01T00:00:00Z","actor":1,"kind":"{kind}","payload":{payload}}}"#);
        CommittedEvent::new(Seq(7), kind.into(), Scope::Channel(ChannelId(1)), None, Bytes::from(json))
    }

    #[test]
    fn an_event_names_the_threads_its_payload_names() {
        let posted = event("message.posted", r#"{"message":{"id":9,"thread_id":4,"body":"\"thread_id\":5"}}"#);
        assert_eq!(posted.threads(), Some(&[ThreadId(4)][..]));
        let in_timeline = event("message.posted", r#"{"message":{"id":9,"thread_id":null,"channel_id":1}}"#);
        assert_eq!(in_timeline.threads(), Some(&[][..]), "a timeline's message is in no thread");
        let moved = event("message.moved", r#"{"message_id":9,"thread_id":4,"from_thread_id":3,"from_dm_id":null}"#);
        assert_eq!(moved.threads(), Some(&[ThreadId(4), ThreadId(3)][..]));
        let resolved = event("thread.resolved", r#"{"thread_id":4}"#);
        assert_eq!(resolved.threads(), Some(&[ThreadId(4)][..]));
        assert_eq!(
            event("message.edited", r#"{"message_id":9,"body":"x"}"#).threads(),
            None,
            "it names its message only"
        );
        assert_eq!(event("task.created", r#"{"task_id":2,"thread_id":4}"#).threads(), None);
    }
}
