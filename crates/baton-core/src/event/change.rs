//! One payload type per event kind, and [`Change`], the typed body of every event.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::kind;
use crate::ids::{ChannelId, DmId, HuddleId, MemberId, MessageId, ProjectId, TaskId, ThreadId};
use crate::model::{
    CheckIn, Dm, Huddle, HuddleItem, HuddleParticipation, Job, Member, Message, Notification, Priority, Project, Role,
    Task, TaskStatus, Thread, Visibility, Workspace,
};

macro_rules! changes {
    ($( $(#[$doc:meta])* $variant:ident($payload:ty) = $kind:path ),* $(,)?) => {
        /// What an event records: one variant per kind, each with its payload.
        #[derive(Debug, Clone)]
        pub enum Change {
            $( $(#[$doc])* $variant($payload), )*
            /// An event of a kind this version does not know, or whose payload it cannot read:
            /// kept as written, skipped by readers that look for what they know.
            Other { kind: String, payload: Value },
        }

        impl Change {
            /// Every kind a variant stands for.
            pub const KINDS: &'static [&'static str] = &[$( $kind ),*];

            /// The kind, as the log and the API spell it.
            pub fn kind(&self) -> &str {
                match self {
                    $( Change::$variant(_) => $kind, )*
                    Change::Other { kind, .. } => kind,
                }
            }

            /// The change a `kind` and its `payload` (JSON) record; [`Change::Other`] when it is
            /// not one this version reads.
            pub fn from_parts(kind: &str, payload: &str) -> Change {
                let parsed = match kind {
                    $( $kind => serde_json::from_str(payload).map(Change::$variant), )*
                    _ => return Change::other(kind, payload),
                };
                parsed.unwrap_or_else(|_| Change::other(kind, payload))
            }
        }

        impl Serialize for Payload<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self.0 {
                    $( Change::$variant(payload) => payload.serialize(serializer), )*
                    Change::Other { payload, .. } => payload.serialize(serializer),
                }
            }
        }
    };
}

changes! {
    WorkspaceCreated(WorkspaceCreated) = kind::WORKSPACE_CREATED,
    MemberJoined(MemberChanged) = kind::MEMBER_JOINED,
    MemberUpdated(MemberChanged) = kind::MEMBER_UPDATED,
    MemberRoleChanged(RoleChanged) = kind::MEMBER_ROLE_CHANGED,
    MemberDeactivated(MemberRef) = kind::MEMBER_DEACTIVATED,
    MemberReactivated(MemberRef) = kind::MEMBER_REACTIVATED,
    ChannelCreated(ChannelChanged) = kind::CHANNEL_CREATED,
    ChannelUpdated(ChannelChanged) = kind::CHANNEL_UPDATED,
    ChannelMemberAdded(ChannelMembership) = kind::CHANNEL_MEMBER_ADDED,
    ChannelMemberRemoved(ChannelMembership) = kind::CHANNEL_MEMBER_REMOVED,
    ThreadCreated(ThreadCreated) = kind::THREAD_CREATED,
    ThreadUpdated(ThreadUpdated) = kind::THREAD_UPDATED,
    ThreadResolved(ThreadRef) = kind::THREAD_RESOLVED,
    ThreadReopened(ThreadRef) = kind::THREAD_REOPENED,
    DmCreated(DmChanged) = kind::DM_CREATED,
    DmUpdated(DmChanged) = kind::DM_UPDATED,
    MessagePosted(MessagePosted) = kind::MESSAGE_POSTED,
    MessageEdited(MessageEdited) = kind::MESSAGE_EDITED,
    MessageDeleted(MessageRef) = kind::MESSAGE_DELETED,
    /// A message moved from a timeline into a thread of the same conversation.
    MessageMoved(MessageMoved) = kind::MESSAGE_MOVED,
    ReactionAdded(ReactionChanged) = kind::REACTION_ADDED,
    ReactionRemoved(ReactionChanged) = kind::REACTION_REMOVED,
    ProjectCreated(ProjectChanged) = kind::PROJECT_CREATED,
    ProjectUpdated(ProjectChanged) = kind::PROJECT_UPDATED,
    TaskCreated(TaskCreated) = kind::TASK_CREATED,
    TaskUpdated(TaskUpdated) = kind::TASK_UPDATED,
    TaskStatusChanged(TaskStatusChanged) = kind::TASK_STATUS_CHANGED,
    TaskAssigned(TaskAssigned) = kind::TASK_ASSIGNED,
    TaskDueChanged(TaskDueChanged) = kind::TASK_DUE_CHANGED,
    HuddleStarted(HuddleStarted) = kind::HUDDLE_STARTED,
    HuddleJoined(HuddlePresence) = kind::HUDDLE_JOINED,
    HuddleLeft(HuddlePresence) = kind::HUDDLE_LEFT,
    HuddleUpdated(HuddleUpdated) = kind::HUDDLE_UPDATED,
    HuddleDecisionRecorded(DecisionRecorded) = kind::HUDDLE_DECISION_RECORDED,
    HuddleActionItemAdded(ActionItemAdded) = kind::HUDDLE_ACTION_ITEM_ADDED,
    HuddleEnded(HuddleEnded) = kind::HUDDLE_ENDED,
    JobScheduled(JobScheduled) = kind::JOB_SCHEDULED,
    JobCancelled(JobRef) = kind::JOB_CANCELLED,
    JobFired(JobFired) = kind::JOB_FIRED,
    ReminderDue(ReminderDue) = kind::REMINDER_DUE,
    NormChanged(NormChanged) = kind::NORM_CHANGED,
    CheckInCreated(CheckInCreated) = kind::CHECKIN_CREATED,
    SlotBooked(SlotBooked) = kind::SLOT_BOOKED,
    NotificationDelivered(NotificationDelivered) = kind::NOTIFICATION_DELIVERED,
    NotificationRead(NotificationsRead) = kind::NOTIFICATION_READ,
    AdviceAccepted(AdviceDecided) = kind::ADVICE_ACCEPTED,
    AdviceDismissed(AdviceDecided) = kind::ADVICE_DISMISSED,
}

impl Change {
    fn other(kind: &str, payload: &str) -> Change {
        Change::Other { kind: kind.to_string(), payload: serde_json::from_str(payload).unwrap_or(Value::Null) }
    }

    /// The payload as the log stores it.
    pub fn payload_json(&self) -> String {
        serde_json::to_string(&Payload(self)).expect("payloads serialize: plain data, string keys")
    }
}

/// A change's payload alone, as it is serialized under `payload`.
pub(crate) struct Payload<'a>(pub(crate) &'a Change);

