//! The workspace's objects as readers see them: what the API returns and the store projects.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::calendar::WorkingHours;
use crate::ids::{ChannelId, DmId, HuddleId, MemberId, MessageId, ProjectId, TaskId, ThreadId};

/// What a member may do. Owners and admins manage members; guests see only the channels they
/// were added to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Guest,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Guest => "guest",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            "member" => Role::Member,
            "guest" => Role::Guest,
            _ => return None,
        })
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// Who can see a channel: everyone but guests, or only its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// A task's status. `done` and `cancelled` close it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Blocked,
    Done,
    Cancelled,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Blocked => "blocked",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        Some(match s {
            "todo" => TaskStatus::Todo,
            "in_progress" => TaskStatus::InProgress,
            "blocked" => TaskStatus::Blocked,
            "done" => TaskStatus::Done,
            "cancelled" => TaskStatus::Cancelled,
            _ => return None,
        })
    }

    pub fn is_closed(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::Cancelled)
    }
}

/// A task's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Some(match s {
            "low" => Priority::Low,
            "normal" => Priority::Normal,
            "high" => Priority::High,
            "urgent" => Priority::Urgent,
            _ => return None,
        })
    }
}

/// The workspace: the tenant boundary.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Workspace {
    pub id: i64,
    pub name: String,
    /// IANA zone of the workspace calendar (due dates, unassigned tasks).
    pub time_zone: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A member of the workspace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub id: MemberId,
    pub handle: String,
    pub display_name: String,
    /// Shown to admins and to the member themself; empty for others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub role: Role,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub working_hours: WorkingHours,
    pub active: bool,
    /// An account that acts but is not a person (the owner an import sets up); insights leave
    /// it out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub service: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A channel: public (every member but guests) or private (its members only).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Channel {
    pub id: ChannelId,
    pub name: String,
    pub visibility: Visibility,
    pub topic: String,
    pub created_by: MemberId,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub archived: bool,
    /// Whether the viewer is a member of the channel.
    pub is_member: bool,
}

/// A thread: a titled topic in a channel or in a direct conversation, or the discussion of a
/// task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Thread {
    pub id: ThreadId,
    /// The channel it lives in; `null` for a direct conversation's or a task's thread.
    pub channel_id: Option<ChannelId>,
    /// The direct conversation it lives in (a reply to one of its messages started it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dm_id: Option<DmId>,
    /// The task it discusses, if it is a task's thread.
    pub task_id: Option<TaskId>,
    /// The title; an imported thread's as exported, markup and all (reports name it so).
    pub title: String,
    /// How an imported title reads, without the exporting tool's markup (`_*launch*_` →
    /// `launch`); absent when it reads as `title`. Show this when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_title: Option<String>,
    /// A channel's timeline: the messages an imported channel had outside any thread (one per
    /// channel, untitled, never resolved).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timeline: bool,
    pub resolved: bool,
    pub tags: Vec<String>,
    pub created_by: MemberId,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub message_count: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_message_at: Option<Timestamp>,
}

impl Thread {
    /// The title as people read it: the display title of an import, else the title.
    pub fn shown_title(&self) -> &str {
        self.display_title.as_deref().unwrap_or(&self.title)
    }
}

/// A reaction and who gave it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Reaction {
    pub emoji: String,
    pub members: Vec<MemberId>,
}

/// A message. A deleted message keeps its place as a tombstone with an empty body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    /// The thread it is in (a channel's, a direct conversation's or a task's).
    pub thread_id: Option<ThreadId>,
    /// The direct conversation whose timeline it is in; `null` in a thread, even a direct
    /// conversation's (its thread names the conversation).
    pub dm_id: Option<DmId>,
    pub author_id: MemberId,
    /// Markdown as written.
    pub body: String,
    /// Rendered, sanitized HTML.
    pub html: String,
    pub mentions: Vec<MemberId>,
    pub reactions: Vec<Reaction>,
    pub urgent: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub edited_at: Option<Timestamp>,
    pub deleted: bool,
}

/// One earlier version of an edited message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MessageVersion {
    pub body: String,
    /// When this version was replaced.
    #[schema(value_type = String, format = DateTime)]
    pub replaced_at: Timestamp,
}

