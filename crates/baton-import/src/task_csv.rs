//! Task CSV files, in Baton's own format or in another tool's export, recognised by the header
//! row ([`Dialect`]):
//!
//! - Baton's task CSV (DESIGN.md, "Imported data"): header
//!   `id,title,project,assignee,status,created_at,updated_at,due,done_at`; instants in RFC 3339
//!   or plain dates (midnight in the workspace's zone, as `baton report` reads them), `due` a date, `assignee` a member's handle or e-mail (may be empty), `status` one of the task
//!   statuses. Columns may come in any order; other columns are ignored.
//! - GitLab's "Export issues to CSV" (`gitlab`), Plane's issues CSV (`plane`) and
//!   TickTick's backup CSV (`ticktick`), whose columns are mapped onto [`TaskRecord`] as
//!   `crates/baton-import/TASK_CSV.md` describes.
//!
//! A UTF-8 byte order mark is skipped, and so are one-cell preamble rows before a TickTick
//! header (TickTick writes its export date, version and status legend there); every other
//! header must be the first row. Line numbers are the file's own, the header's included.

mod gitlab;
mod plane;
mod ticktick;

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use baton_core::model::TaskStatus;
use csv::StringRecord;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
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

/// The kinds of task CSV [`read`] understands, told apart by their header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Baton's own `id,title,project,assignee,status,created_at,updated_at,due,done_at`.
    Baton,
    /// GitLab's "Export issues to CSV".
    GitLab,
    /// Plane's issues CSV export.
    Plane,
    /// TickTick's backup CSV (a preamble, then one row per task).
    TickTick,
}

impl Dialect {
    /// Every dialect, in the order headers are tried.
    pub const ALL: [Dialect; 4] = [Dialect::GitLab, Dialect::Plane, Dialect::TickTick, Dialect::Baton];

    /// A short human name, for summaries.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Baton => "Baton task CSV",
            Dialect::GitLab => "GitLab issues CSV",
            Dialect::Plane => "Plane issues CSV",
            Dialect::TickTick => "TickTick backup CSV",
        }
    }

    /// What its header looks like, for the diagnostic on a header no dialect recognises.
    fn header_hint(self) -> &'static str {
        match self {
            Dialect::Baton => "Baton's task CSV (id,title,project,assignee,status,created_at,updated_at,due,done_at)",
            Dialect::GitLab => {
                "GitLab's \"Export issues to CSV\" (Issue ID, Title, State, Created At (UTC), Updated At (UTC), …)"
            }
            Dialect::Plane => "a Plane issues CSV (Project Name, Identifier, Name, State Name, Created At, …)",
            Dialect::TickTick => "a TickTick backup CSV (Folder Name, List Name, Title, Status, Created Time, …)",
        }
    }

    /// Whether `header` (cells trimmed) is this dialect's header row.
    fn matches(self, header: &Header) -> bool {
        let has_all = |names: &[&str]| names.iter().all(|name| header.find(name).is_some());
        match self {
            Dialect::GitLab => has_all(&["Issue ID", "Title", "State", "Created At (UTC)"]),
            Dialect::Plane => has_all(&["Project Name", "Identifier", "Name", "State Name"]),
            Dialect::TickTick => has_all(&["Folder Name", "List Name", "Title"]),
            // Baton's columns are common words, so two of them make its header (a header
            // missing the rest is then reported column by column).
            Dialect::Baton => COLUMNS.iter().filter(|column| header.find(column).is_some()).count() >= 2,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const COLUMNS: [&str; 9] =
    ["id", "title", "project", "assignee", "status", "created_at", "updated_at", "due", "done_at"];

/// At most this many one-cell preamble rows may come before a TickTick header.
const MAX_PREAMBLE_ROWS: usize = 16;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The dialect of a file, from its header row; `None` when no dialect recognises it.
pub fn dialect(bytes: &[u8]) -> Option<Dialect> {
    find_header(&mut reader(bytes)).ok().map(|(dialect, _)| dialect)
}

/// Reads the whole file: every task it could read, and a diagnostic for every line it could
/// not. `file` names the file in diagnostics; its stem is the project of GitLab issues that
/// have no milestone (GitLab's export has no project column). `zone` is the workspace's: a
/// plain date in one of Baton's instant columns is its midnight there.
pub fn read(file: &str, bytes: &[u8], zone: &TimeZone) -> (Vec<TaskRecord>, Vec<Diagnostic>) {
    let diagnostic = |line: u64, message: String| Diagnostic { file: file.into(), line, message };
    let mut diagnostics = Vec::new();
    let mut records = Vec::new();
    let mut reader = reader(bytes);
    let (dialect, header) = match find_header(&mut reader) {
        Ok(found) => found,
        Err((line, message)) => return (records, vec![diagnostic(line, message)]),
    };
    let mapper = match Mapper::new(dialect, &header, &fallback_project(file), zone) {
        Ok(mapper) => mapper,
        Err(message) => return (records, vec![diagnostic(header.line, message)]),
    };
    let mut ids = HashSet::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                diagnostics.push(diagnostic(line, format!("unreadable CSV: {err}")));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        match mapper.record(line, &row).and_then(|task| check(task, mapper.time_columns())) {
            Ok(task) if !ids.insert(task.id.clone()) => {
                diagnostics.push(diagnostic(line, format!("task id {:?} appears twice", task.id)));
            }
            Ok(task) => records.push(task),
            Err(message) => diagnostics.push(diagnostic(line, message)),
        }
    }
    (records, diagnostics)
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes)
}

