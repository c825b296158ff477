//! Statements on either kind of connection the backend holds: sqlx's (PostgreSQL, and SQLite's
//! read pool) or the SQLite writer's own connection.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and hands it every statement
//! through a channel, so a write group of a few hundred statements paid a few hundred pairs of
//! thread switches; on two cores that was a third of the writer's time. The writer therefore
//! owns its SQLite connection ([`Conn::Lite`], rusqlite) and runs each statement on its own
//! thread, from a cache of prepared statements. Everything above this module writes its SQL once,
//! with `$N` arguments, and runs it on either kind through [`query`] and [`query_as`], which
//! mirror sqlx's own builders.

use std::borrow::Cow;
use std::marker::PhantomData;

use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Connection as _, Executor as _, Row as _};

use super::flag::Flag;
use super::lite_reads::LiteLease;
use super::Dialect;

/// A connection to run statements on.
pub(crate) enum Conn {
    /// Borrowed from the read pool.
    Pooled(PoolConnection<Any>),
    /// sqlx's own: PostgreSQL's writer, migrations and tests.
    Any(AnyConnection),
    /// The SQLite writer's, run on the calling thread.
    Lite(Box<rusqlite::Connection>),
    /// One of SQLite's read connections, run on the calling thread too.
    LiteRead(LiteLease),
}

impl From<PoolConnection<Any>> for Conn {
    fn from(conn: PoolConnection<Any>) -> Conn {
        Conn::Pooled(conn)
    }
}

impl From<AnyConnection> for Conn {
    fn from(conn: AnyConnection) -> Conn {
        Conn::Any(conn)
    }
}

impl Conn {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Conn::Pooled(conn) => Dialect::of(conn),
            Conn::Any(conn) => Dialect::of(conn),
            Conn::Lite(_) | Conn::LiteRead(_) => Dialect::Sqlite,
        }
    }

    /// Which kind of connection this is, to run a statement on.
    fn side(&mut self) -> Side<'_> {
        match self {
            Conn::Pooled(conn) => Side::Sqlx(conn),
            Conn::Any(conn) => Side::Sqlx(conn),
            Conn::Lite(conn) => Side::Lite(conn),
            Conn::LiteRead(lease) => Side::Lite(lease.conn()),
        }
    }

    /// sqlx's connection, unless this is the SQLite writer's.
    pub(crate) fn sqlx(&mut self) -> Option<&mut AnyConnection> {
        match self.side() {
            Side::Sqlx(conn) => Some(conn),
            Side::Lite(_) => None,
        }
    }

    /// Runs `sql`, one or more statements without arguments.
    pub(crate) async fn batch(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        match self.side() {
            Side::Lite(conn) => conn.execute_batch(sql).map_err(lite_error),
            Side::Sqlx(conn) => conn.execute(sql).await.map(drop),
        }
    }

    /// Whether the connection still answers.
    pub(crate) async fn ping(&mut self) -> Result<(), sqlx::Error> {
        match self.side() {
            Side::Lite(conn) => conn.execute_batch("SELECT 1").map_err(lite_error),
            Side::Sqlx(conn) => conn.ping().await,
        }
    }
}

/// A connection as the statement runners need it: sqlx's, or one of SQLite's own.
enum Side<'c> {
    Sqlx(&'c mut AnyConnection),
    Lite(&'c rusqlite::Connection),
}

/// `n` numbered placeholders from `$from`, comma-separated: the list of an `IN (…)`.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A statement that returns no rows worth reading.
pub(crate) fn query(sql: &str) -> Query<'_> {
    Query { sql, args: Vec::new() }
}

/// A statement whose rows are read as `O`.
pub(crate) fn query_as<O: FromRow>(sql: &str) -> QueryAs<'_, O> {
    QueryAs { query: query(sql), row: PhantomData }
}

pub(crate) struct Query<'q> {
    sql: &'q str,
    args: Vec<Arg<'q>>,
}

pub(crate) struct QueryAs<'q, O> {
    query: Query<'q>,
    row: PhantomData<fn() -> O>,
}

