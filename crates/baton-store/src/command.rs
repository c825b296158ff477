//! The commands that change a workspace. Each is applied in one transaction and leaves one or
//! more events in the log.

use baton_core::calendar::WorkingHours;
use baton_core::model::{Priority, Role, TaskStatus, Visibility};
use baton_core::text::MessageText;
use baton_core::{ChannelId, DmId, HuddleId, MemberId, MessageId, ProjectId, TaskId, ThreadId};
use jiff::Timestamp;

use crate::view::Viewer;

/// A command with its context: who, when, from where, and the client's idempotency key.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// `None` only for the setup of a fresh workspace and for system work.
    pub viewer: Option<Viewer>,
    pub at: Timestamp,
    /// `baton` for changes made here; the tool's name for imports.
    pub source: String,
    pub idempotency_key: Option<String>,
    /// What identifies the request for its key (see [`Command::fingerprint`]); computed where
    /// the envelope is made, so the single writer does not spend its time on it.
    pub fingerprint: String,
    pub command: Command,
}

impl Envelope {
    pub fn new(viewer: Viewer, at: Timestamp, command: Command) -> Envelope {
        Envelope {
            viewer: Some(viewer),
            at,
            source: "baton".into(),
            idempotency_key: None,
            fingerprint: String::new(),
            command,
        }
    }

    pub fn system(at: Timestamp, command: Command) -> Envelope {
        Envelope {
            viewer: None,
            at,
            source: "baton".into(),
            idempotency_key: None,
            fingerprint: String::new(),
            command,
        }
    }

    pub fn with_idempotency_key(mut self, key: Option<String>) -> Envelope {
        self.fingerprint = if key.is_some() { self.command.fingerprint_hash() } else { String::new() };
        self.idempotency_key = key;
        self
    }
}

/// A member to add: validated values, the password already hashed.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub handle: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub time_zone: String,
    pub working_hours: WorkingHours,
    /// `None` leaves the account waiting for its invitation to be accepted.
    pub password_hash: Option<String>,
    /// An account that acts but is not a person (the importer's owner): insights leave it out.
    pub service: bool,
}

/// A one-time invitation: the token handed to the new member, and what the store keeps of it.
#[derive(Debug, Clone)]
pub struct Invite {
    pub token: String,
    pub token_hash: String,
}

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MessageTarget {
    Thread(ThreadId),
    Dm(DmId),
}

/// Where a thread lives: a channel or a direct conversation (a task's thread comes with its
/// task).
#[derive(Debug, Clone, Copy)]
pub enum ThreadHome {
    Channel(ChannelId),
    Dm(DmId),
}

impl From<ChannelId> for ThreadHome {
    fn from(channel: ChannelId) -> ThreadHome {
        ThreadHome::Channel(channel)
    }
}

