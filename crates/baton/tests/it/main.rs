//! The `baton` binary's integration tests: one test binary, one module per area.

mod cli;
mod durability;
mod import;
mod server;
mod tidy;