impl<'q> Query<'q> {
    pub(crate) fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.args.push(value.arg());
        self
    }

    /// Runs the statement (SQLite: a script of several, each reading its `$N` from the same
    /// arguments); returns the rows the script's statements changed (on sqlx's side) or the last
    /// INSERT, UPDATE or DELETE changed (on the writer's): callers that count run one statement.
    pub(crate) async fn execute(self, conn: &mut Conn) -> Result<u64, sqlx::Error> {
        match conn.side() {
            Side::Lite(conn) => {
                let mut changed = 0;
                for sql in statements(self.sql) {
                    let mut statement = prepare(conn, sql, &self.args)?;
                    let mut rows = statement.raw_query();
                    while rows.next().map_err(lite_error)?.is_some() {}
                    changed = conn.changes();
                }
                Ok(changed)
            }
            Side::Sqlx(conn) => Ok(self.into_sqlx().execute(conn).await?.rows_affected()),
        }
    }

    fn into_sqlx(self) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        let mut query = sqlx::query(self.sql);
        for arg in self.args {
            query = match arg {
                Arg::Int(v) => query.bind(v),
                Arg::Real(v) => query.bind(v),
                Arg::Bool(v) => query.bind(v),
                Arg::Text(Cow::Borrowed(v)) => query.bind(v),
                Arg::Text(Cow::Owned(v)) => query.bind(v),
                Arg::Null(Kind::Int) => query.bind(None::<i64>),
                Arg::Null(Kind::Real) => query.bind(None::<f64>),
                Arg::Null(Kind::Bool) => query.bind(None::<bool>),
                Arg::Null(Kind::Text) => query.bind(None::<String>),
            };
        }
        query
    }
}

impl<'q, O: FromRow> QueryAs<'q, O> {
    pub(crate) fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub(crate) async fn fetch_all(self, conn: &mut Conn) -> Result<Vec<O>, sqlx::Error> {
        match conn.side() {
            Side::Lite(conn) => {
                let mut statement = prepare(conn, self.query.sql, &self.query.args)?;
                let mut rows = statement.raw_query();
                let mut out = Vec::new();
                while let Some(row) = rows.next().map_err(lite_error)? {
                    out.push(O::from_row(&Row::Lite(row))?);
                }
                Ok(out)
            }
            Side::Sqlx(conn) => {
                let rows = self.query.into_sqlx().fetch_all(conn).await?;
                rows.iter().map(|row| O::from_row(&Row::Any(row))).collect()
            }
        }
    }

    pub(crate) async fn fetch_optional(self, conn: &mut Conn) -> Result<Option<O>, sqlx::Error> {
        match conn.side() {
            Side::Lite(conn) => {
                let mut statement = prepare(conn, self.query.sql, &self.query.args)?;
                let mut rows = statement.raw_query();
                match rows.next().map_err(lite_error)? {
                    Some(row) => Ok(Some(O::from_row(&Row::Lite(row))?)),
                    None => Ok(None),
                }
            }
            Side::Sqlx(conn) => match self.query.into_sqlx().fetch_optional(conn).await? {
                Some(row) => Ok(Some(O::from_row(&Row::Any(&row))?)),
                None => Ok(None),
            },
        }
    }

    pub(crate) async fn fetch_one(self, conn: &mut Conn) -> Result<O, sqlx::Error> {
        self.fetch_optional(conn).await?.ok_or(sqlx::Error::RowNotFound)
    }
}

/// The statements of a script, split at semicolons outside quotes and comments.
fn statements(sql: &str) -> impl Iterator<Item = &str> {
    let bytes = sql.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        let skip_to = |from: usize, end: &str| sql[from..].find(end).map_or(sql.len(), |n| from + n + end.len());
        at = match bytes[at] {
            quote @ (b'\'' | b'"') => skip_to(at + 1, if quote == b'"' { "\"" } else { "'" }),
            b'-' if bytes.get(at + 1) == Some(&b'-') => skip_to(at + 2, "\n"),
            b'/' if bytes.get(at + 1) == Some(&b'*') => skip_to(at + 2, "*/"),
            b';' => {
                parts.push(&sql[start..at]);
                start = at + 1;
                at + 1
            }
            _ => at + 1,
        };
    }
    parts.push(&sql[start..]);
    parts.into_iter().filter(|part| !part.trim().is_empty())
}

/// `sql` prepared (from the connection's cache) with its `$N` arguments bound by number.
fn prepare<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<rusqlite::CachedStatement<'c>, sqlx::Error> {
    let mut statement = conn.prepare_cached(sql).map_err(lite_error)?;
    for index in 1..=statement.parameter_count() {
        let number = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n >= 1)
            .ok_or_else(|| sqlx::Error::Protocol(format!("argument {index} of `{sql}` is not named $1, $2, …")))?;
        // Stricter than sqlx, which binds NULL to an argument it was given no value for.
        let arg =
            args.get(number - 1).ok_or_else(|| sqlx::Error::Protocol(format!("no value for ${number} of `{sql}`")))?;
        let bound = match arg {
            Arg::Int(v) => statement.raw_bind_parameter(index, v),
            Arg::Real(v) => statement.raw_bind_parameter(index, v),
            Arg::Bool(v) => statement.raw_bind_parameter(index, v),
            Arg::Text(v) => statement.raw_bind_parameter(index, v.as_ref()),
            Arg::Null(_) => statement.raw_bind_parameter(index, rusqlite::types::Null),
        };
        bound.map_err(lite_error)?;
    }
    Ok(statement)
}

