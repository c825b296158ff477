//! The report's charts, each a standalone SVG document, drawn with plotters' SVG backend so that
//! the HTML page (and later a web page) can inline them.
//!
//! plotters is built without its `ttf` feature, so it never loads a font and needs none on the
//! machine: it estimates a label's width from its length (its "naive" font) and writes text as
//! SVG `<text font-family="sans-serif">`, which the browser renders with a font of its own.
//! Labels are kept short because that estimate is rough.
//!
//! Every chart is drawn on a fixed canvas and returned with a `viewBox` and `width="100%"`, so it
//! scales to its container. The canvas is small and the labels large on purpose: a phone 360 px
//! wide shows it at about 0.8×, so the 13 px labels still read at about 10 px.

use jiff::SignedDuration;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Escaped;
use crate::mode_mix::ModeMix;
use crate::trend::WeekPoint;

/// The canvas, in SVG user units.
const WIDTH: u32 = 400;
const HEIGHT: u32 = 250;
/// plotters writes text at this size ÷ 1.24: 16 gives 13 px labels.
const LABEL_PX: u32 = 16;

const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
// Okabe–Ito colours: told apart with the common colour-vision deficiencies.
const STRONG_BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);

/// Upper bounds (inclusive) of the response-time histogram's bars, in working time; the last bar
/// has none. The 4 h bound is DESIGN's default norm, so with default norms the bars up to "1–4h"
/// are exactly the responses within norm. A working day is 8 working hours (DESIGN).
const RESPONSE_BUCKETS: [(Option<SignedDuration>, &str); 6] = [
    (Some(SignedDuration::from_mins(15)), "≤15m"),
    (Some(SignedDuration::from_hours(1)), "15m–1h"),
    (Some(SignedDuration::from_hours(4)), "1–4h"),
    (Some(SignedDuration::from_hours(8)), "4h–1d"),
    (Some(SignedDuration::from_hours(24)), "1–3d"),
    (None, ">3d"),
];

/// What a failed drawing returns; with a `String` target it cannot come from IO.
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// A bar chart of `working` response times (exact working durations, e.g. from
/// [`super::response_working_times`]) in the buckets of a working day: 15 min, 1 h, 4 h, 1 d
/// (8 h) and 3 d, each bound inclusive.
pub fn svg_response_times(working: &[SignedDuration]) -> String {
    let counts = bucket_counts(working);
    svg("Responses by working response time", |root| {
        let tallest = counts.iter().copied().max().unwrap_or(0).max(1);
        // Room above the tallest bar for its count.
        let y_max = tallest + tallest.div_ceil(6);
        // plotters' integer ranges include their end.
        let last_bucket = RESPONSE_BUCKETS.len() as u32 - 1;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(44)
            // Room for five-digit counts beside the rotated "responses".
            .y_label_area_size(64)
            .build_cartesian_2d((0..last_bucket).into_segmented(), 0..y_max)?;
        let bucket_label = |value: &SegmentValue<u32>| match value {
            SegmentValue::CenterOf(bucket_idx) | SegmentValue::Exact(bucket_idx) => {
                RESPONSE_BUCKETS.get(*bucket_idx as usize).map_or("", |(_, label)| label).to_owned()
            }
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(INK)
            .x_labels(RESPONSE_BUCKETS.len())
            .x_label_formatter(&bucket_label)
            .y_labels(5)
            .x_desc("working time (1d = 8h)")
            .y_desc("responses")
            .label_style(label_style())
            .axis_desc_style(label_style())
            .draw()?;
        // Bars drawn one by one, in bucket order: plotters' `Histogram` collects them in a
        // `HashMap`, whose order (and so the SVG's bytes) would change from run to run.
        chart.draw_series(counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(bucket_idx, n)| {
            let bucket_idx = bucket_idx as u32;
            let right =
                if bucket_idx == last_bucket { SegmentValue::Last } else { SegmentValue::Exact(bucket_idx + 1) };
            let mut bar = Rectangle::new([(SegmentValue::Exact(bucket_idx), 0), (right, *n)], STRONG_BLUE.filled());
            bar.set_margin(0, 0, 8, 8);
            bar
        }))?;
        let on_top = label_style().pos(Pos::new(HPos::Center, VPos::Bottom));
        chart.draw_series(counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(bucket_idx, n)| {
            Text::new(n.to_string(), (SegmentValue::CenterOf(bucket_idx as u32), *n), on_top.clone())
        }))?;
        Ok(())
    })
}

