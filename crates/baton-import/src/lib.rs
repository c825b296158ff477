//! Readers for other tools' exports. Each reader turns a file into plain records and a list of
//! [`Diagnostic`]s naming the file and line of everything it could not read; writing them into
//! a workspace is the caller's job. No network, no clock, no database.

pub mod diagnostic;
pub mod export_files;
pub mod slack;
pub mod task_csv;

pub use diagnostic::Diagnostic;
