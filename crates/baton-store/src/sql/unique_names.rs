//! A one-off repair of SQLite databases from before issue 13, run after the migrations.

use crate::error::{Error, Result};

/// Channel names were unique across the workspace, so creating or renaming a channel to the
/// name of a private one you cannot see answered "already exists", and told you it does (issue
/// 13). A name is now taken only by a channel the asker can see (the command checks). The
/// constraint sits on the `channels` table itself, and SQLite drops a constraint only by
/// rebuilding the table, with foreign keys off, which a migration's transaction cannot do: this
/// runs after the migrations, once, on any database that still has it.
pub(super) async fn drop_unique_channel_names(conn: &mut sqlx::SqliteConnection) -> Result<()> {
    const UNIQUE_NAME: &str = "name TEXT NOT NULL UNIQUE";
    let (table,): (String,) =
        sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'channels'")
            .fetch_one(&mut *conn)
            .await?;
    if !table.contains(UNIQUE_NAME) {
        return Ok(());
    }
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
    let outcome = rebuild_channels(conn, UNIQUE_NAME).await;
    if outcome.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
    outcome.map_err(|err| Error::Internal(Box::new(err)))
}

/// The rebuild itself, in one transaction; another process may have done it meanwhile, so it
/// looks again under the write lock.
async fn rebuild_channels(conn: &mut sqlx::SqliteConnection, unique_name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let (table,): (String,) =
        sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'channels'")
            .fetch_one(&mut *conn)
            .await?;
    if !table.contains(unique_name) {
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        return Ok(());
    }
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'channels' AND sql IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    let rebuilt = table.replacen(unique_name, "name TEXT NOT NULL", 1).replacen(
        "CREATE TABLE channels",
        "CREATE TABLE channels_rebuilt",
        1,
    );
    let mut steps = vec![
        rebuilt,
        "INSERT INTO channels_rebuilt SELECT * FROM channels".into(),
        "DROP TABLE channels".into(),
        "ALTER TABLE channels_rebuilt RENAME TO channels".into(),
        "CREATE INDEX IF NOT EXISTS channels_name ON channels (name)".into(),
    ];
    steps.extend(indexes.into_iter().map(|(sql,)| sql));
    for step in &steps {
        sqlx::query(step).execute(&mut *conn).await?;
    }
    let broken: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check").fetch_all(&mut *conn).await?;
    if !broken.is_empty() {
        return Err(sqlx::Error::Protocol(format!("rebuilding channels would break references in {broken:?}")));
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(())
}