/// Every change Baton knows. Field values are validated by the caller (`baton_core::validate`);
/// the store checks existence, visibility and permissions.
#[derive(Debug, Clone)]
pub enum Command {
    /// Creates the workspace and its owner; a conflict once done.
    Setup {
        workspace_name: String,
        time_zone: String,
        owner: NewMember,
    },
    /// Stores a session token (its hash) for a member; no event.
    IssueToken {
        member: MemberId,
        token_hash: String,
    },
    /// Forgets a session token; no event.
    RevokeToken {
        token_hash: String,
    },
    /// Sets a member's password hash; no event. `consume_invite` (an invitation's hash) must
    /// still be unused; `revoke_sessions` signs the member out everywhere.
    SetPassword {
        member: MemberId,
        password_hash: String,
        consume_invite: Option<String>,
        revoke_sessions: bool,
    },
    /// Admins add members. Without a password, `invite` lets them set one; the answer is
    /// `{member, invite_token}` and a retry with the same key gets the same token.
    AddMember {
        member: NewMember,
        invite: Option<Invite>,
    },
    UpdateMember {
        id: MemberId,
        display_name: Option<String>,
        time_zone: Option<String>,
        working_hours: Option<WorkingHours>,
        role: Option<Role>,
        active: Option<bool>,
    },
    CreateChannel {
        name: String,
        visibility: Visibility,
        topic: String,
        members: Vec<MemberId>,
    },
    UpdateChannel {
        id: ChannelId,
        name: Option<String>,
        topic: Option<String>,
        archived: Option<bool>,
    },
    AddChannelMember {
        channel: ChannelId,
        member: MemberId,
    },
    RemoveChannelMember {
        channel: ChannelId,
        member: MemberId,
    },
    /// A titled thread in a channel or a direct conversation, optionally with its first message.
    CreateThread {
        home: ThreadHome,
        title: String,
        tags: Vec<String>,
        body: Option<MessageText>,
    },
    /// The channel's timeline (see [`baton_core::model::Thread::timeline`]), made on first use;
    /// imports put a channel's unthreaded messages there. Owners and admins only.
    OpenTimeline {
        channel: ChannelId,
    },
    /// A new `title` also drops the display title an import set.
    UpdateThread {
        id: ThreadId,
        title: Option<String>,
        tags: Option<Vec<String>>,
        resolved: Option<bool>,
    },
    /// How an imported thread's title reads in the app (imports only; owners and admins): its
    /// title keeps the exporting tool's markup, as reports name the thread by it (DESIGN.md),
    /// while people read this (`Thread::display_title`).
    SetDisplayTitle {
        thread: ThreadId,
        display_title: String,
    },
    PostMessage {
        target: MessageTarget,
        text: MessageText,
        urgent: bool,
    },
    /// Replies to `message` in its thread. A message in a timeline (a direct conversation's, or
    /// an imported channel's) has no thread yet: the reply starts one beside it, titled with the
    /// message's first 80 characters, and the message moves into it as its first message (as a
    /// Slack thread holds its parent). The answer is the reply.
    Reply {
        message: MessageId,
        text: MessageText,
        urgent: bool,
    },
    /// Moves a timeline message into a thread of the same channel or direct conversation (in a
    /// channel owners and admins, in a direct conversation its people): how `baton import slack`
    /// files the thread messages of a direct conversation that an earlier version put in its
    /// timeline.
    MoveToThread {
        message: MessageId,
        thread: ThreadId,
    },
    EditMessage {
        id: MessageId,
        text: MessageText,
    },
    /// An imported message was edited at the envelope's time (its author only): the text it was
    /// posted with is already the text after the edit, and the export keeps no earlier one, so
    /// no version is recorded; the message only shows as edited. Its time does not move.
    MarkEdited {
        message: MessageId,
    },
    DeleteMessage {
        id: MessageId,
    },
    AddReaction {
        message: MessageId,
        emoji: String,
    },
    RemoveReaction {
        message: MessageId,
        emoji: String,
    },
    /// Opens the direct conversation between the viewer and these members, or returns the one
    /// that exists for exactly this set of people. Naming only the viewer opens their notes to
    /// self (a Slack self-DM).
    OpenDm {
        members: Vec<MemberId>,
        /// Its name in an export (imports only): reports name the conversation so. Set once: a
        /// conversation that has one keeps it.
        export_name: Option<String>,
    },
    CreateProject {
        name: String,
        description: String,
    },
    UpdateProject {
        id: ProjectId,
        name: Option<String>,
        description: Option<String>,
        archived: Option<bool>,
    },
    CreateTask {
        project: ProjectId,
        title: String,
        description: String,
        assignee: Option<MemberId>,
        status: TaskStatus,
        due: Option<jiff::civil::Date>,
        priority: Priority,
    },
    UpdateTask {
        id: TaskId,
        title: Option<String>,
        description: Option<String>,
        /// `Some(None)` unassigns.
        assignee: Option<Option<MemberId>>,
        status: Option<TaskStatus>,
        /// `Some(None)` clears the due date.
        due: Option<Option<jiff::civil::Date>>,
        priority: Option<Priority>,
    },
    /// Starts a huddle on a thread, or on a task (its thread); the starter is in it at once.
    /// `project` receives the action items as tasks (default: the task's project, else the
    /// workspace's "Action items" project, made when first needed).
    StartHuddle {
        on: HuddleOn,
        title: Option<String>,
        call_link: Option<String>,
        agenda: String,
        invite: Vec<MemberId>,
        project: Option<ProjectId>,
        /// Whether the starter is in it at once (not when the advisor sets one up for later).
        join: bool,
        /// A later slot it opens at: nobody joins before; invitees hear of it now and when it
        /// opens. `None` opens it at once.
        opens_at: Option<Timestamp>,
    },
    JoinHuddle {
        id: HuddleId,
    },
    LeaveHuddle {
        id: HuddleId,
    },
    UpdateHuddle {
        id: HuddleId,
        agenda: Option<String>,
        notes: Option<String>,
        call_link: Option<Option<String>>,
    },
    RecordDecision {
        id: HuddleId,
        text: String,
    },
    AddActionItem {
        id: HuddleId,
        title: String,
        assignee: Option<MemberId>,
        due: Option<jiff::civil::Date>,
    },
    /// Ends the huddle: everyone still in leaves, each action item becomes a task, and a
    /// summary (duration, participants, decisions, action items) is posted into the thread.
    EndHuddle {
        id: HuddleId,
    },
    /// Sends a message later (at `at`), as the viewer, if they may still post there then.
    ScheduleMessage {
        target: MessageTarget,
        body: String,
        urgent: bool,
        at: Timestamp,
    },
    /// Reminds the viewer about a message they may read, at `at` (a `reminder.due` event).
    Remind {
        message: MessageId,
        note: String,
        at: Timestamp,
    },
    /// Sets the reply norm in working minutes: a channel's (`None` minutes: back to the
    /// default; its managers) or, without a channel, the workspace's default (admins).
    SetNorm {
        channel: Option<ChannelId>,
        reply_within_minutes: Option<i64>,
    },
    /// If nobody but its author answers `message` within `within_minutes` of working time
    /// (workspace calendar; default: its channel's norm), notifies `notify`. An answer cancels it.
    FollowUp {
        message: MessageId,
        notify: MemberId,
        within_minutes: Option<i64>,
    },
    /// A check-in in a channel for these members (see [`baton_core::model::CheckIn`]).
    CreateCheckIn {
        channel: ChannelId,
        title: String,
        questions: Vec<String>,
        ask_at: jiff::civil::Time,
        digest_at: jiff::civil::Time,
        members: Vec<MemberId>,
        cadence: baton_core::model::Cadence,
    },
    /// The viewer's answer to their latest ask: a message in the check-in's thread.
    AnswerCheckIn {
        id: i64,
        body: String,
    },
    /// Books a meeting slot for these members: whoever it puts outside their working hours has
    /// their burden counted, so that suggestions rotate who takes the next one.
    BookSlot {
        members: Vec<MemberId>,
        start: Timestamp,
        end: Timestamp,
    },
    /// The viewer has read `target` up to message `up_to` (marks only move forward). Private
    /// bookkeeping: no event.
    MarkRead {
        target: MessageTarget,
        up_to: MessageId,
    },
    /// Marks notifications of the viewer's as read: these ids, or all delivered ones.
    ReadNotifications {
        ids: Option<Vec<i64>>,
    },
    /// Cancels a pending job of the viewer's.
    CancelJob {
        id: i64,
    },
    /// The scheduler fires a due job: once, with its effect, in one transaction. A job that
    /// fired or was cancelled is left as it is. Needs no viewer: it acts as the job's member.
    FireJob {
        id: i64,
    },
    /// Records the outcome of an advisor suggestion, once per `key`, and when accepted does
    /// what it suggested in the same transaction. `detail` (the suggestion and its numbers)
    /// goes into the event, so before/after can measure the effect.
    Advise {
        key: String,
        accepted: bool,
        detail: serde_json::Value,
        action: Option<AdviceAction>,
    },
}

