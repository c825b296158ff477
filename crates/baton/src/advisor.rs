//! `baton advisor`: the advisor's open suggestions for a data directory, as its first owner sees
//! them (pairings included), and accepting or dismissing one — what `GET /api/v1/advisor` and
//! `POST /api/v1/advisor/{key}/accept` do.

use std::sync::Arc;

use anyhow::anyhow;
use baton_server::api::advisor::{decide_as, suggestions};
use baton_server::AppState;

#[derive(Debug, clap::Args)]
pub(crate) struct AdvisorArgs {
    /// Where the database lives.
    #[command(flatten)]
    place: crate::workspace::Place,
    /// Advise as of this instant (RFC 3339; default now): the advisor reads the four weeks before.
    #[arg(long)]
    at: Option<String>,
    /// Accept this suggestion (its key): creates the huddle, the nudge or the conversation.
    #[arg(long, value_name = "KEY", conflicts_with = "dismiss")]
    accept: Option<String>,
    /// Dismiss this suggestion (its key): it is not offered again.
    #[arg(long, value_name = "KEY")]
    dismiss: Option<String>,
    /// json: the suggestions (or the outcome) as one JSON document.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(args: AdvisorArgs) -> anyhow::Result<()> {
    let (store, owner) = crate::workspace::open(&args.place).await?;
    let state = AppState::new(Arc::new(store));
    let at = args.at.as_deref();
    let decision = match (&args.accept, &args.dismiss) {
        (Some(key), _) => Some((key, true)),
        (None, Some(key)) => Some((key, false)),
        (None, None) => None,
    };
    if let Some((key, accepted)) = decision {
        let outcome = decide_as(&state, owner, key, at, accepted).await.map_err(|e| anyhow!("{e}"))?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&outcome)?);
        } else {
            println!("{} {key}", if accepted { "Accepted" } else { "Dismissed" });
        }
        return Ok(());
    }
    let open = suggestions(&state, owner, at).await.map_err(|e| anyhow!("{e}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&open)?);
        return Ok(());
    }
    if open.is_empty() {
        println!("No suggestions: nothing bounces, stalls, waits or is left out.");
    }
    for suggestion in &open {
        println!("{}  [{}]", suggestion.title, suggestion.kind);
        println!("    why:    {}", suggestion.reason);
        println!("    accept: {} (baton advisor --accept {})", suggestion.action, suggestion.key);
    }
    Ok(())
}
