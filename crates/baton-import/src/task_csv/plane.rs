//! Plane's issues CSV: `Project Name, Project Identifier, Parent, Identifier, Sequence Id, Name,
//! State Name, Priority, Assignees, Subscribers, Created By Name, Start Date, Target Date,
//! Completed At, Created At, Updated At, Archived At, …`. Instants are RFC 3339, dates
//! `YYYY-MM-DD`, and people lists JSON arrays of display names (`["Jane Smith"]`).

use baton_core::model::TaskStatus;
use csv::StringRecord;

use super::{first_of_list, single_line, Column, Header, TaskRecord};

pub(super) struct Plane {
    project: Column,
    project_identifier: Option<Column>,
    identifier: Column,
    sequence_id: Option<Column>,
    name: Column,
    state: Column,
    assignees: Option<Column>,
    target_date: Option<Column>,
    completed: Option<Column>,
    created: Column,
    updated: Column,
    archived: Option<Column>,
}

impl Plane {
    pub(super) fn new(header: &Header) -> Result<Plane, String> {
        Ok(Plane {
            project: header.required("Project Name")?,
            project_identifier: header.optional("Project Identifier"),
            identifier: header.required("Identifier")?,
            sequence_id: header.optional("Sequence Id"),
            name: header.required("Name")?,
            state: header.required("State Name")?,
            assignees: header.optional("Assignees"),
            target_date: header.optional("Target Date"),
            completed: header.optional("Completed At"),
            created: header.required("Created At")?,
            updated: header.required("Updated At")?,
            archived: header.optional("Archived At"),
        })
    }

    pub(super) fn record(&self, line: u64, row: &StringRecord) -> Result<TaskRecord, String> {
        let optional_instant = |column: Option<Column>| match column {
            Some(column) => column.rfc3339(row),
            None => Ok(None),
        };
        let created_at = self.created.rfc3339(row)?.ok_or_else(|| format!("`{}` is empty", self.created.name))?;
        // Plane stamps `Updated At` on every change; archiving (which Plane also does on its own,
        // months after an issue closed) only counts when nothing else is known.
        let updated_at = self.updated.rfc3339(row)?.or(optional_instant(self.archived)?).unwrap_or(created_at);
        let completed_at = optional_instant(self.completed)?;
        let state = self.state.cell(row);
        let (status, done_at) = match state.to_ascii_lowercase().as_str() {
            "backlog" | "todo" => (TaskStatus::Todo, None),
            "in progress" => (TaskStatus::InProgress, None),
            "done" => (TaskStatus::Done, Some(completed_at.unwrap_or(updated_at))),
            "cancelled" | "canceled" => (TaskStatus::Cancelled, None),
            _ => {
                return Err(format!(
                    "`State Name` {state:?} is not one of Plane's states Backlog, Todo, In Progress, Done, Cancelled"
                ))
            }
        };
        let title = single_line(self.name.required(row)?);
        if title.is_empty() {
            return Err("`Name` is empty".into());
        }
        let project = single_line(self.project.required(row)?);
        Ok(TaskRecord {
            line,
            id: self.id(row)?,
            title,
            project,
            assignee: match self.assignees {
                Some(column) => first_assignee(column, row)?,
                None => None,
            },
            status,
            created_at,
            updated_at,
            due: match self.target_date {
                Some(column) => column.date(row)?,
                None => None,
            },
            done_at,
        })
    }

    /// `Identifier` (`TEST-1`), or else the project's identifier and the sequence number.
    fn id(&self, row: &StringRecord) -> Result<String, String> {
        let identifier = self.identifier.cell(row);
        if !identifier.is_empty() {
            return Ok(identifier.to_string());
        }
        let project = self.project_identifier.map_or("", |column| column.cell(row));
        let sequence = self.sequence_id.map_or("", |column| column.cell(row));
        if project.is_empty() || sequence.is_empty() {
            return Err("`Identifier` is empty".into());
        }
        Ok(format!("{project}-{sequence}"))
    }
}

/// The first of the `Assignees` (Baton's tasks have one assignee): a JSON array of names, or a
/// comma-separated list.
fn first_assignee(column: Column, row: &StringRecord) -> Result<Option<String>, String> {
    let value = column.cell(row);
    if !value.starts_with('[') {
        return Ok(first_of_list(value));
    }
    let names: Vec<String> =
        serde_json::from_str(value).map_err(|_| format!("`{}` {value:?} is not a JSON array of names", column.name))?;
    Ok(names.iter().map(|name| single_line(name)).find(|name| !name.is_empty()))
}
