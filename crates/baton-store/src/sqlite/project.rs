//! The projector: writes what a typed change means into the tables, inside the transaction that
//! appends it. It holds no rules (the domain decided); it maps data.
//!
//! It projects the changes of the command families that moved into the domain (channels so
//! far); the other kinds are still written by their own command (`apply*.rs`), and pass here
//! untouched.

use baton_core::event::Change;
use sqlx::SqliteConnection;

use super::read::micros;
use crate::error::Result;

pub(crate) async fn project(conn: &mut SqliteConnection, change: &Change) -> Result<()> {
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
        _ => {}
    }
    Ok(())
}
