//! For admins only: who collaborates with how many, and who is isolated (DESIGN.md: active in
//! the last 14 days with at most one collaborator and no huddle time), with the member rows.
//! Members never get this section: one person's isolation is not theirs to read.

use baton_insights::people::MemberRow;
use maud::{html, Markup};

use crate::api::insights::Shown;

/// Each member's collaborators as bars, who is isolated, and the member rows.
pub(super) fn section(shown: &Shown) -> Markup {
    let members = &shown.report.members;
    let isolated: Vec<_> = members.iter().filter(|m| m.isolated).collect();
    html! {
        section.isolated aria-labelledby="collaboration-h" {
            h2 #collaboration-h { "Collaboration" }
            p.meta {
                "Isolated: active in the last 14 days with at most one collaborator and no huddle time. "
                "Only admins see this section."
            }
            @if isolated.is_empty() {
                p.empty { "Nobody is isolated." }
            } @else {
                ul.isolated-members {
                    @for member in &isolated {
                        li.isolated-member {
                            span.handle { "@" (member.name) }
                            " · " (member.collaborators) " collaborator" @if member.collaborators != 1 { "s" }
                            " · " (member.messages) " message" @if member.messages != 1 { "s" }
                        }
                    }
                }
            }
            @let shown_rows: Vec<_> = members.iter().filter(|m| m.messages > 0 || m.isolated).collect();
            @if !shown_rows.is_empty() {
                figure.chart {
                    (collaboration_bars(&shown_rows))
                    figcaption { "Collaborators per member in this period; isolated members in orange." }
                }
                div.scroll {
                    table.members {
                        thead {
                            tr {
                                th scope="col" { "Member" }
                                th.n scope="col" { "Messages" }
                                th.n scope="col" { "Collaborators" }
                                th.n scope="col" { "Huddle hours" }
                            }
                        }
                        tbody {
                            @for member in &shown_rows {
                                tr {
                                    th scope="row" { "@" (member.name) @if member.isolated { " " span.badge.warn { "isolated" } } }
                                    td.n { (member.messages) }
                                    td.n { (member.collaborators) }
                                    td.n { (format!("{:.1}", member.huddle_hours)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Horizontal bars of collaborators per member, fewest first.
fn collaboration_bars(members: &[&MemberRow]) -> Markup {
    const WIDTH: usize = 400;
    const ROW: usize = 22;
    const LABEL: usize = 130;
    let mut rows = members.to_vec();
    rows.sort_by(|a, b| a.collaborators.cmp(&b.collaborators).then_with(|| a.name.cmp(&b.name)));
    let most = rows.iter().map(|m| m.collaborators).max().unwrap_or(0).max(1);
    let height = rows.len() * ROW + 8;
    let bar_room = WIDTH - LABEL - 40;
    let short = |name: &str| {
        let chars: Vec<char> = name.chars().collect();
        if chars.len() > 14 {
            format!("@{}…", chars[..13].iter().collect::<String>())
        } else {
            format!("@{name}")
        }
    };
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {height}")) width="100%" role="img"
            aria-label="Collaborators per member" {
            title { "Collaborators per member" }
            @for (idx, member) in rows.iter().enumerate() {
                @let y = 4 + idx * ROW;
                @let width = (member.collaborators * bar_room / most).max(2);
                text x=(LABEL - 6) y=(y + 15) text-anchor="end" font-size="13" font-family="sans-serif" fill="#1d2330" { (short(&member.name)) }
                rect.bar.isolated[member.isolated] x=(LABEL) y=(y + 3) width=(width) height=(ROW - 6)
                    fill=(if member.isolated { "#D55E00" } else { "#0072B2" }) {}
                text x=(LABEL + width + 6) y=(y + 15) font-size="13" font-family="sans-serif" fill="#1d2330" { (member.collaborators) }
            }
        }
    }
}
