//! The one error type of `baton-insights`.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
