//! The projector: writes what a typed change means into the tables, inside the transaction that
//! appends it. It holds no rules (the domain decided); it maps data.
//!
//! It projects the changes of the command families that moved into the domain (channels,
//! projects and tasks, threads as they begin); the other kinds are still written by their own
//! command (`apply*.rs`), and pass here untouched.

use baton_core::event::Change;
use baton_core::model::TaskStatus;
use jiff::Timestamp;
use sqlx::SqliteConnection;

use super::read::micros;
use crate::error::Result;

/// Writes `change`, which happened `at`, into the tables.
pub(crate) async fn project(conn: &mut SqliteConnection, at: Timestamp, change: &Change) -> Result<()> {
    match change {
        Change::ChannelCreated(created) => {
            let channel = &created.channel;
            sqlx::query(
                "INSERT INTO channels (id, name, visibility, topic, created_by, created_at, archived) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(channel.id.0)
            .bind(&channel.name)
            .bind(channel.visibility.as_str())
            .bind(&channel.topic)
            .bind(channel.created_by.0)
            .bind(micros(channel.created_at))
            .bind(channel.archived)
            .execute(&mut *conn)
            .await?;
        }
        Change::ChannelUpdated(updated) => {
            let channel = &updated.channel;
            sqlx::query("UPDATE channels SET name = ?, visibility = ?, topic = ?, archived = ? WHERE id = ?")
                .bind(&channel.name)
                .bind(channel.visibility.as_str())
                .bind(&channel.topic)
                .bind(channel.archived)
                .bind(channel.id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::ChannelMemberAdded(joined) => {
            sqlx::query("INSERT OR IGNORE INTO channel_members (channel_id, member_id) VALUES (?, ?)")
                .bind(joined.channel_id.0)
                .bind(joined.member_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::ChannelMemberRemoved(left) => {
            sqlx::query("DELETE FROM channel_members WHERE channel_id = ? AND member_id = ?")
                .bind(left.channel_id.0)
                .bind(left.member_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::ThreadCreated(created) => {
            let thread = &created.thread;
            sqlx::query(
                "INSERT INTO threads (id, channel_id, dm_id, title, timeline, tags, created_by, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(thread.id.0)
            .bind(thread.channel_id.map(|c| c.0))
            .bind(thread.dm_id.map(|d| d.0))
            .bind(&thread.title)
            .bind(thread.timeline)
            .bind(serde_json::to_string(&thread.tags)?)
            .bind(thread.created_by.0)
            .bind(micros(thread.created_at))
            .execute(&mut *conn)
            .await?;
            // Whoever begins a thread follows it: replies notify them.
            sqlx::query("INSERT INTO thread_followers (thread_id, member_id) VALUES (?, ?)")
                .bind(thread.id.0)
                .bind(thread.created_by.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::ProjectCreated(created) => {
            let project = &created.project;
            sqlx::query(
                "INSERT INTO projects (id, name, description, created_by, created_at, archived) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(project.id.0)
            .bind(&project.name)
            .bind(&project.description)
            .bind(project.created_by.0)
            .bind(micros(project.created_at))
            .bind(project.archived)
            .execute(&mut *conn)
            .await?;
        }
        Change::ProjectUpdated(updated) => {
            let project = &updated.project;
            sqlx::query("UPDATE projects SET name = ?, description = ?, archived = ? WHERE id = ?")
                .bind(&project.name)
                .bind(&project.description)
                .bind(project.archived)
                .bind(project.id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::TaskCreated(created) => {
            let task = &created.task;
            sqlx::query(
                "INSERT INTO tasks (id, project_id, thread_id, title, description, assignee_id, status, due, priority, \
                 created_by, created_at, updated_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(task.id.0)
            .bind(task.project_id.0)
            .bind(task.thread_id.0)
            .bind(&task.title)
            .bind(&task.description)
            .bind(task.assignee_id.map(|a| a.0))
            .bind(task.status.as_str())
            .bind(task.due.map(|d| d.to_string()))
            .bind(task.priority.as_str())
            .bind(task.created_by.0)
            .bind(micros(task.created_at))
            .bind(micros(task.updated_at))
            .bind(task.done_at.map(micros))
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE threads SET task_id = ? WHERE id = ?")
                .bind(task.id.0)
                .bind(task.thread_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::TaskUpdated(updated) => {
            sqlx::query(
                "UPDATE tasks SET title = COALESCE(?, title), description = COALESCE(?, description), \
                 priority = COALESCE(?, priority), updated_at = ? WHERE id = ?",
            )
            .bind(&updated.title)
            .bind(&updated.description)
            .bind(updated.priority.map(|p| p.as_str()))
            .bind(micros(at))
            .bind(updated.task_id.0)
            .execute(&mut *conn)
            .await?;
            if let Some(title) = &updated.title {
                // A task's thread is titled after it.
                sqlx::query("UPDATE threads SET title = ? WHERE id = (SELECT thread_id FROM tasks WHERE id = ?)")
                    .bind(title)
                    .bind(updated.task_id.0)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Change::TaskAssigned(assigned) => {
            sqlx::query("UPDATE tasks SET assignee_id = ?, updated_at = ? WHERE id = ?")
                .bind(assigned.to.map(|m| m.0))
                .bind(micros(at))
                .bind(assigned.task_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::TaskDueChanged(moved) => {
            sqlx::query("UPDATE tasks SET due = ?, updated_at = ? WHERE id = ?")
                .bind(moved.to.map(|d| d.to_string()))
                .bind(micros(at))
                .bind(moved.task_id.0)
                .execute(&mut *conn)
                .await?;
        }
        Change::TaskStatusChanged(moved) => {
            let done_at = (moved.to == TaskStatus::Done).then_some(micros(at));
            sqlx::query("UPDATE tasks SET status = ?, done_at = ?, updated_at = ? WHERE id = ?")
                .bind(moved.to.as_str())
                .bind(done_at)
                .bind(micros(at))
                .bind(moved.task_id.0)
                .execute(&mut *conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}
