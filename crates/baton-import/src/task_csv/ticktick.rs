//! TickTick's backup CSV: a UTF-8 byte order mark and a preamble (`"Date: 2025-11-25+0000"`,
//! `"Version: 7.1"` and a multi-line `"Status: 0 Normal / 1 Completed / 2 Archived"` legend),
//! then the header `Folder Name, List Name, Title, Kind, Tags, Content, Is Check list, Start
//! Date, Due Date, Reminder, Repeat, Priority, Status, Created Time, Completed Time, Order,
//! Timezone, Is All Day, Is Floating, …, taskId, parentId`. Times come with an offset
//! (`2022-10-09T15:09:48+0000`) or, in some exports, without one (`2026-02-15 09:30:00`): those
//! are read in the task's `Timezone`, or in UTC when it names none. TickTick is personal: no
//! assignees.

use baton_core::calendar::parse_time_zone;
use baton_core::model::TaskStatus;
use csv::StringRecord;
use jiff::tz::TimeZone;

use super::{single_line, Column, Header, TaskRecord};

pub(super) struct TickTick {
    list: Column,
    title: Column,
    status: Column,
    created: Column,
    completed: Option<Column>,
    due: Option<Column>,
    time_zone: Option<Column>,
    task_id: Option<Column>,
}

const TIME_HINT: &str = "e.g. 2022-10-09T15:09:48+0000 or 2026-02-15 09:30:00";

impl TickTick {
    pub(super) fn new(header: &Header) -> Result<TickTick, String> {
        Ok(TickTick {
            list: header.required("List Name")?,
            title: header.required("Title")?,
            status: header.required("Status")?,
            created: header.required("Created Time")?,
            completed: header.optional("Completed Time"),
            due: header.optional("Due Date"),
            time_zone: header.optional("Timezone"),
            // Older backups have no task ids.
            task_id: header.optional("taskId"),
        })
    }

    pub(super) fn record(&self, line: u64, row: &StringRecord) -> Result<TaskRecord, String> {
        let zone = match self.time_zone.map_or("", |column| column.cell(row)) {
            "" => TimeZone::UTC,
            name => parse_time_zone(name).map_err(|_| format!("`Timezone` {name:?} is not a known time zone"))?,
        };
        let created_at = self
            .created
            .instant_in(row, &zone, TIME_HINT)?
            .ok_or_else(|| format!("`{}` is empty", self.created.name))?;
        let completed_at = match self.completed {
            Some(column) => column.instant_in(row, &zone, TIME_HINT)?,
            None => None,
        };
        // The preamble's legend: 0 Normal, 1 Completed, 2 Archived. Archived tasks are completed
        // tasks put away (they carry a completion time), so both are done.
        let status = self.status.cell(row);
        let (status, done_at) = match status {
            "0" => (TaskStatus::Todo, None),
            "1" | "2" => {
                let done_at = completed_at.ok_or_else(|| {
                    format!("`Status` {status} (completed) needs a `Completed Time`, and this row has none")
                })?;
                (TaskStatus::Done, Some(done_at))
            }
            _ => {
                return Err(format!(
                    "`Status` {status:?} is not one of the backup's statuses 0 (Normal), 1 (Completed), 2 (Archived)"
                ))
            }
        };
        // A due date is written as the instant its day starts (all-day tasks) or as a time;
        // either way its day is the day in the task's time zone.
        let due = match self.due {
            Some(column) => column.instant_in(row, &zone, TIME_HINT)?.map(|due| due.to_zoned(zone.clone()).date()),
            None => None,
        };
        let title = single_line(self.title.required(row)?);
        if title.is_empty() {
            return Err("`Title` is empty".into());
        }
        let id = match self.task_id.map_or("", |column| column.cell(row)) {
            "" => format!("line-{line}"),
            id => id.to_string(),
        };
        Ok(TaskRecord {
            line,
            id,
            title,
            project: single_line(self.list.required(row)?),
            assignee: None,
            status,
            created_at,
            // The backup keeps no modification time: the task's last known instant is its
            // completion (a reopened task keeps its completion time), or else its creation.
            updated_at: completed_at.map_or(created_at, |completed| completed.max(created_at)),
            due,
            done_at,
        })
    }
}
