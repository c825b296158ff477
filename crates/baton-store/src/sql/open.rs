//! Where a workspace is stored, and opening it: migrations on a connection of the database's
//! own kind, then the writer's connection and the read pool through sqlx's `Any` driver.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor};

use super::db::Conn;

use crate::error::{Error, Result};

/// Where a workspace's events and projections live.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// `baton.db` in this data directory: the embedded default.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by its URL (`postgres://user@host:port/name`), which must exist.
    Postgres(String),
}

impl Database {
    /// The database `url` names (`postgres://…`, `postgresql://…`), or without one the SQLite
    /// file in `data_dir`.
    pub fn choose(url: Option<&str>, data_dir: &Path) -> Result<Database> {
        match url.map(str::trim).filter(|url| !url.is_empty()) {
            None => Ok(Database::Sqlite(data_dir.to_path_buf())),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                PgConnectOptions::from_str(url)
                    .map_err(|err| Error::invalid("database", format!("cannot read the PostgreSQL URL: {err}")))?;
                Ok(Database::Postgres(url.to_string()))
            }
            Some(url) => match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
                Some(dir) => Ok(Database::Sqlite(PathBuf::from(dir))),
                None => Err(Error::invalid(
                    "database",
                    "a database URL starts with postgres:// (or sqlite:// and a data directory)",
                )),
            },
        }
    }

    /// Whether this is the embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Database::Sqlite(_))
    }
}

/// Shows where the database is, never a password that its URL carries.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(dir) => write!(f, "{}", dir.join("baton.db").display()),
            Database::Postgres(url) => match PgConnectOptions::from_str(url) {
                Ok(options) => write!(
                    f,
                    "postgres://{}@{}:{}/{}",
                    options.get_username(),
                    options.get_host(),
                    options.get_port(),
                    options.get_database().unwrap_or("")
                ),
                Err(_) => f.write_str("postgres://…"),
            },
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Database({self})")
    }
}

/// Migrates `database` and opens the read pool. The writer opens its own connection, on its
/// own thread ([`writer`]).
pub(super) async fn connect(database: &Database) -> Result<AnyPool> {
    sqlx::any::install_default_drivers();
    match database {
        Database::Sqlite(dir) => sqlite(database, dir).await,
        Database::Postgres(url) => postgres(database, url).await,
    }
}

/// Settings of every SQLite connection. `synchronous = FULL`, not NORMAL: in WAL mode NORMAL
/// survives a killed process but can lose the last commits on power loss, and an acknowledged
/// write must survive both. `secure_delete`: freed space is overwritten with zeros, so a deleted
/// message's text does not linger in the file's free pages.
pub(super) const SQLITE_SETTINGS: &str =
    "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA cache_size = -32000; PRAGMA secure_delete = ON";

async fn sqlite(database: &Database, dir: &Path) -> Result<AnyPool> {
    std::fs::create_dir_all(dir)
        .map_err(|err| Error::invalid("data_dir", format!("cannot create {}: {err}", dir.display())))?;
    let path = dir.join("baton.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .disable_statement_logging();
    let mut conn = options.connect().await.map_err(|err| open_error(database, err))?;
    sqlx::migrate!("./migrations/sqlite").run(&mut conn).await.map_err(|err| Error::Internal(Box::new(err)))?;
    super::unique_names::drop_unique_channel_names(&mut conn).await?;
    conn.close().await?;

    let reads = AnyPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(SQLITE_SETTINGS).await?;
                Ok(())
            })
        })
        .connect_with(any_options(&sqlite_url(&path, true))?)
        .await
        .map_err(|err| open_error(database, err))?;
    Ok(reads)
}

async fn postgres(database: &Database, url: &str) -> Result<AnyPool> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|err| Error::invalid("database", format!("cannot read the PostgreSQL URL: {err}")))?
        .disable_statement_logging();
    let mut conn = options.connect().await.map_err(|err| open_error(database, err))?;
    // sqlx takes an advisory lock around the migrations: servers starting together wait.
    sqlx::migrate!("./migrations/postgres").run(&mut conn).await.map_err(|err| Error::Internal(Box::new(err)))?;
    conn.close().await?;

    let options = any_options(url)?;
    let reads = AnyPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|err| open_error(database, err))?;
    Ok(reads)
}

/// A connection for the writer (also to replace one that was lost), with the settings it needs:
/// for SQLite its own, whose statements run on the writer's thread (see `db`).
pub(super) async fn writer(database: &Database) -> Result<Conn> {
    match database {
        Database::Sqlite(dir) => {
            let path = dir.join("baton.db");
            let conn = rusqlite::Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .and_then(|conn| {
                conn.execute_batch(SQLITE_SETTINGS)?;
                // Every statement the writer runs stays prepared: there are about two hundred.
                conn.set_prepared_statement_cache_capacity(512);
                Ok(conn)
            })
            .map_err(|err| Error::invalid("database", format!("cannot open the database {database}: {err}")))?;
            Ok(Conn::Lite(Box::new(conn)))
        }
        Database::Postgres(url) => {
            let conn =
                AnyConnection::connect_with(&any_options(url)?).await.map_err(|err| open_error(database, err))?;
            Ok(Conn::from(conn))
        }
    }
}

fn any_options(url: &str) -> Result<AnyConnectOptions> {
    Ok(AnyConnectOptions::from_str(url)
        .map_err(|err| Error::invalid("database", err.to_string()))?
        .disable_statement_logging())
}

/// `sqlite://PATH`, the path percent-encoded where a URL would read it otherwise.
fn sqlite_url(path: &Path, read_only: bool) -> String {
    let mut url = String::from("sqlite://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/._-~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url.push_str(if read_only { "?mode=ro" } else { "?mode=rw" });
    url
}

fn open_error(database: &Database, err: sqlx::Error) -> Error {
    Error::invalid("database", format!("cannot open the database {database}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_chooses_postgres_and_none_the_data_dir() {
        let dir = Path::new("/var/lib/baton");
        assert_eq!(Database::choose(None, dir).unwrap(), Database::Sqlite(dir.into()));
        assert_eq!(Database::choose(Some(" "), dir).unwrap(), Database::Sqlite(dir.into()));
        let pg = Database::choose(Some("postgres://baton:secret@db:5433/team"), dir).unwrap();
        assert_eq!(pg, Database::Postgres("postgres://baton:secret@db:5433/team".into()));
        assert_eq!(pg.to_string(), "postgres://baton@db:5433/team", "the password is never shown");
        assert!(Database::choose(Some("mysql://x"), dir).is_err());
    }

    #[test]
    fn sqlite_urls_escape_what_a_url_would_read() {
        assert_eq!(sqlite_url(Path::new("/tmp/a b?#/baton.db"), true), "sqlite:///tmp/a%20b%3F%23/baton.db?mode=ro");
    }
}
