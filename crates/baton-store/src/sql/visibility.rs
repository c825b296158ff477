//! The policy's rules (`domain/policy.rs`) as conditions of this backend's queries. Each
//! condition is rendered from the very [`Rule`] value the domain evaluates, so a list filtered
//! in SQL and a check made in the domain cannot disagree on what a rule says; only on how a
//! query spells the facts a rule is decided on (here, beside each query's parameters).

use std::sync::OnceLock;

use baton_core::model::Role;

use crate::domain::policy::{Rule, READ_ADMINS, READ_CHANNEL, READ_DM, READ_WORK};
use crate::view::Viewer;

/// How a query spells the facts of a [`Rule`]. A fact it cannot spell reads as false: a rule
/// that needs it then lets nobody in rather than everybody.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spelling<'a> {
    /// The viewer is inside the row's channel or conversation.
    pub(crate) inside: Option<&'a str>,
    /// The row's channel is public.
    pub(crate) open: Option<&'a str>,
    /// The placeholder bound to [`guest`] (1 for a guest).
    pub(crate) guest: Option<&'a str>,
    /// The placeholder bound to [`admin`] (1 for an owner or admin).
    pub(crate) admin: Option<&'a str>,
}

/// `rule` as a SQL condition in `spelling`'s terms.
pub(crate) fn condition(rule: Rule, spelling: &Spelling) -> String {
    let fact = |sql: Option<&str>, test: &str| match sql {
        Some(sql) => format!("({sql}{test})"),
        None => "FALSE".to_string(),
    };
    let join = |rules: &[Rule], with: &str| {
        let parts: Vec<String> = rules.iter().map(|rule| condition(*rule, spelling)).collect();
        format!("({})", parts.join(with))
    };
    match rule {
        Rule::Inside => fact(spelling.inside, ""),
        Rule::Open => fact(spelling.open, ""),
        Rule::NotGuest => fact(spelling.guest, " = 0"),
        Rule::Admin => fact(spelling.admin, " = 1"),
        Rule::Any(rules) => join(rules, " OR "),
        Rule::All(rules) => join(rules, " AND "),
    }
}

/// The viewer's role as the `guest` fact's parameter.
pub(crate) fn guest(viewer: &Viewer) -> i64 {
    i64::from(viewer.role == Role::Guest)
}

/// The viewer's role as the `admin` fact's parameter.
pub(crate) fn admin(viewer: &Viewer) -> i64 {
    i64::from(viewer.role.is_admin())
}

/// The ids of the channels a viewer may read ([`READ_CHANNEL`]); binds [`guest`] as `$1`,
/// then the viewer's member id as `$2`.
pub(crate) fn visible_channels() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let spelling = Spelling {
            inside: Some("id IN (SELECT channel_id FROM channel_members WHERE member_id = $2)"),
            open: Some("visibility = 'public'"),
            guest: Some("$1"),
            admin: None,
        };
        format!("SELECT id FROM channels WHERE {}", condition(READ_CHANNEL, &spelling))
    })
}

/// Whether the viewer may read the conversation `dm_column` names ([`READ_DM`]); the member id
/// bound as `member`.
pub(crate) fn reads_dm(dm_column: &str, member: &str) -> String {
    let inside = format!("{dm_column} IN (SELECT dm_id FROM dm_members WHERE member_id = {member})");
    condition(READ_DM, &Spelling { inside: Some(&inside), ..Spelling::default() })
}

/// Whether the viewer may read what every member but guests reads ([`READ_WORK`]).
pub(crate) fn reads_work(guest: &str) -> String {
    condition(READ_WORK, &Spelling { guest: Some(guest), ..Spelling::default() })
}

/// Whether the viewer may read what owners and admins read ([`READ_ADMINS`]).
pub(crate) fn reads_admins(admin: &str) -> String {
    condition(READ_ADMINS, &Spelling { admin: Some(admin), ..Spelling::default() })
}

#[cfg(test)]
mod tests;
