//! `baton serve`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use baton_server::scheduler::Scheduler;
use baton_server::state::SetupGate;
use baton_server::AppState;
use baton_store::Store;

use crate::demo;

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Where the workspace lives (created if missing).
    #[command(flatten)]
    place: crate::workspace::Place,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "BATON_LISTEN")]
    listen: SocketAddr,
    /// On a fresh data directory, load the demo workspace and print the owner's login.
    #[arg(long)]
    demo: bool,
}

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = args.place.open().await?;
    let data_dir = &args.place.data_dir;
    // On PostgreSQL the data directory holds only files (the setup token), and may be new.
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let fresh = store.workspace().await?.is_none();
    if args.demo && fresh {
        eprintln!("Loading the demo workspace into {} (first start only)…", args.place.describe());
        let login = demo::fill(&store, &demo::DemoConfig::default()).await?;
        println!("Demo workspace loaded. Sign in as {} with password {}", login.email, login.password);
    } else if args.demo {
        println!(
            "This data directory already holds a workspace; demo login (if it is the demo): {} / {}",
            demo::OWNER_EMAIL,
            demo::OWNER_PASSWORD
        );
    }
    let token_file = data_dir.join(SETUP_TOKEN_FILE);
    let gate = if fresh && !args.demo {
        let token = baton_server::auth::new_token();
        write_owner_only(&token_file, &token)
            .with_context(|| format!("cannot write the setup token to {}", token_file.display()))?;
        Some(SetupGate { token, file: Some(token_file) })
    } else {
        // A token left from an earlier start opens nothing once the workspace exists.
        let _ = std::fs::remove_file(&token_file);
        None
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    println!("Baton is listening on http://{address}  (API: http://{address}/api/v1/openapi.json)");
    let mut state = AppState::new(Arc::new(store));
    if let Some(gate) = gate {
        // As Jupyter and Grafana do: whoever reaches a fresh server first cannot claim it
        // without the token that only the person who started it can see.
        println!("New workspace: set it up at http://{address}/setup?token={}", gate.token);
        println!(
            "  (the token is also in {}; POST /api/v1/setup takes it as setup_token)",
            data_dir.join(SETUP_TOKEN_FILE).display()
        );
        state = state.with_setup_gate(gate);
    }
    // Timed work (scheduled messages, reminders, held notifications) fires while it serves.
    let scheduler = Scheduler::new(state.store.clone(), state.clock());
    let scheduler = tokio::spawn(scheduler.run());
    // Insights read the log now rather than at the first report or thread list.
    let warm = state.clone();
    tokio::spawn(async move { baton_server::api::insights::warm_up(&warm).await });
    let served = baton_server::serve(listener, state, shutdown_signal()).await;
    scheduler.abort();
    served.context("the server stopped")?;
    Ok(())
}

/// The file in the data directory that holds a fresh server's one-time setup token.
const SETUP_TOKEN_FILE: &str = "setup-token";

/// Writes `content` to a new file only its owner may read (the data directory may be shared).
fn write_owner_only(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(content.as_bytes())?;
    file.write_all(b"\n")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