fn is_false(value: &bool) -> bool {
    !*value
}

/// Absent stays `None`; `null` is `Some(None)`: "cleared", not "unchanged".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceCreated {
    pub workspace: Workspace,
}

/// A member joined, or their profile changed: the member as every member sees them (no e-mail).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberChanged {
    pub member_id: MemberId,
    pub member: Member,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleChanged {
    pub member_id: MemberId,
    pub from: Role,
    pub to: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberRef {
    pub member_id: MemberId,
}

/// A channel as every reader of its events sees it: without whether the reader is a member.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharedChannel {
    pub id: ChannelId,
    pub name: String,
    pub visibility: Visibility,
    pub topic: String,
    pub created_by: MemberId,
    pub created_at: Timestamp,
    pub archived: bool,
}

impl From<&crate::model::Channel> for SharedChannel {
    fn from(channel: &crate::model::Channel) -> SharedChannel {
        SharedChannel {
            id: channel.id,
            name: channel.name.clone(),
            visibility: channel.visibility,
            topic: channel.topic.clone(),
            created_by: channel.created_by,
            created_at: channel.created_at,
            archived: channel.archived,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelChanged {
    pub channel_id: ChannelId,
    pub channel: SharedChannel,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelMembership {
    pub channel_id: ChannelId,
    pub member_id: MemberId,
}

/// A thread began: in a channel, in a direct conversation, or (neither) for a task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThreadCreated {
    pub thread_id: ThreadId,
    pub channel_id: Option<ChannelId>,
    pub dm_id: Option<DmId>,
    pub task_id: Option<TaskId>,
    pub thread: Thread,
}

/// What changed of a thread; `None`: unchanged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThreadUpdated {
    pub thread_id: ThreadId,
    pub title: Option<String>,
    pub tags: Option<Vec<String>>,
    /// How an imported title reads: `Some(None)` when it reads as the title again.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub display_title: Option<Option<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThreadRef {
    pub thread_id: ThreadId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DmChanged {
    pub dm_id: DmId,
    pub dm: Dm,
}

/// A message was posted. After its deletion the event stays, `redacted`: its text, HTML and
/// mentions emptied.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessagePosted {
    pub message: Message,
    #[serde(default, skip_serializing_if = "is_false")]
    pub redacted: bool,
}

/// A message's new text (the text of `message.posted` and of earlier edits is what it replaced).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageEdited {
    pub message_id: MessageId,
    pub body: String,
    pub html: String,
    pub mentions: Vec<MemberId>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub redacted: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageRef {
    pub message_id: MessageId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageMoved {
    pub message_id: MessageId,
    pub thread_id: ThreadId,
    pub from_thread_id: Option<ThreadId>,
    pub from_dm_id: Option<DmId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReactionChanged {
    pub message_id: MessageId,
    pub emoji: String,
    pub member_id: MemberId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectChanged {
    pub project_id: ProjectId,
    pub project: Project,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskCreated {
    pub task_id: TaskId,
    pub task: Task,
}

/// What changed of a task's text; `None`: unchanged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskUpdated {
    pub task_id: TaskId,
    pub title: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Priority>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskStatusChanged {
    pub task_id: TaskId,
    pub from: TaskStatus,
    pub to: TaskStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskAssigned {
    pub task_id: TaskId,
    pub from: Option<MemberId>,
    pub to: Option<MemberId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskDueChanged {
    pub task_id: TaskId,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HuddleStarted {
    pub huddle_id: HuddleId,
    pub huddle: Huddle,
    /// Where its action items become tasks (absent: its task's project, else "Action items").
    /// Absent from huddles started before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
}

/// Someone joined or left a huddle.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HuddlePresence {
    pub huddle_id: HuddleId,
    pub member_id: MemberId,
    pub at: Timestamp,
}

/// What changed of a huddle; `None`: unchanged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HuddleUpdated {
    pub huddle_id: HuddleId,
    pub agenda: Option<String>,
    pub notes: Option<String>,
    /// `Some(None)` (`null`) removes the link. Events written before this distinction wrote
    /// `null` also when the link did not change.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub call_link: Option<Option<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionRecorded {
    pub huddle_id: HuddleId,
    pub item_id: i64,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionItemAdded {
    pub huddle_id: HuddleId,
    pub item_id: i64,
    pub title: String,
    pub assignee_id: Option<MemberId>,
    pub due: Option<Date>,
}

/// A huddle ended: its outcome as posted into its thread.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HuddleEnded {
    pub huddle_id: HuddleId,
    pub thread_id: ThreadId,
    pub duration_s: i64,
    pub participants: Vec<HuddleParticipation>,
    pub decisions: Vec<HuddleItem>,
    pub action_items: Vec<HuddleItem>,
    pub summary_message_id: MessageId,
}

/// A member's timed work was scheduled: a message to send later or a reminder (the job), or a
/// follow-up when a message gets no answer in time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JobScheduled {
    Job { job: Job },
    FollowUp { job_id: i64, message_id: MessageId, notify: MemberId, within_minutes: i64, due_at: Timestamp },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRef {
    pub job_id: i64,
}

/// A job fired; `outcome` is what it did, or `{"error": …}` when it could not be done.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobFired {
    pub job_id: i64,
    pub kind: String,
    pub outcome: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReminderDue {
    pub job_id: i64,
    pub message_id: MessageId,
    pub note: Option<String>,
}

/// A reply norm was set: a channel's (`None` minutes: it follows the workspace's again) or,
/// without a channel, the workspace's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NormChanged {
    pub channel_id: Option<ChannelId>,
    pub reply_within_minutes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckInCreated {
    pub checkin_id: i64,
    pub checkin: CheckIn,
}

/// A meeting slot was booked; `outside_working_hours` are the members it falls outside of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SlotBooked {
    pub start: Timestamp,
    pub end: Timestamp,
    pub members: Vec<MemberId>,
    pub outside_working_hours: Vec<MemberId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationDelivered {
    pub notification: Notification,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationsRead {
    pub ids: Vec<i64>,
}

/// An advisor suggestion was accepted (with what accepting it created) or dismissed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdviceDecided {
    pub key: String,
    pub suggestion: Value,
    pub created: Value,
}
