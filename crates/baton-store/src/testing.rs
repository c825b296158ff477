//! Fresh workspaces for tests, on either backend (the `testing` feature).
//!
//! `BATON_TEST_POSTGRES` names a PostgreSQL server (`postgres://user@host:port`) on which
//! [`Scratch::postgres`] makes a new database per test; `BATON_TEST_BACKEND=postgres` makes
//! [`Scratch::from_env`] choose it, so that a whole suite written against one store runs again on
//! PostgreSQL. Without a server, PostgreSQL runs say loudly that they were skipped, and with
//! `BATON_REQUIRE_POSTGRES=1` (as in CI) they fail instead.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use sqlx::{Connection, Executor, PgConnection, SqliteConnection};

use crate::sql::{Database, SqlStore};

/// A fresh, empty place for one test's workspace, and its data directory.
pub struct Scratch {
    pub database: Database,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl Scratch {
    /// The backend `BATON_TEST_BACKEND` names (`postgres`, or SQLite by default).
    pub async fn from_env() -> Scratch {
        if std::env::var("BATON_TEST_BACKEND").is_ok_and(|backend| backend == "postgres") {
            let server = server().expect("BATON_TEST_BACKEND=postgres needs BATON_TEST_POSTGRES");
            return Scratch::on(&server, "").await;
        }
        Scratch::sqlite()
    }

    pub fn sqlite() -> Scratch {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Scratch { database: Database::Sqlite(dir.path().to_path_buf()), dir, postgres: None }
    }

    /// A new database on the server `BATON_TEST_POSTGRES` names, or `None` (said on stderr)
    /// when it names none.
    pub async fn postgres() -> Option<Scratch> {
        Scratch::postgres_with("").await
    }

    /// [`Scratch::postgres`], the database created `WITH` these options (a collation, say).
    pub async fn postgres_with(options: &str) -> Option<Scratch> {
        let Some(server) = server() else {
            if std::env::var("BATON_REQUIRE_POSTGRES").is_ok_and(|value| value == "1") {
                panic!("BATON_REQUIRE_POSTGRES=1 but BATON_TEST_POSTGRES names no PostgreSQL server");
            }
            eprintln!("SKIPPED on PostgreSQL: set BATON_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432 to run it");
            return None;
        };
        Some(Scratch::on(&server, options).await)
    }

    async fn on(server: &str, options: &str) -> Scratch {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        static SWEPT: Once = Once::new();
        let mut admin = PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap_or_else(|err| panic!("cannot reach PostgreSQL at {server}: {err}"));
        let mut sweep = false;
        SWEPT.call_once(|| sweep = true);
        if sweep {
            sweep_stale(&mut admin).await;
        }
        let name = format!("baton_test_{}_{}", std::process::id(), MADE.fetch_add(1, Ordering::Relaxed));
        admin.execute(format!("DROP DATABASE IF EXISTS {name}").as_str()).await.expect("dropping an old database");
        admin.execute(format!("CREATE DATABASE {name} {options}").as_str()).await.expect("creating a test database");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let database = Database::Postgres(format!("{server}/{name}"));
        Scratch { database, dir, postgres: Some((server.to_string(), name)) }
    }

    /// Opens the scratch's store.
    pub async fn open(&self) -> SqlStore {
        SqlStore::open(&self.database).await.expect("the store opens")
    }

    /// Takes the database's write lock, as another writer would, until [`WriteHold::release`]:
    /// what the store is asked meanwhile queues, and commits as one group once it is released.
    pub async fn hold_writes(&self) -> WriteHold {
        match &self.database {
            Database::Sqlite(dir) => {
                let mut conn = SqliteConnection::connect(&format!("sqlite://{}", dir.join("baton.db").display()))
                    .await
                    .expect("a second connection to the SQLite file");
                conn.execute("BEGIN IMMEDIATE").await.expect("SQLite's write lock");
                WriteHold::Sqlite(conn)
            }
            Database::Postgres(url) => {
                let mut conn = PgConnection::connect(url).await.expect("a second connection to PostgreSQL");
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(crate::sql::WRITE_LOCK)
                    .execute(&mut conn)
                    .await
                    .expect("the writers' advisory lock");
                WriteHold::Postgres(conn)
            }
        }
    }

    /// Drops a PostgreSQL test database now (those of failed tests stay until a later run's
    /// sweep, to look at).
    pub async fn remove(self) {
        if let Some((server, name)) = self.postgres {
            let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL");
            admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.expect("dropping");
        }
    }
}

/// The write lock held by [`Scratch::hold_writes`].
pub enum WriteHold {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl WriteHold {
    /// Lets the store's writer go on.
    pub async fn release(self) {
        match self {
            WriteHold::Sqlite(mut conn) => conn.execute("ROLLBACK").await.map(drop),
            WriteHold::Postgres(mut conn) => conn.execute("SELECT pg_advisory_unlock_all()").await.map(drop),
        }
        .expect("the write lock is let go");
    }
}

fn server() -> Option<String> {
    let server = std::env::var("BATON_TEST_POSTGRES").ok().filter(|url| !url.trim().is_empty())?;
    Some(server.trim_end_matches('/').to_string())
}

/// Drops the test databases of test processes that are gone.
async fn sweep_stale(admin: &mut PgConnection) {
    let Ok(names) =
        sqlx::query_scalar::<_, String>("SELECT datname FROM pg_database WHERE datname LIKE 'baton_test_%'")
            .fetch_all(&mut *admin)
            .await
    else {
        return;
    };
    for name in names {
        let pid = name.trim_start_matches("baton_test_").split('_').next().and_then(|pid| pid.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
        }
    }
}
