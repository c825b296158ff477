//! Baton's domain: identifiers, members and roles, channels, threads, messages, projects and
//! tasks, the events that record every change, markdown rendering, and working-time calendar
//! math. Nothing here does IO, reads the clock or is async: time arrives as an argument.

pub mod calendar;
pub mod error;
pub mod event;
pub mod ids;
pub mod model;
pub mod search;
pub mod text;
pub mod validate;

pub use error::{Error, Result};
pub use ids::{ChannelId, DmId, HuddleId, MemberId, MessageId, ProjectId, Seq, TaskId, ThreadId};