/// A value bound to an argument. A NULL keeps its type: PostgreSQL checks it.
pub(crate) enum Arg<'q> {
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(Cow<'q, str>),
    Null(Kind),
}

#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Int,
    Real,
    Bool,
    Text,
}

/// What can be bound to an argument.
pub(crate) trait Bind<'q> {
    const KIND: Kind;
    fn arg(self) -> Arg<'q>;
}

impl<'q> Bind<'q> for i64 {
    const KIND: Kind = Kind::Int;
    fn arg(self) -> Arg<'q> {
        Arg::Int(self)
    }
}

impl<'q> Bind<'q> for i32 {
    const KIND: Kind = Kind::Int;
    fn arg(self) -> Arg<'q> {
        Arg::Int(i64::from(self))
    }
}

impl<'q> Bind<'q> for f64 {
    const KIND: Kind = Kind::Real;
    fn arg(self) -> Arg<'q> {
        Arg::Real(self)
    }
}

impl<'q> Bind<'q> for bool {
    const KIND: Kind = Kind::Bool;
    fn arg(self) -> Arg<'q> {
        Arg::Bool(self)
    }
}

impl<'q> Bind<'q> for &'q str {
    const KIND: Kind = Kind::Text;
    fn arg(self) -> Arg<'q> {
        Arg::Text(Cow::Borrowed(self))
    }
}

impl<'q> Bind<'q> for &'q String {
    const KIND: Kind = Kind::Text;
    fn arg(self) -> Arg<'q> {
        Arg::Text(Cow::Borrowed(self.as_str()))
    }
}

impl<'q> Bind<'q> for String {
    const KIND: Kind = Kind::Text;
    fn arg(self) -> Arg<'q> {
        Arg::Text(Cow::Owned(self))
    }
}

impl<'q, T: Bind<'q>> Bind<'q> for Option<T> {
    const KIND: Kind = T::KIND;
    fn arg(self) -> Arg<'q> {
        match self {
            Some(value) => value.arg(),
            None => Arg::Null(T::KIND),
        }
    }
}

impl<'q> Bind<'q> for &'q Option<String> {
    const KIND: Kind = Kind::Text;
    fn arg(self) -> Arg<'q> {
        self.as_deref().arg()
    }
}

macro_rules! bind_by_copy {
    ($($t:ty),*) => {$(
        impl<'q> Bind<'q> for &$t {
            const KIND: Kind = <$t as Bind<'q>>::KIND;
            fn arg(self) -> Arg<'q> {
                (*self).arg()
            }
        }
    )*};
}

bind_by_copy!(i64, i32, f64, bool, Option<i64>, Option<f64>, Option<bool>);

/// One row of a result, from either kind of connection.
pub(crate) enum Row<'r> {
    Any(&'r AnyRow),
    Lite(&'r rusqlite::Row<'r>),
}

/// A column's position or name.
pub(crate) trait Index: sqlx::ColumnIndex<AnyRow> + rusqlite::RowIndex + Copy {}

impl<I: sqlx::ColumnIndex<AnyRow> + rusqlite::RowIndex + Copy> Index for I {}

impl Row<'_> {
    pub(crate) fn get<T: Column>(&self, index: impl Index) -> Result<T, sqlx::Error> {
        match self {
            Row::Any(row) => T::from_any(row, index),
            Row::Lite(row) => T::from_lite(row, index),
        }
    }
}

/// A value read from a column.
pub(crate) trait Column: Sized {
    fn from_any(row: &AnyRow, index: impl Index) -> Result<Self, sqlx::Error>;
    fn from_lite(row: &rusqlite::Row<'_>, index: impl Index) -> Result<Self, sqlx::Error>;
}

macro_rules! columns {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn from_any(row: &AnyRow, index: impl Index) -> Result<Self, sqlx::Error> {
                row.try_get::<$t, _>(index)
            }
            fn from_lite(row: &rusqlite::Row<'_>, index: impl Index) -> Result<Self, sqlx::Error> {
                row.get::<_, $t>(index).map_err(lite_error)
            }
        }
    )*};
}

columns!(i64, Option<i64>, f64, Option<f64>, String, Option<String>);

