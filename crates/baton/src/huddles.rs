//! `baton huddles`: the workspace's huddles, newest first, and one huddle in full: agenda,
//! notes, who was there and when, decisions, action items and the tasks made of them.

use std::collections::HashMap;

use baton_core::model::Huddle;
use baton_core::{HuddleId, MemberId};
use baton_store::Store;

#[derive(Debug, clap::Args)]
pub(crate) struct HuddlesArgs {
    /// Where the database lives.
    #[command(flatten)]
    place: crate::workspace::Place,
    /// Show this huddle in full instead of the list.
    #[arg(long, value_name = "ID")]
    show: Option<i64>,
    /// Only huddles still running.
    #[arg(long, conflicts_with = "show")]
    open: bool,
    /// At most this many (newest first).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    limit: u32,
    /// Print JSON (what `GET /api/v1/huddles` and `GET /api/v1/huddles/{id}` answer).
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(args: HuddlesArgs) -> anyhow::Result<()> {
    let (store, owner) = crate::workspace::open(&args.place).await?;
    let handles: HashMap<MemberId, String> =
        store.members(&owner).await?.into_iter().map(|m| (m.id, format!("@{}", m.handle))).collect();
    let name = |id: &MemberId| handles.get(id).cloned().unwrap_or_else(|| format!("member {id}"));
    if let Some(id) = args.show {
        let huddle = store.huddle(&owner, HuddleId(id)).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&huddle)?);
        } else {
            print_one(&huddle, &name);
        }
        return Ok(());
    }
    let huddles = store.huddles(&owner, args.open, args.limit).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&huddles)?);
        return Ok(());
    }
    if huddles.is_empty() {
        println!("No huddles{}.", if args.open { " running" } else { " yet" });
    }
    for huddle in &huddles {
        let state = match huddle.ended_at {
            Some(ended) => format!("{} min", duration_min(huddle, ended)),
            None => "running".into(),
        };
        println!(
            "{:>5}  {}  {}  ({state}; {} decisions, {} action items)",
            huddle.id,
            huddle.started_at.strftime("%Y-%m-%d %H:%MZ"),
            huddle.title,
            huddle.decisions.len(),
            huddle.action_items.len()
        );
    }
    Ok(())
}

fn duration_min(huddle: &Huddle, ended: jiff::Timestamp) -> i64 {
    let began = huddle.participants.iter().map(|p| p.joined_at).min().unwrap_or(huddle.started_at);
    ended.duration_since(began).as_mins()
}

fn print_one(huddle: &Huddle, name: &dyn Fn(&MemberId) -> String) {
    println!("Huddle {}: {}", huddle.id, huddle.title);
    println!("  thread:   {}", huddle.thread_id);
    if let Some(link) = &huddle.call_link {
        println!("  call:     {link}");
    }
    println!("  started:  {} by {}", huddle.started_at, name(&huddle.started_by));
    match huddle.ended_at {
        Some(ended) => println!("  ended:    {ended} ({} min)", duration_min(huddle, ended)),
        None => println!("  ended:    not yet"),
    }
    let invited: Vec<String> = huddle.invited.iter().map(name).collect();
    println!("  invited:  {}", if invited.is_empty() { "nobody".into() } else { invited.join(", ") });
    if !huddle.agenda.is_empty() {
        println!("  agenda:   {}", huddle.agenda);
    }
    if !huddle.notes.is_empty() {
        println!("  notes:    {}", huddle.notes);
    }
    for stretch in &huddle.participants {
        let left = stretch.left_at.map_or("still in".to_string(), |t| t.to_string());
        println!("  present:  {} {} to {left}", name(&stretch.member_id), stretch.joined_at);
    }
    for decision in &huddle.decisions {
        println!("  decision: {}", decision.text);
    }
    for item in &huddle.action_items {
        let mut line = format!("  action:   {}", item.text);
        if let Some(assignee) = &item.assignee_id {
            line.push_str(&format!(" → {}", name(assignee)));
        }
        if let Some(due) = item.due {
            line.push_str(&format!(", due {due}"));
        }
        if let Some(task) = item.task_id {
            line.push_str(&format!(" (task {task})"));
        }
        println!("{line}");
    }
}
