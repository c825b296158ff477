//! The `baton` binary's integration tests: one test binary, one module per area.

mod cli;
mod dm_threads;
mod durability;
mod import;
mod import_slack;
mod imported_history;
mod server;
mod tidy;
mod web;
