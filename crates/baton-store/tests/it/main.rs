//! The store's contract, checked on a real SQLite file. The story is generic over `Store` so
//! that the PostgreSQL backend, when it lands, runs the same one.

mod contract;
mod privacy;
mod upgrade;

use baton_core::calendar::WorkingHours;
use baton_core::model::Role;
use baton_store::NewMember;

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