/// A direct conversation between two or more members.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Dm {
    pub id: DmId,
    pub member_ids: Vec<MemberId>,
    /// The participants' handles, comma separated: how the conversation is named.
    pub name: String,
    /// Its name in the export it was imported from (Slack: an mpim's `name`, a DM's id); reports
    /// name it so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_name: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_message_at: Option<Timestamp>,
}

/// A project: a set of tasks.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub description: String,
    pub created_by: MemberId,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub archived: bool,
}

/// A task. Every task owns a discussion thread.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub project_id: ProjectId,
    pub thread_id: ThreadId,
    pub title: String,
    pub description: String,
    pub assignee_id: Option<MemberId>,
    pub status: TaskStatus,
    /// A calendar date (`YYYY-MM-DD`) in the workspace time zone.
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<jiff::civil::Date>,
    pub priority: Priority,
    pub created_by: MemberId,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<Timestamp>,
}

/// A huddle: a live session attached to a thread (or a task's thread). Its outcome is posted
/// back into the thread when it ends, and its action items become tasks.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Huddle {
    pub id: HuddleId,
    pub thread_id: ThreadId,
    /// The task it was started from, if any.
    pub task_id: Option<TaskId>,
    pub title: String,
    /// A link to the call in any video tool.
    pub call_link: Option<String>,
    pub agenda: String,
    /// Shared notes, markdown.
    pub notes: String,
    pub started_by: MemberId,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<Timestamp>,
    /// When a huddle set up for a later slot opens: nobody joins before. `null`: open at once.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opens_at: Option<Timestamp>,
    /// Invited members (they are notified; anyone who may read the thread may join).
    #[serde(default)]
    pub invited: Vec<MemberId>,
    /// Every stretch someone was in the huddle, in order of joining.
    pub participants: Vec<HuddleParticipation>,
    pub decisions: Vec<HuddleItem>,
    pub action_items: Vec<HuddleItem>,
    /// The summary posted into the thread when it ended.
    pub summary_message_id: Option<MessageId>,
}

/// One stretch of a member's presence in a huddle.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HuddleParticipation {
    pub member_id: MemberId,
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Timestamp,
    /// `null` while they are still in.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub left_at: Option<Timestamp>,
}

/// A decision or an action item recorded during a huddle.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HuddleItem {
    pub id: i64,
    pub text: String,
    /// Action items: who does it, by when; the task made of it when the huddle ended.
    pub assignee_id: Option<MemberId>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<jiff::civil::Date>,
    pub task_id: Option<TaskId>,
    pub created_by: MemberId,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// Timed work of a member's: a message to send later, or a reminder about a message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Job {
    pub id: i64,
    /// `send_message` or `remind`.
    pub kind: String,
    pub member_id: MemberId,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
    /// For `send_message`: `thread_id` or `dm_id`, `body`, `urgent`; for `remind`:
    /// `message_id` and `note`.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub fired_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub cancelled_at: Option<Timestamp>,
    /// What firing did: `{"message_id": …}`, or `{"error": …}` when it could not be done.
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<serde_json::Value>,
}

/// Something a member should hear about: a mention, a direct message, a reply in a thread they
/// take part in, a task assigned to them. Outside their working hours it is held until their
/// next working period starts, unless urgent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub member_id: MemberId,
    /// `mention`, `dm`, `reply` or `assigned`.
    pub kind: String,
    /// What it is about: `message_id` with `thread_id` or `dm_id` and the author, or `task_id`.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub urgent: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it is (or was) delivered: at once, or the start of the next working period.
    #[schema(value_type = String, format = DateTime)]
    pub deliver_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<Timestamp>,
}

/// How soon replies are expected, in working minutes of the responder's calendar: the
/// workspace's default and the channels (that the viewer may see) that set their own.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Norms {
    pub default_reply_within_minutes: i64,
    pub channels: Vec<ChannelNorm>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChannelNorm {
    pub channel_id: ChannelId,
    pub name: String,
    pub reply_within_minutes: i64,
}

