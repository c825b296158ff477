//! Baton's insight metrics, exactly as DESIGN.md ("Insight metrics (exact definitions)")
//! defines them, over a [`Dataset`] built from events (Baton's own log or an import). Pure: no
//! IO, no clock, not async; the report's end `to` arrives as an argument, so the same data
//! always gives the same numbers.

pub mod advisor;
pub mod cancel;
pub mod compare;
pub mod conversations;
pub mod dataset;
pub mod error;
pub mod event_log;
pub mod lagging;
pub mod messages;
pub mod mode_mix;
pub mod overlap;
pub mod people;
pub mod quantile;
pub mod render;
pub mod report;
pub mod scope;
pub mod tasks;
pub mod trend;
pub mod window;

pub use cancel::{Cancel, Cancelled};
pub use dataset::{Conversation, ConversationKind, Dataset, Huddle, MemberIdx, Message, Person, Task, TaskChange};
pub use error::{Error, Result};
pub use event_log::{dataset_and_origins, dataset_from_events, DatasetBuilder, LogIds, Origin, Snapshot};
pub use messages::Messages;
pub use report::{report, report_until, Report};
pub use scope::{Narrowed, Scope, ScopeError};
pub use window::{days, default_last_day, four_weeks_through, parse_instant, Thresholds, Window, DEFAULT_DAYS};