/// The header row and its dialect, after any one-cell preamble rows; or the line and message
/// of a diagnostic.
fn find_header(reader: &mut csv::Reader<&[u8]>) -> Result<(Dialect, Header), (u64, String)> {
    let mut row = StringRecord::new();
    for preamble_rows in 0..=MAX_PREAMBLE_ROWS {
        match reader.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                let line = err.position().map_or(1, |p| p.line());
                return Err((line, format!("cannot read the header: {err}")));
            }
        }
        let header = Header {
            cells: row.iter().map(|cell| cell.trim().to_string()).collect(),
            line: row.position().map_or(1, |p| p.line()),
        };
        // Only TickTick writes a preamble; every other header is the first row.
        let candidates: &[Dialect] = if preamble_rows == 0 { &Dialect::ALL } else { &[Dialect::TickTick] };
        if let Some(&dialect) = candidates.iter().find(|dialect| dialect.matches(&header)) {
            return Ok((dialect, header));
        }
        if row.len() > 1 {
            break;
        }
    }
    let [baton, gitlab, plane, ticktick] =
        [Dialect::Baton, Dialect::GitLab, Dialect::Plane, Dialect::TickTick].map(Dialect::header_hint);
    Err((1, format!("unrecognised header; Baton reads {baton}; {gitlab}; {plane}; or {ticktick}")))
}

/// The project of rows that name none: the file's stem.
fn fallback_project(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map(|stem| stem.to_string_lossy().trim().to_string())
        .filter(|stem| !stem.is_empty())
        .unwrap_or_else(|| "Imported".into())
}

/// The header row: its cells, trimmed, and its line.
struct Header {
    cells: Vec<String>,
    line: u64,
}

impl Header {
    /// The index of the column named `name` (case-insensitive).
    fn find(&self, name: &str) -> Option<usize> {
        self.cells.iter().position(|cell| cell.eq_ignore_ascii_case(name))
    }

    fn optional(&self, name: &'static str) -> Option<Column> {
        self.find(name).map(|idx| Column { idx, name })
    }

    fn required(&self, name: &'static str) -> Result<Column, String> {
        self.optional(name).ok_or_else(|| format!("the header has no `{name}` column"))
    }
}

/// A column of the header: where it is and what the file calls it.
#[derive(Debug, Clone, Copy)]
struct Column {
    idx: usize,
    name: &'static str,
}

impl Column {
    /// The cell of `row` in this column, trimmed ("" when the row is short).
    fn cell(self, row: &StringRecord) -> &str {
        row.get(self.idx).unwrap_or("").trim()
    }

    /// The cell, which may not be empty.
    fn required(self, row: &StringRecord) -> Result<&str, String> {
        match self.cell(row) {
            "" => Err(format!("`{}` is empty", self.name)),
            value => Ok(value),
        }
    }

    /// An optional date (`YYYY-MM-DD`).
    fn date(self, row: &StringRecord) -> Result<Option<Date>, String> {
        match self.cell(row) {
            "" => Ok(None),
            value => {
                value.parse().map(Some).map_err(|_| format!("`{}` {value:?} is not a date (YYYY-MM-DD)", self.name))
            }
        }
    }

    /// An optional RFC 3339 instant.
    fn rfc3339(self, row: &StringRecord) -> Result<Option<Timestamp>, String> {
        match self.cell(row) {
            "" => Ok(None),
            value => {
                value.parse().map(Some).map_err(|_| format!("`{}` {value:?} is not an RFC 3339 instant", self.name))
            }
        }
    }

    /// An optional instant: with an offset as written, or a local date and time (`T` or a
    /// space between them) read in `zone`; `hint` says what was expected.
    fn instant_in(self, row: &StringRecord, zone: &TimeZone, hint: &str) -> Result<Option<Timestamp>, String> {
        let value = self.cell(row);
        if value.is_empty() {
            return Ok(None);
        }
        if let Ok(instant) = value.parse::<Timestamp>() {
            return Ok(Some(instant));
        }
        value
            .parse::<DateTime>()
            .ok()
            .and_then(|local| local.to_zoned(zone.clone()).ok())
            .map(|zoned| Some(zoned.timestamp()))
            .ok_or_else(|| format!("`{}` {value:?} is not a date and time ({hint})", self.name))
    }
}

