//! What an import says when it is done (on stderr): what it imported, or that nothing changed;
//! when the data begins and ends; what it left out; and the two commands to run next, printed
//! so that they work as written: a login that sees everything, and a report over the last four
//! weeks of the data.

use std::fmt::Write as _;

use anyhow::Context;
use baton_core::calendar::parse_time_zone;
use baton_insights::four_weeks_through;
use baton_store::{Database, SqlStore, Store, Viewer};

use crate::workspace::Place;
use jiff::{Timestamp, ToSpan};

/// What an import read, for its last words.
pub(super) struct Summary {
    /// What the export holds, counted, in order: "4 members", "2 conversations", "1 message".
    pub counts: Vec<String>,
    /// One sentence each: what was left out, and why.
    pub notes: Vec<String>,
    /// The earliest and the latest instant of the data (messages; tasks' instants).
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl Summary {
    /// Prints the summary; `changed` says whether the import wrote anything (the log's head
    /// moved): an export imported before answers every request with its first answer.
    pub(super) async fn print(
        &self,
        store: &SqlStore,
        owner: Viewer,
        from: &str,
        place: &Place,
        changed: bool,
    ) -> anyhow::Result<()> {
        let workspace = store.workspace().await?.context("the data directory holds no workspace")?;
        let zone = parse_time_zone(&workspace.time_zone)?;
        let mut dir = shell_word(&place.data_dir.display().to_string());
        if let Ok(database @ Database::Postgres(_)) = place.database() {
            dir = format!("{dir} --database {}", shell_word(&database.to_string()));
        }
        let what = listing(&self.counts);
        let mut out = String::new();
        if changed {
            writeln!(out, "imported {what} from {from} into {}", place.describe())?;
        } else {
            writeln!(out, "already imported, nothing changed: {} holds the {what} of {from}", place.describe())?;
        }
        let day = |at: Timestamp| at.to_zoned(zone.clone()).date();
        if let (Some(first), Some(last)) = (self.first, self.last) {
            writeln!(out, "the data runs from {} to {} ({})", day(first), day(last), workspace.time_zone)?;
        }
        for note in &self.notes {
            writeln!(out, "{note}")?;
        }
        writeln!(out, "next:")?;
        match free_login(store, owner).await? {
            Some((handle, email)) => {
                writeln!(out, "  a login that sees everything (an owner; use your own handle and e-mail):")?;
                writeln!(
                    out,
                    "    baton admin create-user --data-dir {dir} --role owner --handle {handle} --email {email}"
                )?;
            }
            None => {
                writeln!(out, "  sign in as an owner or admin who has a password, at the address this prints:")?;
                writeln!(out, "    baton serve --data-dir {dir}")?;
            }
        }
        match self.last {
            Some(last) => {
                let (first_day, last_day) = four_weeks_through(day(last));
                let to = last_day.checked_add(1.day())?;
                writeln!(out, "  the last four weeks of the data:")?;
                writeln!(out, "    baton report --data-dir {dir} --from {first_day} --to {to}")?;
            }
            None => writeln!(out, "  (there is nothing to report on yet)")?,
        }
        eprint!("{out}");
        Ok(())
    }
}

/// A handle and an e-mail address for a new owner that nobody uses yet (`lead`, `lead-2`, …);
/// `None` when an owner or admin who can sign in exists already.
async fn free_login(store: &SqlStore, owner: Viewer) -> anyhow::Result<Option<(String, String)>> {
    let members = store.members(&owner).await?;
    for member in members.iter().filter(|m| m.active && !m.service && m.role.is_admin()) {
        if let Some((_, Some(_password))) = store.login_lookup(&member.handle).await? {
            return Ok(None);
        }
    }
    let taken =
        |handle: &str, email: &str| members.iter().any(|m| m.handle == handle || m.email.as_deref() == Some(email));
    let free = (1..)
        .map(|n| if n == 1 { "lead".to_string() } else { format!("lead-{n}") })
        .map(|handle| {
            let email = format!("{handle}@example.com");
            (handle, email)
        })
        .find(|(handle, email)| !taken(handle, email));
    Ok(free)
}

/// "a", "a and b", "a, b and c".
fn listing(items: &[String]) -> String {
    match items {
        [] => "nothing".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `word` as one shell word: as it is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '+' | ':' | '=' | '@'));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
