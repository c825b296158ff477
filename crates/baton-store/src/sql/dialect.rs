//! The few pieces of SQL that SQLite and PostgreSQL spell differently. Everything else is
//! written once, in the subset both read.

use sqlx::AnyConnection;

/// Which database a connection talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub(crate) fn of(conn: &AnyConnection) -> Dialect {
        if conn.backend_name() == "PostgreSQL" {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        }
    }

    /// The larger of two values: SQLite's `max` takes several arguments, PostgreSQL's is an
    /// aggregate only.
    pub(crate) fn greatest(self) -> &'static str {
        match self {
            Dialect::Sqlite => "MAX",
            Dialect::Postgres => "GREATEST",
        }
    }

    /// The integer at `path` (object keys) inside the JSON text in `column`, NULL where absent.
    pub(crate) fn json_int(self, column: &str, path: &[&str]) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{}')", path.join(".")),
            Dialect::Postgres => format!("CAST(CAST({column} AS jsonb) #>> '{{{}}}' AS BIGINT)", path.join(",")),
        }
    }
}
