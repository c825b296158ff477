//! `baton norms`: the workspace's "reply within N working hours" and each channel's own; set or
//! clear one. What `GET /api/v1/norms`, `PUT /api/v1/norms` and `PUT /api/v1/channels/{id}/norm`
//! do.

use anyhow::bail;
use baton_store::{Command, Envelope, Store};
use jiff::Timestamp;

#[derive(Debug, clap::Args)]
pub(crate) struct NormsArgs {
    /// Where the database lives.
    #[command(flatten)]
    place: crate::workspace::Place,
    /// Set the norm to replies within this many working hours (e.g. 4, or 0.5).
    #[arg(long, value_name = "HOURS")]
    set: Option<f64>,
    /// Clear the channel's own norm (it follows the workspace's again).
    #[arg(long, conflicts_with = "set", requires = "channel")]
    clear: bool,
    /// The channel to set or clear (by name or id); without it, `--set` sets the workspace's.
    #[arg(long)]
    channel: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(args: NormsArgs) -> anyhow::Result<()> {
    let (store, owner) = crate::workspace::open(&args.place).await?;
    if args.set.is_some() || args.clear {
        let channel = match &args.channel {
            Some(name) => Some(crate::workspace::channel_named(&store, &owner, name).await?.id),
            None => None,
        };
        let minutes = match args.set {
            Some(hours) if !(hours > 0.0 && hours <= 80.0) => {
                bail!("--set takes more than 0 and at most 80 working hours, not {hours}")
            }
            Some(hours) => Some((hours * 60.0).round() as i64),
            None => None,
        };
        let command = Command::SetNorm { channel, reply_within_minutes: minutes };
        store.execute(Envelope::new(owner, Timestamp::now(), command)).await?;
    }
    let norms = store.norms(&owner).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&norms)?);
        return Ok(());
    }
    println!("Workspace: reply within {} working hours", hours(norms.default_reply_within_minutes));
    for channel in &norms.channels {
        println!("#{}: reply within {} working hours", channel.name, hours(channel.reply_within_minutes));
    }
    Ok(())
}

fn hours(minutes: i64) -> String {
    let hours = minutes as f64 / 60.0;
    if minutes % 60 == 0 {
        format!("{hours:.0}")
    } else {
        format!("{hours:.2}").trim_end_matches('0').to_string()
    }
}