/// A title or name on one line: line breaks and other control characters become single
/// spaces (Baton's titles are single lines; TickTick titles may span lines).
fn single_line(value: &str) -> String {
    value.split(char::is_control).map(str::trim).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The first of a comma-separated list of names, if any.
fn first_of_list(value: &str) -> Option<String> {
    value.split(',').map(str::trim).find(|name| !name.is_empty()).map(str::to_string)
}

/// How one dialect turns a row into a task.
enum Mapper {
    /// Baton's columns, by index in [`COLUMNS`] order, and the zone of plain dates.
    Baton([usize; 9], TimeZone),
    GitLab(gitlab::GitLab),
    Plane(plane::Plane),
    TickTick(ticktick::TickTick),
}

impl Mapper {
    fn new(dialect: Dialect, header: &Header, fallback_project: &str, zone: &TimeZone) -> Result<Mapper, String> {
        Ok(match dialect {
            Dialect::Baton => {
                let mut position = [0usize; 9];
                for (slot, column) in position.iter_mut().zip(COLUMNS) {
                    *slot = header.find(column).ok_or_else(|| {
                        format!("the header has no `{column}` column (expected {})", COLUMNS.join(","))
                    })?;
                }
                Mapper::Baton(position, zone.clone())
            }
            Dialect::GitLab => Mapper::GitLab(gitlab::GitLab::new(header, fallback_project)?),
            Dialect::Plane => Mapper::Plane(plane::Plane::new(header)?),
            Dialect::TickTick => Mapper::TickTick(ticktick::TickTick::new(header)?),
        })
    }

    /// What the file calls the columns behind `created_at`, `updated_at` and `done_at`.
    fn time_columns(&self) -> [&'static str; 3] {
        match self {
            Mapper::Baton(..) => ["created_at", "updated_at", "done_at"],
            Mapper::GitLab(_) => ["Created At (UTC)", "Updated At (UTC)", "Closed At (UTC)"],
            Mapper::Plane(_) => ["Created At", "Updated At", "Completed At"],
            Mapper::TickTick(_) => ["Created Time", "Completed Time", "Completed Time"],
        }
    }

    fn record(&self, line: u64, row: &StringRecord) -> Result<TaskRecord, String> {
        match self {
            Mapper::Baton(position, zone) => {
                baton_record(line, &|idx| row.get(position[idx]).unwrap_or("").trim(), zone)
            }
            Mapper::GitLab(gitlab) => gitlab.record(line, row),
            Mapper::Plane(plane) => plane.record(line, row),
            Mapper::TickTick(ticktick) => ticktick.record(line, row),
        }
    }
}

fn baton_record<'a>(line: u64, cell: &dyn Fn(usize) -> &'a str, zone: &TimeZone) -> Result<TaskRecord, String> {
    let required = |idx: usize| {
        let value = cell(idx);
        if value.is_empty() {
            Err(format!("`{}` is empty", COLUMNS[idx]))
        } else {
            Ok(value.to_string())
        }
    };
    // As `baton report --from` reads them: an RFC 3339 instant, or a date meaning its midnight
    // in the workspace's zone.
    let instant = |idx: usize| -> Result<Timestamp, String> {
        let value = cell(idx);
        let invalid = || format!("`{}` {value:?} is not an RFC 3339 instant or a date (YYYY-MM-DD)", COLUMNS[idx]);
        if let Ok(instant) = value.parse::<Timestamp>() {
            return Ok(instant);
        }
        let date = value.parse::<Date>().map_err(|_| invalid())?;
        date.to_zoned(zone.clone()).map(|midnight| midnight.timestamp()).map_err(|_| invalid())
    };
    let optional_instant = |idx: usize| if cell(idx).is_empty() { Ok(None) } else { instant(idx).map(Some) };
    let status = cell(4);
    let status = TaskStatus::parse(&status.to_ascii_lowercase())
        .ok_or_else(|| format!("`status` {status:?} is not one of todo, in_progress, blocked, done, cancelled"))?;
    let due = match cell(7) {
        "" => None,
        value => Some(value.parse().map_err(|_| format!("`due` {value:?} is not a date (YYYY-MM-DD)"))?),
    };
    Ok(TaskRecord {
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
    })
}

/// What every task must satisfy, whatever its dialect; `[created, updated, done]` name the
/// file's columns for `created_at`, `updated_at` and `done_at`.
fn check(task: TaskRecord, [created, updated, done]: [&str; 3]) -> Result<TaskRecord, String> {
    if task.updated_at < task.created_at {
        return Err(format!("`{updated}` is before `{created}`"));
    }
    if task.done_at.is_some_and(|done| done < task.created_at) {
        return Err(format!("`{done}` is before `{created}`"));
    }
    if task.status == TaskStatus::Done && task.done_at.is_none() {
        return Err(format!("a `done` task needs `{done}`"));
    }
    Ok(task)
}

#[cfg(test)]
mod tests;
