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

/// One panel of the mode-mix chart as drawn: the y-axis labels with their heights, the bar's top
/// and bottom, and the text above the bar.
#[derive(Debug)]
struct DrawnBar {
    ticks: Vec<(String, f64)>,
    bar: Option<(f64, f64)>,
    label: String,
}

/// The panels of [`svg_mode_mix`] left to right: the left one is drawn in x < 200.
fn drawn_bars(svg: &str) -> [DrawnBar; 2] {
    let attr = |element: &str, name: &str| -> f64 {
        let value = element.split(&format!(" {name}=\"")).nth(1).and_then(|rest| rest.split('"').next());
        value.and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no {name} in {element}"))
    };
    let text = |element: &str| -> String {
        element.split('>').nth(1).and_then(|rest| rest.split('<').next()).unwrap().trim().to_owned()
    };
    let mut panels = [0, 1].map(|_| DrawnBar { ticks: Vec::new(), bar: None, label: String::new() });
    for element in svg.split('\n').collect::<Vec<_>>().join(" ").split('<').map(|e| format!("<{e}")) {
        if element.starts_with("<text") {
            let panel = &mut panels[usize::from(attr(&element, "x") >= 200.0)];
            if element.contains("text-anchor=\"end\"") {
                panel.ticks.push((text(&element), attr(&element, "y")));
            } else if element.contains("dy=\"-0.5ex\"") {
                panel.label = text(&element);
            }
        } else if element.starts_with("<rect") && !element.contains("#FFFFFF") {
            let (y, height) = (attr(&element, "y"), attr(&element, "height"));
            panels[usize::from(attr(&element, "x") >= 200.0)].bar = Some((y, y + height));
        }
    }
    panels
}

// Issue 12: 0.0378 huddle hours per member-week was drawn nearly as tall as the chart, on an axis
// whose every label read "0.0", and was itself labelled "0.0".
#[test]
fn a_mode_mix_bar_is_as_tall_as_its_value_on_an_axis_labelled_to_match() {
    let mix = ModeMix {
        member_weeks: 10.0,
        messages_per_member_week: Some(45.3),
        huddle_hours_per_member_week: Some(0.0378),
        decisions: Decisions { in_huddles: 0, in_threads: 0 },
    };
    let svg = svg_mode_mix(&mix);
    assert_is_a_drawn_chart(&svg);
    let [messages, huddles] = drawn_bars(&svg);
    let tick_labels = |bar: &DrawnBar| bar.ticks.iter().map(|(label, _)| label.clone()).collect::<Vec<_>>();
    assert_eq!(tick_labels(&messages), ["0", "20", "40", "60"], "{svg}");
    assert_eq!(tick_labels(&huddles), ["0.00", "0.02", "0.04", "0.06"], "{svg}");
    assert_eq!(messages.label, "45.3");
    assert_eq!(huddles.label, "0.038");
    for (bar, value) in [(&messages, 45.3), (&huddles, 0.0378)] {
        // Where the axis puts 0 and its top, from the labels' own positions.
        let (zero_y, (top, top_y)) =
            (bar.ticks[0].1, bar.ticks.last().map(|(l, y)| (l.parse::<f64>().unwrap(), *y)).unwrap());
        let (bar_top, bar_bottom) = bar.bar.expect("a bar");
        assert!((bar_bottom - zero_y).abs() <= 1.0, "the bar stands on 0: {bar:?}");
        let expected_top = zero_y - (zero_y - top_y) * value / top;
        assert!((bar_top - expected_top).abs() <= 1.0, "{value}: the bar should reach {expected_top}: {bar:?}");
    }
}

#[test]
fn a_value_axis_ends_on_a_round_step_with_room_above_the_value() {
    for (value, step, n_steps) in [(0.0378, 0.02, 3), (45.3, 20.0, 3), (1.0, 0.5, 3), (8.0, 5.0, 2), (0.0, 0.5, 2)] {
        let axis = ValueAxis::holding(value);
        assert!((axis.step - step).abs() < 1e-12 && axis.n_steps == n_steps, "{value}: {axis:?}");
    }
    // Over many magnitudes: the value fits with its label's room, in at most four steps, and
    // plotters puts its labels exactly on the axis' ticks.
    let mut value = 1e-4;
    while value < 1e5 {
        let axis = ValueAxis::holding(value);
        assert!(axis.top() >= value * 1.15 && axis.n_steps <= 4, "{value}: {axis:?}");
        let drawn = plotters::coord::types::RangedCoordf64::from(0.0..axis.top()).key_points(axis.ticks().len());
        let same = drawn.len() == axis.ticks().len()
            && drawn.iter().zip(axis.ticks()).all(|(a, b)| (a - b).abs() < axis.step * 1e-9);
        assert!(same, "{value}: plotters labels {drawn:?}, the axis has {:?}", axis.ticks());
        value *= 1.07;
    }
}

#[test]
fn a_bar_label_keeps_two_significant_digits_and_one_decimal() {
    let labels = [0.0378, 0.5, 4.56, 45.3, 1234.5, 0.0].map(bar_label);
    assert_eq!(labels, ["0.038", "0.50", "4.6", "45.3", "1234.5", "0.0"]);
}
