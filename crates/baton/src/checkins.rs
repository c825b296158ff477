//! `baton checkins`: the workspace's recurring check-ins, one in full (who was asked on which
//! local day and who answered), and creating one. What `GET /api/v1/checkins`,
//! `GET /api/v1/checkins/{id}` and `POST /api/v1/channels/{id}/checkins` do.

use std::collections::HashMap;

use anyhow::Context;
use baton_core::model::{Cadence, CheckIn, Day};
use baton_core::MemberId;
use baton_store::{Command, Envelope, Store};
use jiff::civil::Time;
use jiff::Timestamp;

#[derive(Debug, clap::Args)]
pub(crate) struct CheckInsArgs {
    /// Where the database lives.
    #[command(flatten)]
    place: crate::workspace::Place,
    /// Show this check-in in full: its latest asks and answers.
    #[arg(long, value_name = "ID", conflicts_with = "create")]
    show: Option<i64>,
    /// Create a check-in with this title (with --channel, --question, --members).
    #[arg(long, value_name = "TITLE", requires_all = ["channel", "question", "members"])]
    create: Option<String>,
    /// The channel whose thread holds the answers (by name or id).
    #[arg(long)]
    channel: Option<String>,
    /// A question (repeat for several).
    #[arg(long)]
    question: Vec<String>,
    /// Who is asked: handles or ids, comma separated.
    #[arg(long, value_delimiter = ',')]
    members: Vec<String>,
    /// When each member is asked, in their own time zone, on the cadence's days (HH:MM).
    #[arg(long, default_value = "09:30")]
    ask_at: Time,
    /// When the digest is posted, on the cadence's days, in the workspace's time zone (HH:MM).
    #[arg(long, default_value = "16:00")]
    digest_at: Time,
    /// The weekdays it asks on, e.g. `mon` or `mon,thu` (default: each member's working days).
    #[arg(long, value_delimiter = ',', value_parser = parse_day)]
    days: Vec<Day>,
    /// Ask every N weeks (1 to 4), counted from this one: `--days fri --every-weeks 2` is every
    /// other Friday.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    every_weeks: u8,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn parse_day(raw: &str) -> Result<Day, String> {
    Day::parse(raw).ok_or_else(|| format!("{raw:?} is not a weekday (mon, tue, wed, thu, fri, sat, sun)"))
}

pub(crate) async fn run(args: CheckInsArgs) -> anyhow::Result<()> {
    let (store, owner) = crate::workspace::open(&args.place).await?;
    let everyone = store.members(&owner).await?;
    if let Some(title) = &args.create {
        let channel = args.channel.as_deref().context("--create needs --channel")?;
        let channel = crate::workspace::channel_named(&store, &owner, channel).await?;
        let members = crate::workspace::members_named(&everyone, &args.members)?;
        let command = Command::CreateCheckIn {
            channel: channel.id,
            title: title.clone(),
            questions: args.question.clone(),
            ask_at: args.ask_at,
            digest_at: args.digest_at,
            members: members.iter().map(|m| m.id).collect(),
            cadence: Cadence { days: args.days.clone(), every_weeks: args.every_weeks },
        };
        let id = store.execute(Envelope::new(owner, Timestamp::now(), command)).await?.into_checkin()?.id;
        return show(&store, &owner, id, &everyone, args.json).await;
    }
    if let Some(id) = args.show {
        return show(&store, &owner, id, &everyone, args.json).await;
    }
    let checkins = store.checkins(&owner).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&checkins)?);
        return Ok(());
    }
    if checkins.is_empty() {
        println!(
            "No check-ins yet: create one with `baton checkins --create TITLE --channel … --question … --members …`."
        );
    }
    for checkin in &checkins {
        println!(
            "{:>4}  {}  asks {} members {} at {} their time; digest at {} {}",
            checkin.id,
            checkin.title,
            checkin.member_ids.len(),
            checkin.cadence.describe(),
            checkin.ask_at,
            checkin.digest_at,
            checkin.digest_zone
        );
    }
    Ok(())
}

async fn show(
    store: &baton_store::SqlStore,
    owner: &baton_store::Viewer,
    id: i64,
    everyone: &[baton_core::model::Member],
    json: bool,
) -> anyhow::Result<()> {
    let checkin = store.checkin(owner, id).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&checkin)?);
        return Ok(());
    }
    let handles: HashMap<MemberId, &str> = everyone.iter().map(|m| (m.id, m.handle.as_str())).collect();
    print_one(&checkin, &handles);
    Ok(())
}

fn print_one(checkin: &CheckIn, handles: &HashMap<MemberId, &str>) {
    let name = |id: &MemberId| handles.get(id).map_or_else(|| format!("member {id}"), |h| format!("@{h}"));
    println!("Check-in {}: {} (thread {})", checkin.id, checkin.title, checkin.thread_id);
    println!(
        "  asks {} at {} in each member's zone; digest at {} {}",
        checkin.cadence.describe(),
        checkin.ask_at,
        checkin.digest_at,
        checkin.digest_zone
    );
    for question in &checkin.questions {
        println!("  - {question}");
    }
    let members: Vec<String> = checkin.member_ids.iter().map(name).collect();
    println!("  members: {}", members.join(", "));
    let answered = checkin.asks.iter().filter(|a| a.answer_message_id.is_some()).count();
    println!("  asked {} times, answered {answered}; the latest:", checkin.asks.len());
    for ask in checkin.asks.iter().take(20) {
        let answer = if ask.answer_message_id.is_some() { "answered" } else { "no answer" };
        println!("    {}  {:<12} asked {}  {answer}", ask.day, name(&ask.member_id), ask.asked_at);
    }
}