impl Column for bool {
    fn from_any(row: &AnyRow, index: impl Index) -> Result<Self, sqlx::Error> {
        Ok(row.try_get::<Flag, _>(index)?.0)
    }
    fn from_lite(row: &rusqlite::Row<'_>, index: impl Index) -> Result<Self, sqlx::Error> {
        row.get::<_, bool>(index).map_err(lite_error)
    }
}

impl Column for Option<bool> {
    fn from_any(row: &AnyRow, index: impl Index) -> Result<Self, sqlx::Error> {
        Ok(row.try_get::<Option<Flag>, _>(index)?.map(|flag| flag.0))
    }
    fn from_lite(row: &rusqlite::Row<'_>, index: impl Index) -> Result<Self, sqlx::Error> {
        row.get::<_, Option<bool>>(index).map_err(lite_error)
    }
}

/// A row read as a value: tuples by position, structs by column name ([`from_row!`]).
pub(crate) trait FromRow: Sized {
    fn from_row(row: &Row<'_>) -> Result<Self, sqlx::Error>;
}

macro_rules! tuples {
    ($(($($t:ident $n:tt),+))*) => {$(
        impl<$($t: Column),+> FromRow for ($($t,)+) {
            fn from_row(row: &Row<'_>) -> Result<Self, sqlx::Error> {
                Ok(($(row.get::<$t>($n)?,)+))
            }
        }
    )*};
}

tuples! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
}

/// Reads a struct from a row, each field from the column of its name.
macro_rules! from_row {
    ($name:ident { $($field:ident),* $(,)? }) => {
        impl $crate::sql::db::FromRow for $name {
            fn from_row(row: &$crate::sql::db::Row<'_>) -> Result<Self, sqlx::Error> {
                Ok($name { $($field: row.get(stringify!($field))?),* })
            }
        }
    };
}
pub(crate) use from_row;

/// rusqlite's error as sqlx's, so that callers tell a broken unique constraint or a busy
/// database the same way on either kind of connection.
fn lite_error(err: rusqlite::Error) -> sqlx::Error {
    match err {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.unwrap_or_else(|| failure.to_string());
            sqlx::Error::Database(Box::new(LiteError { code: failure.extended_code, message }))
        }
        rusqlite::Error::QueryReturnedNoRows => sqlx::Error::RowNotFound,
        other => sqlx::Error::Decode(Box::new(other)),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct LiteError {
    code: std::ffi::c_int,
    message: String,
}

impl sqlx::error::DatabaseError for LiteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                sqlx::error::ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => sqlx::error::ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => sqlx::error::ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => sqlx::error::ErrorKind::CheckViolation,
            _ => sqlx::error::ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn a_script_splits_at_semicolons_outside_quotes_and_comments() {
        let split: Vec<&str> = statements("SAVEPOINT a; INSERT INTO t VALUES ('x;y', \"q;\"); ; RELEASE a").collect();
        assert_eq!(split, ["SAVEPOINT a", " INSERT INTO t VALUES ('x;y', \"q;\")", " RELEASE a"]);
        let split: Vec<&str> =
            statements("UPDATE t SET b = 7; -- don't; stop\nUPDATE t SET b = 8 /* it's; fine */; SELECT 'a''b;'")
                .collect();
        assert_eq!(
            split,
            ["UPDATE t SET b = 7", " -- don't; stop\nUPDATE t SET b = 8 /* it's; fine */", " SELECT 'a''b;'"]
        );
        assert_eq!(statements("SELECT 1 -- the end").count(), 1);
    }

    #[tokio::test]
    async fn every_statement_of_a_script_runs_on_the_writers_connection() {
        let mut conn = super::Conn::Lite(Box::new(rusqlite::Connection::open_in_memory().unwrap()));
        conn.batch("CREATE TABLE t (a INTEGER, b TEXT)").await.unwrap();
        let script = "INSERT INTO t VALUES ($1, 'x;'); -- the second's\n INSERT INTO t VALUES ($2, $3)";
        super::query(script).bind(1_i64).bind(2_i64).bind("it's").execute(&mut conn).await.unwrap();
        let rows: Vec<(i64, String)> =
            super::query_as("SELECT a, b FROM t ORDER BY a").fetch_all(&mut conn).await.unwrap();
        assert_eq!(rows, [(1, "x;".to_string()), (2, "it's".to_string())]);
        let zero = super::query("SELECT $0").bind(1_i64).execute(&mut conn).await;
        assert!(zero.is_err(), "an argument numbered 0 is refused, not a panic");
    }
}
