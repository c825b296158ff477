//! `bench-pages`: the big-workspace benchmark of issue 14 (see `bench/README.md`, "Big
//! workspace"). `gen` writes a workspace of millions of messages through the store's batched
//! command path; `run` measures a `baton serve` on it.

mod gen;
mod run;
mod words;

use clap::Parser;

#[derive(Debug, Parser)]
enum Cli {
    /// Generates a workspace (deterministic for a seed) into a new data directory or database.
    Gen(gen::GenArgs),
    /// Measures a running server on a generated workspace.
    Run(run::RunArgs),
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        match Cli::parse() {
            Cli::Gen(args) => gen::run(args).await,
            Cli::Run(args) => run::run(args).await,
        }
    })
}
