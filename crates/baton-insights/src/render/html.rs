//! The HTML document: headline figures, the charts, and the lagging, bouncing and members
//! tables, with a small inline stylesheet that reads on a 360 px phone (figures reflow into as
//! many columns as fit; wide tables scroll sideways inside their box, not the page).

use std::fmt::{self, Write as _};

use jiff::SignedDuration;

use super::charts::{svg_mode_mix, svg_response_times, svg_weekly_trend};
use super::Escaped;
use crate::conversations::{FirstResponseStats, MessageStats, ResponseStats};
use crate::lagging::{Lagging, LaggingRow};
use crate::people::{Isolation, MemberRow};
use crate::report::{BouncingJson, Report};
use crate::tasks::TaskStats;
use crate::trend::WeekPoint;

/// What a figure with an empty population shows (`null` in the JSON).
const DASH: &str = "—";

/// Rows shown per lagging list: the worst ones, which are the point of the list; the members
/// table below still lists everyone.
const LAGGING_ROWS: usize = 10;

const STYLE: &str = "\
:root{color-scheme:light;font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#222;background:#fff}
body{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:1.75rem 0 .6rem;padding-bottom:.2rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:1rem 0 .3rem}
header p,figcaption,.note{color:#555;font-size:.85rem;margin:.25rem 0}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.5rem;margin:0}
.figures div{background:#f4f6f8;border-radius:6px;padding:.45rem .65rem}
.figures dt{font-size:.8rem;color:#555}
.figures dd{margin:0;font-size:1.25rem;font-weight:600;font-variant-numeric:tabular-nums}
figure{margin:0 0 1rem}
figure svg{display:block;width:100%;height:auto;max-width:36rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:top}
th{font-weight:600;background:#f4f6f8}
.n{text-align:right;font-variant-numeric:tabular-nums}
td.n{white-space:nowrap}
.text{overflow-wrap:break-word;min-width:6rem}
tr.isolated td{background:#fff3e0}
.flag{color:#a04000;font-weight:600}
summary{cursor:pointer;font-size:.9rem}
@media (max-width:30rem){table{font-size:.8rem}th,td{padding:.25rem .3rem}}
";

/// The whole page (see [`super::html`]).
pub(super) fn document(
    report: &Report,
    trend: &[WeekPoint],
    response_working: &[SignedDuration],
    title: &str,
) -> String {
    let mut out = String::with_capacity(48 * 1024);
    write_document(&mut out, report, trend, response_working, title).expect("writing to a String never fails");
    out
}

fn write_document(
    out: &mut String,
    report: &Report,
    trend: &[WeekPoint],
    response_working: &[SignedDuration],
    title: &str,
) -> fmt::Result {
    let title = Escaped(title);
    let (from, to) = (Escaped(&report.window.from), Escaped(&report.window.to));
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>{title}</h1><p>From <time datetime=\"{from}\">{from}</time> \
         to <time datetime=\"{to}\">{to}</time> (the end excluded).</p></header>\n"
    )?;
    conversation_figures(out, &report.messages, &report.response_time, &report.first_response)?;
    task_figures(out, &report.tasks)?;
    people_figures(out, &report.isolation)?;
    charts(out, report, trend, response_working)?;
    lagging(out, &report.lagging)?;
    bouncing(out, &report.bouncing_threads)?;
    members(out, &report.members)?;
    out.write_str("</body>\n</html>\n")
}

fn conversation_figures(
    out: &mut String,
    messages: &MessageStats,
    response_time: &ResponseStats,
    first_response: &FirstResponseStats,
) -> fmt::Result {
    figures(
        out,
        "Conversations",
        &[
            ("Messages", messages.count.to_string()),
            ("Active conversations", messages.conversations_active.to_string()),
            ("Responses", messages.responses.to_string()),
            ("Median response", duration(response_time.median_s)),
            ("90th pct response", duration(response_time.p90_s)),
            ("Median response, working", duration(response_time.median_working_s)),
            ("90th pct response, working", duration(response_time.p90_working_s)),
            ("Within norm", percent(response_time.within_norm_share)),
            ("Awaiting answer", response_time.awaiting_answer.to_string()),
            ("First responses", first_response.count.to_string()),
            ("Median first response, working", duration(first_response.median_working_s)),
        ],
    )
}

fn task_figures(out: &mut String, tasks: &TaskStats) -> fmt::Result {
    figures(
        out,
        "Tasks",
        &[
            ("Created", tasks.created.to_string()),
            ("Done", tasks.done.to_string()),
            ("Open", tasks.open.to_string()),
            ("Stalled", tasks.stalled.to_string()),
            ("Stall rate", percent(tasks.stall_rate)),
            ("Due", tasks.due.to_string()),
            ("Done on time", tasks.done_on_time.to_string()),
            ("Completion rate", percent(tasks.completion_rate)),
            ("Median cycle, working", duration(tasks.cycle_median_working_s)),
        ],
    )
}

fn people_figures(out: &mut String, isolation: &Isolation) -> fmt::Result {
    figures(
        out,
        "People",
        &[
            ("Recently active", isolation.active.to_string()),
            ("Isolated", isolation.isolated.to_string()),
            ("Isolation rate", percent(isolation.rate)),
        ],
    )
}

/// A heading and a grid of labelled figures. Values are formatted numbers or [`DASH`], never
/// user text, but they are escaped anyway so this can never be the hole.
fn figures(out: &mut String, heading: &str, figures: &[(&str, String)]) -> fmt::Result {
    writeln!(out, "<section>\n<h2>{heading}</h2>\n<dl class=\"figures\">")?;
    for (label, value) in figures {
        writeln!(out, "<div><dt>{label}</dt><dd>{}</dd></div>", Escaped(value))?;
    }
    out.write_str("</dl>\n</section>\n")
}

fn charts(out: &mut String, report: &Report, trend: &[WeekPoint], response_working: &[SignedDuration]) -> fmt::Result {
    writeln!(
        out,
        "<section>\n<h2>Response times</h2>\n<figure>\n{}<figcaption>Responses in the window (n = {}) by working \
         response time, in the responder's calendar; a working day (d) is 8 working hours.</figcaption>\n</figure>\n\
         </section>",
        svg_response_times(response_working),
        response_working.len(),
    )?;
    writeln!(
        out,
        "<section>\n<h2>Weekly trend</h2>\n<figure>\n{}<figcaption>Stall rate at the end of each week and \
         completion rate of the tasks due in it. A gap means nothing was open, or nothing was due.</figcaption>\n\
         </figure>",
        svg_weekly_trend(trend),
    )?;
    week_table(out, trend)?;
    out.write_str("</section>\n")?;
    let mode_mix = &report.mode_mix;
    writeln!(
        out,
        "<section>\n<h2>Mode mix</h2>\n<figure>\n{}<figcaption>Messages and huddle hours per member-week \
         ({:.1} member-weeks), each on its own scale. Decisions recorded: {} in huddles, {} in threads.\
         </figcaption>\n</figure>\n</section>",
        svg_mode_mix(mode_mix),
        mode_mix.member_weeks,
        mode_mix.decisions.in_huddles,
        mode_mix.decisions.in_threads,
    )
}

/// The trend's numbers, folded away: the chart shows the shape, this the counts behind it.
fn week_table(out: &mut String, trend: &[WeekPoint]) -> fmt::Result {
    out.write_str(
        "<details><summary>Weekly numbers</summary>\n<div class=\"scroll\"><table>\n<thead><tr><th>Week from (UTC)</th>\
         <th class=\"n\">Open</th><th class=\"n\">Stalled</th><th class=\"n\">Stall rate</th><th class=\"n\">Due</th>\
         <th class=\"n\">On time</th><th class=\"n\">Completion</th></tr></thead>\n<tbody>\n",
    )?;
    for week in trend {
        writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            week.from.strftime("%Y-%m-%d %H:%M"),
            week.open,
            week.stalled,
            percent(week.stall_rate),
            week.due,
            week.done_on_time,
            percent(week.completion_rate),
        )?;
    }
    out.write_str("</tbody>\n</table></div>\n</details>\n")
}

fn lagging(out: &mut String, lagging: &Lagging) -> fmt::Result {
    out.write_str(
        "<section>\n<h2>Lagging</h2>\n<p class=\"note\">Worst first: highest stall rate, then slowest 90th \
         percentile working response, then lowest completion rate.</p>\n",
    )?;
    for (heading, rows) in
        [("Channels", &lagging.channels), ("Projects", &lagging.projects), ("Members", &lagging.members)]
    {
        writeln!(out, "<h3>{heading}</h3>")?;
        if rows.is_empty() {
            out.write_str("<p class=\"note\">None with figures in this window.</p>\n")?;
            continue;
        }
        out.write_str(
            "<div class=\"scroll\"><table>\n<thead><tr><th>Name</th><th class=\"n\">Stall rate</th>\
             <th class=\"n\">p90 working</th><th class=\"n\">Completion</th></tr></thead>\n<tbody>\n",
        )?;
        for row in rows.iter().take(LAGGING_ROWS) {
            lagging_row(out, row)?;
        }
        out.write_str("</tbody>\n</table></div>\n")?;
        if rows.len() > LAGGING_ROWS {
            writeln!(out, "<p class=\"note\">{} more not shown.</p>", rows.len() - LAGGING_ROWS)?;
        }
    }
    out.write_str("</section>\n")
}

fn lagging_row(out: &mut String, row: &LaggingRow) -> fmt::Result {
    writeln!(
        out,
        "<tr><td class=\"text\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
        Escaped(&row.name),
        percent(row.stall_rate),
        duration(row.p90_working_s),
        percent(row.completion_rate),
    )
}

fn bouncing(out: &mut String, threads: &[BouncingJson]) -> fmt::Result {
    out.write_str("<section>\n<h2>Bouncing threads</h2>\n")?;
    if threads.is_empty() {
        return out.write_str("<p class=\"note\">No bouncing threads in this window.</p>\n</section>\n");
    }
    out.write_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Channel</th><th>Thread</th><th class=\"n\">Handoffs</th>\
         <th class=\"n\">Span</th></tr></thead>\n<tbody>\n",
    )?;
    for thread in threads {
        writeln!(
            out,
            "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            Escaped(&thread.channel),
            Escaped(&thread.thread),
            thread.handoffs,
            duration(Some(thread.span_s)),
        )?;
    }
    out.write_str("</tbody>\n</table></div>\n</section>\n")
}

fn members(out: &mut String, members: &[MemberRow]) -> fmt::Result {
    out.write_str("<section>\n<h2>Members</h2>\n")?;
    if members.is_empty() {
        return out.write_str("<p class=\"note\">No members.</p>\n</section>\n");
    }
    out.write_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Member</th><th class=\"n\">Messages</th>\
         <th class=\"n\">Collaborators</th><th class=\"n\">Huddle h</th><th>Isolated</th></tr></thead>\n<tbody>\n",
    )?;
    for member in members {
        // Flagged in words as well as colour, so it survives printing and colour blindness.
        let (row_class, flag) =
            if member.isolated { (" class=\"isolated\"", "<span class=\"flag\">isolated</span>") } else { ("", "") };
        writeln!(
            out,
            "<tr{row_class}><td class=\"text\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{:.1}</td><td>{flag}</td></tr>",
            Escaped(&member.name),
            member.messages,
            member.collaborators,
            member.huddle_hours,
        )?;
    }
    out.write_str("</tbody>\n</table></div>\n</section>\n")
}

/// A rate in `[0, 1]` as a whole percentage, or [`DASH`].
pub(super) fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| DASH.to_owned(), |rate| format!("{:.0}%", rate * 100.0))
}

/// Whole seconds as the largest two units that matter ("45s", "12m", "3h 20m"), or [`DASH`].
/// Hours are never folded into days, because a working day is 8 h and a wall-clock one 24 h.
pub(super) fn duration(seconds: Option<i64>) -> String {
    let Some(seconds) = seconds else { return DASH.to_owned() };
    match seconds {
        ..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        _ => match (seconds / 3600, seconds % 3600 / 60) {
            (hours, 0) => format!("{hours}h"),
            (hours, minutes) => format!("{hours}h {minutes}m"),
        },
    }
}

#[cfg(test)]
mod tests;
