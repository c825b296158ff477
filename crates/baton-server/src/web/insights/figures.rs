//! The dashboard's body: the headline, the charts (drawn on the server as SVG by
//! `baton_insights::render::charts`), the bouncing threads and the lagging tables, each row
//! linked to its page, and for admins the collaboration section.

use baton_insights::render::{charts as svg, response_working_times};
use baton_insights::trend::{weekly_trend, WeekPoint};
use baton_insights::{report, Thresholds};
use jiff::SignedDuration;
use maud::{html, Markup, PreEscaped};

use super::dashboard::Options;
use super::{collaboration, duration_text, headline, percent, seconds};
use crate::api::insights::Shown;
use crate::{ApiError, AppState};

/// The charts of a report and the figures of the period before that the comparison lacks.
pub(super) struct Charts {
    response_times: String,
    n_responses: usize,
    trend: String,
    weeks: Vec<WeekPoint>,
    mode_mix: String,
    pub before: Option<BeforeFigures>,
}

/// The headline figures `compare` does not carry, over the period before.
pub(super) struct BeforeFigures {
    pub messages: usize,
    pub p90_working_s: Option<i64>,
}

/// Draws the charts of `shown` from its narrowed data (taken from it: nothing else needs it);
/// `None` when the aggregates are withheld from this viewer.
pub(super) async fn charts(state: &AppState, shown: &mut Shown) -> Result<Option<Charts>, ApiError> {
    let Some(data) = shown.data.take() else { return Ok(None) };
    let (window, before) = (shown.window, shown.before);
    let mode_mix = shown.report.mode_mix.clone();
    let charts = state
        .cpu(move || {
            let thresholds = Thresholds::design_defaults();
            let working = response_working_times(&data, window);
            let weeks = weekly_trend(&data, window, &thresholds);
            let before = before.map(|before| {
                let earlier = report(&data, before, &thresholds);
                BeforeFigures { messages: earlier.messages.count, p90_working_s: earlier.response_time.p90_working_s }
            });
            Charts {
                response_times: svg::svg_response_times(&working),
                n_responses: working.len(),
                trend: svg::svg_weekly_trend(&weeks),
                weeks,
                mode_mix: svg::svg_mode_mix(&mode_mix),
                before,
            }
        })
        .await?;
    Ok(Some(charts))
}

/// Everything below the filter form.
pub(super) fn body(shown: &Shown, charts: &Option<Charts>, options: &Options, admin: bool) -> Markup {
    let Some(charts) = charts else {
        return html! {
            p.notice role="status" {
                "Fewer than " (shown.privacy.floor) " members took part in this period, so its figures are not shown: "
                "with so few, they would describe individuals."
            }
        };
    };
    html! {
        (headline::headline(shown, charts))
        section.charts aria-labelledby="charts-h" {
            h2 #charts-h { "Charts" }
            (chart(
                &charts.response_times,
                "Responses by working response time",
                html! { (charts.n_responses) " responses, by the responder's working time to answer (a working day is 8 h)." },
            ))
            (chart(
                &charts.trend,
                "Stall rate and completion rate by week",
                html! {
                    "Each week's stalled share of open tasks and on-time share of tasks due. "
                    details {
                        summary { "The numbers" }
                        (trend_table(&charts.weeks))
                    }
                },
            ))
            (chart(
                &charts.mode_mix,
                "Messages and huddle hours per member-week",
                html! {
                    "Async and live work side by side: messages and huddle hours per member-week. Decisions made in huddles: "
                    (shown.report.mode_mix.decisions.in_huddles) ", in threads: " (shown.report.mode_mix.decisions.in_threads) "."
                },
            ))
        }
        (bouncing(shown, options))
        (lagging(shown, options, admin))
        @if admin { (collaboration::section(shown)) }
    }
}

/// One chart: the SVG as drawn by the insights crate (its text is escaped there, and it has no
/// script or style), labelled for screen readers.
fn chart(drawn: &str, label: &str, caption: Markup) -> Markup {
    html! {
        figure.chart {
            (PreEscaped(labelled(drawn, label)))
            figcaption { (caption) }
        }
    }
}

