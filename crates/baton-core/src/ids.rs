//! Identifier newtypes, so a thread id can never be passed where a channel id is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = i64, format = Int64)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A member of the workspace.
    MemberId
);
id_type!(
    /// A channel.
    ChannelId
);
id_type!(
    /// A thread: a titled topic in a channel, or a task's discussion.
    ThreadId
);
id_type!(
    /// A message, in a thread or a direct conversation.
    MessageId
);
id_type!(
    /// A direct conversation (1:1 or group).
    DmId
);
id_type!(
    /// A project.
    ProjectId
);
id_type!(
    /// A task.
    TaskId
);
id_type!(
    /// An event's position in the workspace's log: gap-free and strictly increasing.
    Seq
);
id_type!(
    /// A huddle: a live session on a thread or a task.
    HuddleId
);
