//! GitLab's "Export issues to CSV": `Issue ID, URL, Title, State, Description, Author, Author
//! Username, Assignee, Assignee Username, Confidential, Locked, Due Date, Created At (UTC),
//! Updated At (UTC), Closed At (UTC), Milestone, Weight, Labels, …`. Times are written
//! `YYYY-MM-DD HH:MM:SS` in UTC, without an offset. The export is of one project and has no
//! project column: an issue's project is its milestone, or else the file's stem.

use baton_core::model::TaskStatus;
use csv::StringRecord;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::{first_of_list, single_line, Column, Header, TaskRecord};

pub(super) struct GitLab {
    id: Column,
    /// The web address: unlike `Issue ID` (a number per project) it is unique across
    /// projects, so two projects' exports can share a data directory.
    url: Option<Column>,
    title: Column,
    state: Column,
    created: Column,
    updated: Column,
    closed: Option<Column>,
    assignee: Option<Column>,
    due: Option<Column>,
    milestone: Option<Column>,
    /// The project of issues without a milestone.
    project: String,
}

const TIME_HINT: &str = "YYYY-MM-DD HH:MM:SS in UTC";

impl GitLab {
    pub(super) fn new(header: &Header, project: &str) -> Result<GitLab, String> {
        Ok(GitLab {
            id: header.required("Issue ID")?,
            url: header.optional("URL"),
            title: header.required("Title")?,
            state: header.required("State")?,
            created: header.required("Created At (UTC)")?,
            updated: header.required("Updated At (UTC)")?,
            closed: header.optional("Closed At (UTC)"),
            assignee: header.optional("Assignee Username"),
            due: header.optional("Due Date"),
            milestone: header.optional("Milestone"),
            project: project.to_string(),
        })
    }

    pub(super) fn record(&self, line: u64, row: &StringRecord) -> Result<TaskRecord, String> {
        let utc = |column: Column| column.instant_in(row, &TimeZone::UTC, TIME_HINT);
        let required_utc = |column: Column| -> Result<Timestamp, String> {
            utc(column)?.ok_or_else(|| format!("`{}` is empty", column.name))
        };
        let created_at = required_utc(self.created)?;
        let updated_at = required_utc(self.updated)?;
        let closed_at = match self.closed {
            Some(column) => utc(column)?,
            None => None,
        };
        let state = self.state.cell(row);
        let (status, done_at) = match state.to_ascii_lowercase().as_str() {
            "open" | "opened" => (TaskStatus::Todo, None),
            // Issues closed before GitLab recorded closing times have none: their last update
            // is the closest there is.
            "closed" => (TaskStatus::Done, Some(closed_at.unwrap_or(updated_at))),
            _ => return Err(format!("`State` {state:?} is neither Open nor Closed")),
        };
        let title = single_line(self.title.required(row)?);
        if title.is_empty() {
            return Err("`Title` is empty".into());
        }
        let milestone = self.milestone.map(|column| single_line(column.cell(row))).unwrap_or_default();
        Ok(TaskRecord {
            line,
            id: match self.url.map(|column| column.cell(row).trim()).filter(|url| !url.is_empty()) {
                Some(url) => url.to_string(),
                None => self.id.required(row)?.to_string(),
            },
            title,
            project: if milestone.is_empty() { self.project.clone() } else { milestone },
            // GitLab writes several assignees as "alice, bob"; the first is the task's.
            assignee: self.assignee.and_then(|column| first_of_list(column.cell(row))),
            status,
            created_at,
            updated_at,
            due: match self.due {
                Some(column) => column.date(row)?,
                None => None,
            },
            done_at,
        })
    }
}
