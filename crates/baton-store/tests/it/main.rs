//! The store's contract, one suite for both backends: every story runs on a real SQLite file
//! and, when `BATON_TEST_POSTGRES` names a server (`postgres://user@host:port`), on a fresh
//! PostgreSQL database of its own. Without it the PostgreSQL runs say loudly that they were
//! skipped; with `BATON_REQUIRE_POSTGRES=1` (as in CI) they fail instead.

mod contract;
mod privacy;
mod rebuild;
mod search;
mod upgrade;

use baton_core::calendar::WorkingHours;
use baton_core::model::Role;
pub(crate) use baton_store::testing::Scratch;
use baton_store::NewMember;

/// Runs the story `$name(&Scratch)` twice: `$name::sqlite` and `$name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let scratch = $crate::Scratch::sqlite();
                super::$name(&scratch).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(scratch) = $crate::Scratch::postgres().await {
                    super::$name(&scratch).await;
                    scratch.remove().await;
                }
            }
        }
    };
}

/// A member to add, `handle@example.com`, in Berlin with the default hours and no password.
pub(crate) fn member(handle: &str, role: Role) -> NewMember {
    NewMember {
        handle: handle.into(),
        email: format!("{handle}@example.com"),
        display_name: handle.into(),
        role,
        time_zone: "Europe/Berlin".into(),
        working_hours: WorkingHours::default(),
        password_hash: None,
        service: false,
    }
}
