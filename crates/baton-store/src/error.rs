//! The one error type of `baton-store`: what the caller needs to know, never the driver's words.

/// Why a read or a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist, or the viewer may not see it (the two are not told apart, so
    /// that an answer never reveals that something private exists).
    #[error("{what} not found")]
    NotFound { what: String },
    /// The viewer may see it but not do this to it.
    #[error("{reason}")]
    Forbidden { reason: String },
    /// A uniqueness rule or the current state forbids it (a taken handle, a second setup).
    #[error("{what}")]
    Conflict { what: String },
    /// A value breaks a domain rule.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The database did not answer in time (a pool or lock timeout).
    #[error("the database is busy, try again")]
    Busy,
    /// A fault on our side: the cause is logged, never shown.
    #[error("storage failure")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn not_found(what: impl Into<String>) -> Error {
        Error::NotFound { what: what.into() }
    }

    pub fn forbidden(reason: impl Into<String>) -> Error {
        Error::Forbidden { reason: reason.into() }
    }

    pub fn conflict(what: impl Into<String>) -> Error {
        Error::Conflict { what: what.into() }
    }

    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid { field: field.into(), reason: reason.into() }
    }

    pub(crate) fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Internal(Box::new(err))
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Error {
        match &err {
            sqlx::Error::RowNotFound => Error::not_found("row"),
            sqlx::Error::PoolTimedOut => Error::Busy,
            sqlx::Error::Database(db) if db.message().contains("database is locked") => Error::Busy,
            _ => Error::internal(err),
        }
    }
}

impl From<baton_core::Error> for Error {
    fn from(err: baton_core::Error) -> Error {
        match err {
            baton_core::Error::Invalid { field, reason } => Error::Invalid { field: field.into(), reason },
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Error {
        Error::internal(err)
    }
}