/// What accepting an advisor suggestion does.
#[derive(Debug, Clone)]
pub enum AdviceAction {
    /// A huddle on the thread with its participants invited, and a message proposing the slot;
    /// the slot is booked, so whoever it puts outside their working hours has it counted.
    TakeLive {
        thread: ThreadId,
        title: String,
        agenda: String,
        invite: Vec<MemberId>,
        message: MessageText,
        slot: Option<(Timestamp, Timestamp)>,
    },
    /// A message in the task's thread mentioning its assignee.
    Nudge { thread: ThreadId, message: MessageText },
    /// The task goes on the member's next check-in prompt.
    CheckInItem { checkin: i64, member: MemberId, task: TaskId },
    /// A direct conversation with these members (and the one accepting) and a message in it.
    Pair { members: Vec<MemberId>, message: MessageText },
}

/// What a huddle is started from.
#[derive(Debug, Clone, Copy)]
pub enum HuddleOn {
    Thread(ThreadId),
    Task(TaskId),
}

impl Command {
    /// The hex SHA-256 of [`Command::fingerprint`], as kept beside an idempotency key.
    pub fn fingerprint_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.fingerprint().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What identifies the request for its `Idempotency-Key`: a retry must send the same. Salted
    /// or random parts (password hashes, invitation tokens) are left out, since a retry makes
    /// new ones.
    pub fn fingerprint(&self) -> String {
        match self {
            Command::Setup { workspace_name, owner, .. } => format!("Setup {workspace_name} {}", owner.email),
            Command::IssueToken { member, .. } => format!("IssueToken {member}"),
            Command::RevokeToken { .. } => "RevokeToken".into(),
            Command::SetPassword { member, .. } => format!("SetPassword {member}"),
            Command::AddMember { member, invite } => format!(
                "AddMember {} {} {} {:?} {} {:?} {}",
                member.handle,
                member.email,
                member.display_name,
                member.role,
                member.time_zone,
                member.working_hours,
                invite.is_some()
            ),
            // Written as before threads could live in a direct conversation, so that a key
            // recorded then (an import's) still matches its retry.
            Command::CreateThread { home: ThreadHome::Channel(channel), title, tags, body } => {
                format!("CreateThread {{ channel: {channel:?}, title: {title:?}, tags: {tags:?}, body: {body:?} }}")
            }
            other => format!("{other:?}"),
        }
    }
}

#[cfg(test)]
mod tests;
