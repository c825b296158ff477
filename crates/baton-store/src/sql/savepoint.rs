//! A write group's savepoints: one per command, so that a command that fails takes back what it
//! wrote and nothing of the commands before it. The writer is bound by its round trips to the
//! database, so a savepoint is opened together with whatever goes next: the previous one's
//! closing, and for a post its first write.

/// The state of the group's savepoint between two commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Savepoint {
    /// None is open: no command of the group has written yet.
    None,
    /// The last command that wrote holds it, and succeeded.
    Kept,
    /// The last command that wrote holds it, and failed: what it wrote is rolled back when the
    /// savepoint closes.
    Failed,
}

impl Savepoint {
    /// Closes the open savepoint (rolling a failed command back) and opens the next command's.
    pub(crate) fn open_next(self) -> &'static str {
        match self {
            Savepoint::None => "SAVEPOINT command",
            Savepoint::Kept => "RELEASE command; SAVEPOINT command",
            Savepoint::Failed => "ROLLBACK TO command; RELEASE command; SAVEPOINT command",
        }
    }

    /// Closes the open savepoint, rolling a failed command back: before the group commits.
    /// `None` when none is open.
    pub(crate) fn close(self) -> Option<&'static str> {
        match self {
            Savepoint::None => None,
            Savepoint::Kept => Some("RELEASE command"),
            Savepoint::Failed => Some("ROLLBACK TO command; RELEASE command"),
        }
    }

    /// The state after a command that opened a savepoint, by whether it succeeded.
    pub(crate) fn after(succeeded: bool) -> Savepoint {
        if succeeded {
            Savepoint::Kept
        } else {
            Savepoint::Failed
        }
    }
}
