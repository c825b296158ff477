//! Baton's task CSV (DESIGN.md, "Imported data"): header
//! `id,title,project,assignee,status,created_at,updated_at,due,done_at`; instants in RFC 3339,
//! `due` a date, `assignee` a member's handle or e-mail (may be empty), `status` one of the task
//! statuses. Columns may come in any order; other columns are ignored.

use baton_core::model::TaskStatus;
use jiff::civil::Date;
use jiff::Timestamp;

use crate::diagnostic::Diagnostic;

/// One task as the file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    /// Its line in the file.
    pub line: u64,
    pub id: String,
    pub title: String,
    pub project: String,
    pub assignee: Option<String>,
    pub status: TaskStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub due: Option<Date>,
    pub done_at: Option<Timestamp>,
}

const COLUMNS: [&str; 9] =
    ["id", "title", "project", "assignee", "status", "created_at", "updated_at", "due", "done_at"];

/// Reads the whole file: every task it could read, and a diagnostic for every line it could
/// not. `file` names the file in diagnostics.
pub fn read(file: &str, bytes: &[u8]) -> (Vec<TaskRecord>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut records = Vec::new();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(headers) => headers.iter().map(|h| h.trim().to_ascii_lowercase()).collect::<Vec<_>>(),
        Err(err) => {
            diagnostics.push(Diagnostic {
                file: file.into(),
                line: 1,
                message: format!("cannot read the header: {err}"),
            });
            return (records, diagnostics);
        }
    };
    let mut position = [0usize; 9];
    for (slot, column) in position.iter_mut().zip(COLUMNS) {
        match headers.iter().position(|h| h == column) {
            Some(idx) => *slot = idx,
            None => {
                let message = format!("the header has no `{column}` column (expected {})", COLUMNS.join(","));
                diagnostics.push(Diagnostic { file: file.into(), line: 1, message });
                return (records, diagnostics);
            }
        }
    }
    let mut ids = std::collections::HashSet::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                diagnostics.push(Diagnostic { file: file.into(), line, message: format!("unreadable CSV: {err}") });
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        let cell = |idx: usize| row.get(position[idx]).unwrap_or("").trim();
        match record(line, &cell) {
            Ok(task) if !ids.insert(task.id.clone()) => {
                diagnostics.push(Diagnostic {
                    file: file.into(),
                    line,
                    message: format!("task id {:?} appears twice", task.id),
                });
            }
            Ok(task) => records.push(task),
            Err(message) => diagnostics.push(Diagnostic { file: file.into(), line, message }),
        }
    }
    (records, diagnostics)
}

fn record<'a>(line: u64, cell: &dyn Fn(usize) -> &'a str) -> Result<TaskRecord, String> {
    let required = |idx: usize| {
        let value = cell(idx);
        if value.is_empty() {
            Err(format!("`{}` is empty", COLUMNS[idx]))
        } else {
            Ok(value.to_string())
        }
    };
    let instant = |idx: usize| -> Result<Timestamp, String> {
        let value = cell(idx);
        value.parse().map_err(|_| format!("`{}` {value:?} is not an RFC 3339 instant", COLUMNS[idx]))
    };
    let optional_instant = |idx: usize| if cell(idx).is_empty() { Ok(None) } else { instant(idx).map(Some) };
    let status = cell(4);
    let status = TaskStatus::parse(&status.to_ascii_lowercase())
        .ok_or_else(|| format!("`status` {status:?} is not one of todo, in_progress, blocked, done, cancelled"))?;
    let due = match cell(7) {
        "" => None,
        value => Some(value.parse().map_err(|_| format!("`due` {value:?} is not a date (YYYY-MM-DD)"))?),
    };
    let task = TaskRecord {
        line,
        id: required(0)?,
        title: required(1)?,
        project: required(2)?,
        assignee: Some(cell(3).to_string()).filter(|a| !a.is_empty()),
        status,
        created_at: instant(5)?,
        updated_at: instant(6)?,
        due,
        done_at: optional_instant(8)?,
    };
    if task.updated_at < task.created_at {
        return Err("`updated_at` is before `created_at`".into());
    }
    if task.done_at.is_some_and(|done| done < task.created_at) {
        return Err("`done_at` is before `created_at`".into());
    }
    if task.status == TaskStatus::Done && task.done_at.is_none() {
        return Err("a `done` task needs `done_at`".into());
    }
    Ok(task)
}

#[cfg(test)]
mod tests;