/// The stall rate and completion rate of each week, as two lines on a 0–100 % scale, with each
/// week labelled by its start date (UTC). A week whose rate is `None` (nothing open, nothing due)
/// leaves a gap rather than a point at 0, which would read as a measurement.
pub fn svg_weekly_trend(trend: &[WeekPoint]) -> String {
    svg("Stall rate and completion rate by week", |root| {
        let (legend_area, plot_area) = root.split_vertically(30);
        draw_legend(&legend_area, &[(VERMILLION, "stall rate"), (STRONG_BLUE, "completion rate")])?;
        let last_week = trend.len().saturating_sub(1) as u32;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(12)
            .margin_top(4)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d((0..last_week).into_segmented(), 0.0..100.0)?;
        let week_label = |value: &SegmentValue<u32>| match value {
            SegmentValue::CenterOf(week_idx) | SegmentValue::Exact(week_idx) => {
                trend.get(*week_idx as usize).map_or_else(String::new, |week| week.from.strftime("%b %-d").to_string())
            }
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(INK)
            .x_labels(6)
            .x_label_formatter(&week_label)
            .y_labels(6)
            .y_label_formatter(&|percent| format!("{percent:.0}%"))
            .label_style(label_style())
            .draw()?;
        let stall = percent_runs(trend.iter().map(|week| week.stall_rate));
        let completion = percent_runs(trend.iter().map(|week| week.completion_rate));
        for (runs, color) in [(stall, VERMILLION), (completion, STRONG_BLUE)] {
            for run in runs {
                chart.draw_series(LineSeries::new(run, color.stroke_width(2)).point_size(3))?;
            }
        }
        Ok(())
    })
}

/// Messages and huddle hours per member-week as two bars, each on its own scale: DESIGN shows
/// them side by side and never summed, and their units differ.
pub fn svg_mode_mix(mode_mix: &ModeMix) -> String {
    svg("Messages and huddle hours per member-week", |root| {
        let panels = root.split_evenly((1, 2));
        draw_bar(&panels[0], "messages / member-week", mode_mix.messages_per_member_week, STRONG_BLUE)?;
        draw_bar(&panels[1], "huddle hours / member-week", mode_mix.huddle_hours_per_member_week, BLUISH_GREEN)
    })
}

/// The weeks' rates as percentages at their week's position, split where a rate is missing.
fn percent_runs(rates: impl Iterator<Item = Option<f64>>) -> Vec<Vec<(SegmentValue<u32>, f64)>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for (week_idx, rate) in rates.enumerate() {
        match rate {
            Some(rate) => run.push((SegmentValue::CenterOf(week_idx as u32), rate * 100.0)),
            None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
            None => {}
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// How many of `working` fall in each of [`RESPONSE_BUCKETS`].
fn bucket_counts(working: &[SignedDuration]) -> [u32; RESPONSE_BUCKETS.len()] {
    let mut counts = [0u32; RESPONSE_BUCKETS.len()];
    for duration in working {
        let bucket_idx = RESPONSE_BUCKETS
            .iter()
            .position(|(up_to, _)| up_to.is_none_or(|up_to| *duration <= up_to))
            .unwrap_or(RESPONSE_BUCKETS.len() - 1);
        counts[bucket_idx] = counts[bucket_idx].saturating_add(1);
    }
    counts
}

/// One bar with its value above it, or "—" on an empty axis when there is no value. The axis
/// runs from 0 to a round number just above the value ([`ValueAxis`]), so the bar's height is
/// its value on a scale whose labels say so, whatever its size (0.04 huddle hours as well as 40
/// messages).
fn draw_bar(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    value: Option<f64>,
    color: RGBColor,
) -> DrawResult {
    let axis = ValueAxis::holding(value.unwrap_or(0.0));
    let mut chart = ChartBuilder::on(area)
        .caption(caption, label_style())
        .margin(12)
        .x_label_area_size(8)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..1.0, 0.0..axis.top())?;
    let decimals = axis.decimals();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(INK)
        .x_labels(0)
        // plotters picks 1–2–5 steps too, so on this range these many labels fall on the ticks.
        .y_labels(axis.ticks().len())
        .y_label_formatter(&|y| format!("{y:.decimals$}"))
        .label_style(label_style())
        .draw()?;
    if let Some(value) = value {
        chart.draw_series([Rectangle::new([(0.3, 0.0), (0.7, value)], color.filled())])?;
    }
    let shown = value.map_or_else(|| "—".to_owned(), bar_label);
    let on_top = label_style().pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series([Text::new(shown, (0.5, value.unwrap_or(0.0)), on_top)])?;
    Ok(())
}

/// A value axis from 0 in `n_steps` equal steps of 1, 2 or 5 × 10ⁿ: round tick labels, and a
/// top close enough to the value that a small value is not drawn as a tall bar on a scale
/// labelled with zeros.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ValueAxis {
    step: f64,
    n_steps: u32,
}

impl ValueAxis {
    /// The axis that holds `value` with at least 15% room above it for the bar's label, in at
    /// most four steps; 0 to 1 when there is no positive value.
    fn holding(value: f64) -> ValueAxis {
        if !(value.is_finite() && value > 0.0) {
            return ValueAxis { step: 0.5, n_steps: 2 };
        }
        let room = value * 1.15;
        let smallest_step = room / 4.0;
        let magnitude = 10f64.powf(smallest_step.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|mantissa| mantissa * magnitude)
            .find(|step| *step >= smallest_step)
            .unwrap_or(10.0 * magnitude);
        ValueAxis { step, n_steps: ((room / step).ceil() as u32).max(1) }
    }

    fn top(&self) -> f64 {
        self.step * f64::from(self.n_steps)
    }

    fn ticks(&self) -> Vec<f64> {
        (0..=self.n_steps).map(|step_idx| self.step * f64::from(step_idx)).collect()
    }

    /// Decimals that show every tick exactly: none for a step of 20, two for 0.02.
    fn decimals(&self) -> usize {
        (-self.step.log10().floor()).max(0.0) as usize
    }
}

/// A bar's value with two significant digits and at least one decimal: "0.038", "0.50", "4.6",
/// "45.3".
fn bar_label(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value:.1}");
    }
    let decimals = (1.0 - value.abs().log10().floor()).max(1.0) as usize;
    format!("{value:.decimals$}")
}

