use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::mode_mix::Decisions;

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn week(from: &str, stall_rate: Option<f64>, completion_rate: Option<f64>) -> WeekPoint {
    let from: Timestamp = from.parse().unwrap();
    WeekPoint {
        from,
        to: from.checked_add(SignedDuration::from_hours(7 * 24)).unwrap(),
        stall_rate,
        completion_rate,
        open: 0,
        stalled: 0,
        due: 0,
        done_on_time: 0,
    }
}

/// The chart opens with the responsive tag, closes once, and was drawn (not the fallback).
fn assert_is_a_drawn_chart(svg: &str) {
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 250\" width=\"100%\""),
        "{svg}"
    );
    assert_eq!(svg.matches("<svg").count(), 1, "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    assert!(svg.contains("<title>"), "{svg}");
    assert!(!svg.contains("chart unavailable"), "{svg}");
    assert!(!svg.contains("<svg width="), "plotters' fixed-size tag must be gone: {svg}");
}

#[test]
fn bucket_bounds_are_inclusive_and_the_last_bucket_is_open_ended() {
    let working = [
        SignedDuration::ZERO,
        minutes(15),
        minutes(15) + SignedDuration::from_nanos(1),
        minutes(60),
        minutes(4 * 60),
        minutes(4 * 60 + 1),
        minutes(8 * 60),
        minutes(24 * 60),
        minutes(24 * 60 + 1),
        minutes(1000 * 60),
    ];
    // ≤15m: 0 and 15m; 15m–1h: 15m+1ns, 1h; 1–4h: 4h; 4h–1d: 4h1m, 8h; 1–3d: 24h; >3d: the rest.
    assert_eq!(bucket_counts(&working), [2, 2, 1, 2, 1, 2]);
}

#[test]
fn the_response_chart_labels_every_bucket_and_prints_the_counts() {
    let svg = svg_response_times(&[minutes(5), minutes(6), minutes(90)]);
    assert_is_a_drawn_chart(&svg);
    for (_, label) in RESPONSE_BUCKETS {
        let label = label.replace('>', "&gt;");
        assert!(svg.contains(&format!("\n{label}\n</text>")), "no {label} in {svg}");
    }
    // Two bars (no empty ones), in bucket order, with their counts.
    let bars: Vec<&str> = svg.lines().filter(|line| line.contains("fill=\"#0072B2\"")).collect();
    let lefts: Vec<u32> = bars
        .iter()
        .map(|bar| bar.split("x=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap().parse().unwrap())
        .collect();
    assert_eq!(lefts.len(), 2, "{svg}");
    assert!(lefts[0] < lefts[1], "{svg}");
    // Text anchored at its bottom: the axis description, then each bar's count above it.
    let bottom_anchored: Vec<&str> = svg
        .split("<text ")
        .filter(|text| text.contains("dy=\"-0.5ex\""))
        .filter_map(|text| text.split('>').nth(1)?.split('<').next())
        .map(str::trim)
        .collect();
    assert_eq!(bottom_anchored, ["working time (1d = 8h)", "2", "1"], "{svg}");
    assert!(svg.contains("responses"), "{svg}");
}

#[test]
fn an_empty_chart_is_still_drawn() {
    assert_is_a_drawn_chart(&svg_response_times(&[]));
    assert_is_a_drawn_chart(&svg_weekly_trend(&[]));
    let nobody = ModeMix {
        member_weeks: 0.0,
        messages_per_member_week: None,
        huddle_hours_per_member_week: None,
        decisions: Decisions { in_huddles: 0, in_threads: 0 },
    };
    let svg = svg_mode_mix(&nobody);
    assert_is_a_drawn_chart(&svg);
    assert_eq!(svg.matches("—").count(), 2, "{svg}");
}

#[test]
fn a_missing_rate_breaks_the_line_instead_of_dropping_to_zero() {
    let trend = [
        week("2024-03-04T00:00:00Z", Some(0.5), Some(1.0)),
        week("2024-03-11T00:00:00Z", None, Some(0.5)),
        week("2024-03-18T00:00:00Z", Some(0.25), Some(0.0)),
    ];
    let svg = svg_weekly_trend(&trend);
    assert_is_a_drawn_chart(&svg);
    // Data lines are 2 wide (the legend's swatches 3): the stall rate is two runs of one point,
    // the completion rate one run of three; every point also gets a circle.
    let stall = "stroke=\"#D55E00\" stroke-width=\"2\"";
    let completion = "stroke=\"#0072B2\" stroke-width=\"2\"";
    assert_eq!(lines(&svg, stall), ["114,122", "332,166"], "{svg}");
    assert_eq!(lines(&svg, completion), ["114,34 223,122 332,209"], "{svg}");
    assert_eq!(svg.matches("<circle").count(), 5, "{svg}");
    for label in ["Mar 4", "Mar 11", "Mar 18"] {
        assert!(svg.contains(&format!("\n{label}\n</text>")), "weeks are labelled by their start: {svg}");
    }
}

/// The points of each polyline drawn with `stroke`.
fn lines<'a>(svg: &'a str, stroke: &str) -> Vec<&'a str> {
    svg.lines()
        .filter(|line| line.starts_with("<polyline") && line.contains(stroke))
        .filter_map(|line| line.split("points=\"").nth(1)?.split('"').next())
        .map(str::trim)
        .collect()
}
