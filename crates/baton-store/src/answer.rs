//! What a command answers: the resource it created or changed, typed. Each [`Command`] has one
//! kind of answer; the API shows it as that resource's JSON (serialized as the inner value), and
//! an answer kept for an idempotency key is read back in the command's kind
//! ([`Answer::replayed`]).

use baton_core::event as ev;
use baton_core::model::{Channel, CheckIn, Dm, Huddle, Job, Member, Message, Project, Task, Thread, Workspace};
use baton_core::{ChannelId, MemberId, MessageId};
use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::error::{Error, Result};

/// A workspace set up, with its first owner.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetUp {
    pub workspace: Workspace,
    pub member: Member,
}

/// A member added, with the invitation token to hand them. The token is kept with the answer,
/// so that a retry of the same request hands out the token that works (it is used up once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberAdded {
    pub member: Member,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_token: Option<String>,
}

/// A member taken out of a channel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeftChannel {
    pub channel_id: ChannelId,
    pub member_id: MemberId,
    pub removed: bool,
}

/// How many notifications were marked read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationsRead {
    pub read: usize,
}

/// Where a member's read mark stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadUpTo {
    pub read_up_to: MessageId,
}

macro_rules! answers {
    ($( $(#[$doc:meta])* $variant:ident($inner:ty) => $into:ident, $what:literal; )*) => {
        /// What a command answers, one variant per kind of resource.
        #[derive(Debug, Clone, Serialize)]
        #[serde(untagged)]
        pub enum Answer {
            /// Commands that answer nothing: sign-in bookkeeping, a job that had fired already.
            Nothing,
            $( $(#[$doc])* $variant($inner), )*
        }

        impl Answer {
            $(
                #[doc = concat!("The answer as ", $what, "; an internal error if it is another kind.")]
                pub fn $into(self) -> Result<$inner> {
                    match self {
                        Answer::$variant(inner) => Ok(inner),
                        other => Err(other.not($what)),
                    }
                }
            )*

            /// The name of this answer's kind, for errors.
            fn kind(&self) -> &'static str {
                match self {
                    Answer::Nothing => "nothing",
                    $( Answer::$variant(_) => $what, )*
                }
            }
        }
    };
}

answers! {
    SetUp(SetUp) => into_set_up, "a set-up workspace";
    MemberAdded(MemberAdded) => into_member_added, "an added member";
    Member(Member) => into_member, "a member";
    Channel(Channel) => into_channel, "a channel";
    LeftChannel(LeftChannel) => into_left_channel, "a removal from a channel";
    Thread(Thread) => into_thread, "a thread";
    Message(Message) => into_message, "a message";
    Dm(Dm) => into_dm, "a direct conversation";
    Project(Project) => into_project, "a project";
    Task(Task) => into_task, "a task";
    Huddle(Huddle) => into_huddle, "a huddle";
    CheckIn(CheckIn) => into_checkin, "a check-in";
    /// A member's own job: a message to send later, a reminder.
    Job(Job) => into_job, "a job";
    /// A follow-up scheduled.
    JobScheduled(ev::JobScheduled) => into_job_scheduled, "a scheduled follow-up";
    JobFired(ev::JobFired) => into_job_fired, "a fired job";
    NormChanged(ev::NormChanged) => into_norm_changed, "a norm";
    SlotBooked(ev::SlotBooked) => into_slot_booked, "a booked slot";
    Advice(ev::AdviceDecided) => into_advice, "a decided suggestion";
    NotificationsRead(NotificationsRead) => into_notifications_read, "notifications read";
    ReadUpTo(ReadUpTo) => into_read_up_to, "a read mark";
}

impl Answer {
    fn not(&self, wanted: &str) -> Error {
        Error::Internal(format!("the store answered {} where {wanted} was expected", self.kind()).into())
    }

    /// The id of the one resource it is (a member added: theirs); `None` for the other kinds.
    pub fn id(&self) -> Option<i64> {
        Some(match self {
            Answer::MemberAdded(added) => added.member.id.0,
            Answer::Member(member) => member.id.0,
            Answer::Channel(channel) => channel.id.0,
            Answer::Thread(thread) => thread.id.0,
            Answer::Message(message) => message.id.0,
            Answer::Dm(dm) => dm.id.0,
            Answer::Project(project) => project.id.0,
            Answer::Task(task) => task.id.0,
            Answer::Huddle(huddle) => huddle.id.0,
            Answer::CheckIn(checkin) => checkin.id,
            Answer::Job(job) => job.id,
            _ => return None,
        })
    }

    /// The answer as JSON, as the API shows it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// An answer kept for `command`'s idempotency key (its JSON), read back as that command's
    /// kind of answer.
    pub fn replayed(command: &Command, kept: &str) -> Result<Answer> {
        use Command as C;
        fn read<T: serde::de::DeserializeOwned>(kept: &str, wrap: fn(T) -> Answer) -> Result<Answer> {
            Ok(wrap(serde_json::from_str(kept)?))
        }
        match command {
            C::Setup { .. } => read(kept, Answer::SetUp),
            C::IssueToken { .. } | C::RevokeToken { .. } | C::SetPassword { .. } => Ok(Answer::Nothing),
            C::FireJob { .. } if kept == "null" => Ok(Answer::Nothing),
            C::FireJob { .. } => read(kept, Answer::JobFired),
            C::AddMember { .. } => read(kept, Answer::MemberAdded),
            C::UpdateMember { .. } => read(kept, Answer::Member),
            C::CreateChannel { .. } | C::UpdateChannel { .. } | C::AddChannelMember { .. } => {
                read(kept, Answer::Channel)
            }
            C::RemoveChannelMember { .. } => read(kept, Answer::LeftChannel),
            C::CreateThread { .. } | C::OpenTimeline { .. } | C::UpdateThread { .. } | C::SetDisplayTitle { .. } => {
                read(kept, Answer::Thread)
            }
            C::PostMessage { .. }
            | C::Reply { .. }
            | C::MoveToThread { .. }
            | C::EditMessage { .. }
            | C::MarkEdited { .. }
            | C::DeleteMessage { .. }
            | C::AddReaction { .. }
            | C::RemoveReaction { .. }
            | C::AnswerCheckIn { .. } => read(kept, Answer::Message),
            C::OpenDm { .. } => read(kept, Answer::Dm),
            C::CreateProject { .. } | C::UpdateProject { .. } => read(kept, Answer::Project),
            C::CreateTask { .. } | C::UpdateTask { .. } => read(kept, Answer::Task),
            C::StartHuddle { .. }
            | C::JoinHuddle { .. }
            | C::LeaveHuddle { .. }
            | C::UpdateHuddle { .. }
            | C::RecordDecision { .. }
            | C::AddActionItem { .. }
            | C::EndHuddle { .. } => read(kept, Answer::Huddle),
            C::ScheduleMessage { .. } | C::Remind { .. } | C::CancelJob { .. } => read(kept, Answer::Job),
            C::FollowUp { .. } => read(kept, Answer::JobScheduled),
            C::SetNorm { .. } => read(kept, Answer::NormChanged),
            C::BookSlot { .. } => read(kept, Answer::SlotBooked),
            C::CreateCheckIn { .. } => read(kept, Answer::CheckIn),
            C::Advise { .. } => read(kept, Answer::Advice),
            C::ReadNotifications { .. } => read(kept, Answer::NotificationsRead),
            C::MarkRead { .. } => read(kept, Answer::ReadUpTo),
        }
    }
}