/// A row of colour swatches and names, drawn by hand above the plot so that it never covers a
/// line (plotters' own legend box sits inside the plot).
fn draw_legend(area: &DrawingArea<SVGBackend<'_>, Shift>, entries: &[(RGBColor, &str)]) -> DrawResult {
    let style = label_style().pos(Pos::new(HPos::Left, VPos::Center));
    let (width, height) = area.dim_in_pixel();
    let y = height as i32 / 2;
    let slot = width as i32 / entries.len().max(1) as i32;
    for (entry_idx, (color, name)) in entries.iter().enumerate() {
        let x = 60 + entry_idx as i32 * slot;
        area.draw(&PathElement::new([(x, y), (x + 18, y)], color.stroke_width(3)))?;
        area.draw(&Text::new(*name, (x + 24, y), style.clone()))?;
    }
    Ok(())
}

fn label_style() -> TextStyle<'static> {
    TextStyle::from(("sans-serif", LABEL_PX).into_font()).color(&INK)
}

/// Runs `draw` on a white canvas and returns the SVG with a `viewBox`, `width="100%"` and a
/// `<title>` (what screen readers announce), in place of plotters' fixed-size opening tag.
fn svg(title: &str, draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult) -> String {
    let mut plotted = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut plotted, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).and_then(|()| draw(&root)).and_then(|()| root.present())
    };
    let title = Escaped(title);
    let open = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" role=\"img\" \
         aria-label=\"{title}\"><title>{title}</title>\n"
    );
    // plotters opens with `<svg width=.. height=.. viewBox=.. xmlns=..>`; its attribute values are
    // escaped, so the first `>` closes that tag. Everything after it, up to `</svg>`, is the drawing.
    match (drawn, plotted.split_once('>')) {
        (Ok(()), Some((_, drawing))) => format!("{open}{}", drawing.trim_start()),
        // Unreachable with a `String` target and these fixed sizes; a page with one blank chart
        // still beats no page.
        _ => format!("{open}<text x=\"50%\" y=\"50%\" text-anchor=\"middle\">chart unavailable</text></svg>"),
    }
}

#[cfg(test)]
mod tests;