/// `svg` with `role="img"` and an `aria-label` on its root, unless it has them already.
fn labelled(svg: &str, label: &str) -> String {
    let Some(rest) = svg.strip_prefix("<svg") else { return svg.to_string() };
    let root = rest.split_once('>').map_or(rest, |(tag, _)| tag);
    let mut added = String::new();
    if !root.contains("role=") {
        added.push_str(" role=\"img\"");
    }
    if !root.contains("aria-label=") {
        added.push_str(&format!(" aria-label=\"{}\"", html! { (label) }.into_string()));
    }
    format!("<svg{added}{rest}")
}

fn trend_table(weeks: &[WeekPoint]) -> Markup {
    html! {
        div.scroll {
            table {
                thead { tr { th scope="col" { "Week from" } th.n scope="col" { "Stalled / open" } th.n scope="col" { "On time / due" } } }
                tbody {
                    @for week in weeks {
                        tr {
                            td { (week.from.strftime("%d %b %Y")) }
                            td.n { (week.stalled) " / " (week.open) " (" (percent(week.stall_rate)) ")" }
                            td.n { (week.done_on_time) " / " (week.due) " (" (percent(week.completion_rate)) ")" }
                        }
                    }
                }
            }
        }
    }
}

fn bouncing(shown: &Shown, options: &Options) -> Markup {
    let channel_id = |name: &str| options.channels.iter().find(|c| c.name == name).map(|c| c.id);
    html! {
        section.bouncing aria-labelledby="bouncing-h" {
            h2 #bouncing-h { "Bouncing threads" }
            @if shown.report.bouncing_threads.is_empty() {
                p.empty { "No thread bounced in this period." }
            } @else {
                ul.bouncing {
                    @for thread in &shown.report.bouncing_threads {
                        li {
                            @match shown.thread_ids.get(thread.conversation).copied().flatten() {
                                Some(id) => a.thread href=(format!("/t/{id}")) { (thread.thread) },
                                None => span.thread { (thread.thread) },
                            }
                            " in "
                            @match channel_id(&thread.channel) {
                                Some(id) => a href=(format!("/c/{id}")) { "#" (thread.channel) },
                                None => span { "#" (thread.channel) },
                            }
                            span.meta {
                                " · " (thread.handoffs) " handoffs over "
                                (duration_text(SignedDuration::from_secs(thread.span_s)))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn lagging(shown: &Shown, options: &Options, admin: bool) -> Markup {
    let lagging = &shown.report.lagging;
    let channel_link = |name: &str| {
        options.channels.iter().find(|c| c.name == name).map(|c| (format!("/c/{}", c.id), format!("#{name}")))
    };
    let project_link = |name: &str| {
        options.projects.iter().find(|p| p.name == name).map(|p| (format!("/p/{}", p.id), name.to_string()))
    };
    html! {
        section.lagging aria-labelledby="lagging-h" {
            h2 #lagging-h { "Lagging" }
            p.meta { "Worst first: stall rate, then p90 working response time, then completion rate." }
            (lagging_table("Channels", "channels", &lagging.channels, &channel_link))
            (lagging_table("Projects", "projects", &lagging.projects, &project_link))
            @if admin {
                (lagging_table("Members", "members", &lagging.members, &|name: &str| Some((String::new(), format!("@{name}")))))
            }
        }
    }
}

/// A lagging table; `link` gives a row's page (empty: none) and the name shown.
fn lagging_table(
    title: &str,
    class: &str,
    rows: &[baton_insights::lagging::LaggingRow],
    link: &dyn Fn(&str) -> Option<(String, String)>,
) -> Markup {
    html! {
        h3 { (title) }
        @if rows.is_empty() {
            p.empty { "Nothing to rank." }
        } @else {
            div.scroll {
                table.(class) {
                    thead {
                        tr {
                            th scope="col" { "Name" }
                            th.n scope="col" { "Stall rate" }
                            th.n scope="col" { "p90 working response" }
                            th.n scope="col" { "Completion rate" }
                        }
                    }
                    tbody {
                        @for row in rows {
                            tr {
                                th scope="row" {
                                    @match link(&row.name) {
                                        Some((href, name)) if !href.is_empty() => a href=(href) { (name) },
                                        Some((_, name)) => (name),
                                        None => (row.name),
                                    }
                                }
                                td.n { (percent(row.stall_rate)) }
                                td.n { (seconds(row.p90_working_s)) }
                                td.n { (percent(row.completion_rate)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
