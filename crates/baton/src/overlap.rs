//! `baton overlap`: when a set of members are all in working hours during a week, shown in each
//! one's own time, and the next slots of a given length inside that overlap.

use anyhow::{bail, Context};
use baton_core::calendar::{parse_time_zone, Calendar};
use baton_core::model::Member;
use baton_insights::overlap::{overlap, slots, total, week_of};
use baton_store::Store;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

#[derive(Debug, clap::Args)]
pub(crate) struct OverlapArgs {
    /// Where the database lives.
    #[command(flatten)]
    place: crate::workspace::Place,
    /// Members by handle or id, comma separated (ana,bo).
    #[arg(long, value_delimiter = ',', required = true)]
    members: Vec<String>,
    /// Any date of the week to show (Monday to Monday in the workspace's zone; default: this week).
    #[arg(long)]
    week: Option<Date>,
    /// Also list the next five slots of this many minutes inside everyone's working hours.
    #[arg(long, value_name = "MINUTES")]
    slots: Option<i64>,
}

pub(crate) async fn run(args: OverlapArgs) -> anyhow::Result<()> {
    let (store, owner) = crate::workspace::open(&args.place).await?;
    let workspace = store.workspace().await?.context("the data directory holds no workspace yet")?;
    let zone = parse_time_zone(&workspace.time_zone)?;
    let everyone = store.members(&owner).await?;
    let people = crate::workspace::members_named(&everyone, &args.members)?;
    let calendars = people
        .iter()
        .map(|m| Ok(Calendar::new(parse_time_zone(&m.time_zone)?, m.working_hours.clone())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let refs: Vec<&Calendar> = calendars.iter().collect();
    let day = args.week.unwrap_or_else(|| baton_insights::overlap::coming_week_day(Timestamp::now(), &zone));
    let (monday, start, end) = week_of(day, &zone)?;
    let found = overlap(&refs, start, end);
    let names: Vec<String> = people.iter().map(|m| format!("{} ({})", m.handle, m.time_zone)).collect();
    println!("Week of {monday}: {}", names.join(", "));
    let shown_as = |at: Timestamp, member: &Member, format: &str| {
        parse_time_zone(&member.time_zone)
            .map(|z| at.to_zoned(z).strftime(format).to_string())
            .unwrap_or_else(|_| at.to_string())
    };
    let local = |at: Timestamp, member: &Member| shown_as(at, member, "%a %H:%M");
    if found.is_empty() {
        println!("  no time when everyone is in working hours");
    }
    for (from, to) in &found {
        let shown: Vec<String> =
            people.iter().map(|m| format!("{}–{} {}", local(*from, m), shown_as(*to, m, "%H:%M"), m.handle)).collect();
        println!("  {}", shown.join(" | "));
    }
    println!("Total: {:.2} h", total(&found).as_secs_f64() / 3600.0);
    if let Some(minutes) = args.slots {
        if !(5..=480).contains(&minutes) {
            bail!("--slots must be 5 to 480 minutes");
        }
        let next =
            slots(&refs, Timestamp::now(), SignedDuration::from_hours(24 * 7), SignedDuration::from_mins(minutes), 5);
        println!("Next {minutes}-minute slots:");
        if next.is_empty() {
            println!("  none in the next 7 days (GET /api/v1/overlap/slots offers one that rotates who stays late)");
        }
        for (from, _) in next {
            let shown: Vec<String> = people.iter().map(|m| format!("{} {}", local(from, m), m.handle)).collect();
            println!("  {from}  ({})", shown.join(", "));
        }
    }
    Ok(())
}
