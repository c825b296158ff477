//! Narrowing a report to a channel, a project or a member (`baton report --channel --project
//! --member`, and the API's filters). The metrics themselves do not change: they run on a
//! smaller dataset, so a narrowed report obeys every definition of an unnarrowed one.
//!
//! Readings (docs/metrics.md, "Filters"):
//! - `channel`: that channel's threads and timeline; no tasks unless `project` is also given.
//! - `project`: that project's tasks and their threads.
//! - both: the union of the two.
//! - `member`: of what is left, the conversations the member posted in before `to` and the
//!   tasks assigned to them at `to`; the member rows are theirs only.
//! - a kept task keeps its thread, since its last activity reads it.

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;

use crate::dataset::{Dataset, Huddle, MemberIdx};
use crate::tasks::assignee_at;

/// What to narrow a report to; all `None` is the whole workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub channel: Option<String>,
    /// Of the channels named `channel`, only these (by id): a viewer's filter names the channels
    /// they may see, and two channels may share a name when one is private.
    pub channel_ids: Option<Vec<i64>>,
    pub project: Option<String>,
    /// A member's handle.
    pub member: Option<String>,
}

/// A name the scope gives that the data does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("no channel named {0:?} has any conversation")]
    Channel(String),
    #[error("no project named {0:?} has any task")]
    Project(String),
    #[error("no member has the handle {0:?}")]
    Member(String),
}

/// The narrowed dataset, and where its conversations were in the original.
#[derive(Debug, Clone)]
pub struct Narrowed {
    /// The dataset itself, shared, when the scope is everything.
    pub data: Arc<Dataset>,
    /// For each conversation of `data`, its index in the original dataset.
    pub origin: Vec<usize>,
    /// The member the scope names, if any.
    pub member: Option<MemberIdx>,
}

impl Scope {
    pub fn is_everything(&self) -> bool {
        self.channel.is_none() && self.project.is_none() && self.member.is_none()
    }

    /// The part of `data` this scope covers, as a report ending at `to` sees it.
    pub fn narrow(&self, data: &Arc<Dataset>, to: Timestamp) -> Result<Narrowed, ScopeError> {
        if self.is_everything() {
            // Everything, as it is (huddles and decisions included), not copied.
            let origin = (0..data.conversations.len()).collect();
            return Ok(Narrowed { data: Arc::clone(data), origin, member: None });
        }
        let task_threads: HashSet<usize> = data.tasks.iter().filter_map(|t| t.conversation).collect();
        let mut conversations: Vec<bool> =
            vec![self.channel.is_none() && self.project.is_none(); data.conversations.len()];
        let mut tasks: Vec<bool> = vec![self.project.is_none() && self.channel.is_none(); data.tasks.len()];
        if let Some(channel) = &self.channel {
            let mut any = false;
            for (idx, conversation) in data.conversations.iter().enumerate() {
                let one_of_them = self
                    .channel_ids
                    .as_ref()
                    .is_none_or(|ids| conversation.channel_id.is_some_and(|id| ids.contains(&id)));
                if !conversation.direct
                    && !task_threads.contains(&idx)
                    && &conversation.channel == channel
                    && one_of_them
                {
                    conversations[idx] = true;
                    any = true;
                }
            }
            if !any {
                return Err(ScopeError::Channel(channel.clone()));
            }
        }
        if let Some(project) = &self.project {
            let mut any = false;
            for (idx, task) in data.tasks.iter().enumerate() {
                if &task.project == project {
                    tasks[idx] = true;
                    any = true;
                }
            }
            if !any {
                return Err(ScopeError::Project(project.clone()));
            }
        }
        let member = match &self.member {
            Some(handle) => {
                let idx = data
                    .people
                    .iter()
                    .position(|p| &p.handle == handle)
                    .ok_or_else(|| ScopeError::Member(handle.clone()))?;
                let mut posted = vec![false; data.conversations.len()];
                for message in data.messages.iter().take_while(|m| m.at < to) {
                    if message.author == idx {
                        posted[message.conversation] = true;
                    }
                }
                for (keep, posted) in conversations.iter_mut().zip(posted) {
                    *keep &= posted;
                }
                for (keep, task) in tasks.iter_mut().zip(&data.tasks) {
                    *keep &= assignee_at(task, to) == Some(idx);
                }
                Some(idx)
            }
            None => None,
        };
        for (task, _) in data.tasks.iter().zip(&tasks).filter(|(_, keep)| **keep) {
            if let Some(thread) = task.conversation {
                conversations[thread] = true;
            }
        }

        let mut new_index = vec![usize::MAX; data.conversations.len()];
        let mut origin = Vec::new();
        let mut kept = Vec::new();
        for (idx, conversation) in data.conversations.iter().enumerate().filter(|(idx, _)| conversations[*idx]) {
            new_index[idx] = kept.len();
            origin.push(idx);
            kept.push(conversation.clone());
        }
        let messages = data
            .messages
            .iter()
            .filter(|m| conversations[m.conversation])
            .map(|m| {
                let mut message = m.clone();
                message.conversation = new_index[m.conversation];
                message
            })
            .collect();
        let tasks = data
            .tasks
            .iter()
            .zip(&tasks)
            .filter(|(_, keep)| **keep)
            .map(|(task, _)| {
                let mut task = task.clone();
                task.conversation = task.conversation.map(|c| new_index[c]);
                task
            })
            .collect();
        let narrowed = Dataset {
            workspace_calendar: data.workspace_calendar.clone(),
            people: data.people.clone(),
            conversations: kept,
            messages,
            tasks,
            // A huddle goes with the thread it was held on.
            huddles: data
                .huddles
                .iter()
                .filter(|h| h.conversation.is_some_and(|c| conversations[c]))
                .map(|h| Huddle { conversation: h.conversation.map(|c| new_index[c]), ..h.clone() })
                .collect(),
            thread_decisions: data
                .thread_decisions
                .iter()
                .filter(|(conversation, _)| conversations[*conversation])
                .map(|(conversation, at)| (new_index[*conversation], *at))
                .collect(),
        };
        Ok(Narrowed { data: Arc::new(narrowed), origin, member })
    }
}

#[cfg(test)]
mod tests;