/// A check-in: questions asked of each member at `ask_at` in their own zone on their working
/// days; answers are messages in its thread; a digest is posted there Monday to Friday at
/// `digest_at` in `digest_zone` (its creator's).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckIn {
    pub id: i64,
    pub channel_id: ChannelId,
    pub thread_id: ThreadId,
    pub title: String,
    pub questions: Vec<String>,
    /// `HH:MM`, each member's local time.
    pub ask_at: String,
    /// `HH:MM` in `digest_zone`.
    pub digest_at: String,
    pub digest_zone: String,
    /// On which days and how many weeks apart it asks (and posts its digest).
    #[serde(default)]
    pub cadence: Cadence,
    pub member_ids: Vec<MemberId>,
    pub created_by: MemberId,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Every ask so far, the latest first (at most 500).
    #[serde(default)]
    pub asks: Vec<CheckInAsk>,
}

/// A day of the week, as check-in cadences name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub const ALL: [Day; 7] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri, Day::Sat, Day::Sun];

    pub fn weekday(self) -> jiff::civil::Weekday {
        use jiff::civil::Weekday;
        match self {
            Day::Mon => Weekday::Monday,
            Day::Tue => Weekday::Tuesday,
            Day::Wed => Weekday::Wednesday,
            Day::Thu => Weekday::Thursday,
            Day::Fri => Weekday::Friday,
            Day::Sat => Weekday::Saturday,
            Day::Sun => Weekday::Sunday,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Day::Mon => "mon",
            Day::Tue => "tue",
            Day::Wed => "wed",
            Day::Thu => "thu",
            Day::Fri => "fri",
            Day::Sat => "sat",
            Day::Sun => "sun",
        }
    }

    pub fn parse(s: &str) -> Option<Day> {
        Day::ALL.into_iter().find(|d| d.as_str() == s.trim().to_ascii_lowercase().get(..3).unwrap_or_default())
    }
}

/// How often a check-in asks: on `days` (each member's working days when empty), every
/// `every_weeks` weeks, counted from the week it was created. `{}` is daily: every working day.
/// `{"days": ["mon"]}` is weekly on Mondays; `{"days": ["fri"], "every_weeks": 2}` every other
/// Friday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Cadence {
    #[serde(default)]
    pub days: Vec<Day>,
    /// 1 to 4.
    #[serde(default = "Cadence::weekly")]
    pub every_weeks: u8,
}

impl Default for Cadence {
    fn default() -> Cadence {
        Cadence { days: Vec::new(), every_weeks: 1 }
    }
}

impl Cadence {
    fn weekly() -> u8 {
        1
    }

    /// Whether it asks on `date`, for someone who works on `working` days, in a check-in whose
    /// weeks are counted from the one holding `anchor`.
    pub fn asks_on(&self, date: jiff::civil::Date, anchor: jiff::civil::Date, working: bool) -> bool {
        let day_ok = self.days.is_empty() || self.days.iter().any(|d| d.weekday() == date.weekday());
        day_ok && working && self.in_week_of(date, anchor)
    }

    /// Whether `date` falls in one of its weeks (every `every_weeks`-th week from `anchor`'s).
    pub fn in_week_of(&self, date: jiff::civil::Date, anchor: jiff::civil::Date) -> bool {
        let monday = |d: jiff::civil::Date| {
            d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset()))).unwrap_or(d)
        };
        let weeks = monday(anchor).until(monday(date)).map_or(0, |span| span.get_days() / 7);
        weeks.rem_euclid(i32::from(self.every_weeks.max(1))) == 0
    }

    /// In words: "every working day", "Mondays", "every 2 weeks on Fridays".
    pub fn describe(&self) -> String {
        let names = |days: &[Day]| {
            days.iter()
                .map(|d| match d {
                    Day::Mon => "Mondays",
                    Day::Tue => "Tuesdays",
                    Day::Wed => "Wednesdays",
                    Day::Thu => "Thursdays",
                    Day::Fri => "Fridays",
                    Day::Sat => "Saturdays",
                    Day::Sun => "Sundays",
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (self.days.is_empty(), self.every_weeks) {
            (true, 0 | 1) => "every working day".into(),
            (true, n) => format!("every working day, every {n} weeks"),
            (false, 0 | 1) => names(&self.days),
            (false, n) => format!("every {n} weeks on {}", names(&self.days)),
        }
    }
}

/// One member asked on one of their local working days, and their answer if given.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckInAsk {
    pub member_id: MemberId,
    /// Their local date.
    #[schema(value_type = String, format = Date)]
    pub day: jiff::civil::Date,
    #[schema(value_type = String, format = DateTime)]
    pub asked_at: Timestamp,
    pub answer_message_id: Option<MessageId>,
}
