//! The run's timeline as a picture, for the HTML report: phases as bands and steps as bars on
//! one time axis, each step's plan (its `expected_duration`) drawn beside what it took,
//! failures in red with a mark, and the rollback's start as a line across. Inline SVG built
//! with maud, so every label is escaped and the page stays one file with no script.

use maud::{Markup, html};

use super::build::{Report, StepPart};
use crate::runbook::duration::human_ms;

/// Width of the picture, and of the column of step names on its left.
const WIDTH: f64 = 960.0;
const LABELS: f64 = 260.0;
const ROW: f64 = 18.0;
const TOP: f64 = 26.0;

/// One step placed on the axis.
struct Bar<'a> {
    step: &'a StepPart,
    start_ms: u64,
    took_ms: u64,
}

/// The picture, or nothing when no step has a start and a duration to place.
pub(crate) fn timeline(report: &Report) -> Option<Markup> {
    let origin = parse(&report.run.started)?;
    let bars: Vec<Bar> = report
        .steps
        .iter()
        .filter_map(|step| {
            let start = parse(step.started.as_deref()?)?;
            Some(Bar {
                step,
                start_ms: u64::try_from(start.duration_since(origin).as_millis()).unwrap_or(0),
                took_ms: step.duration_ms.unwrap_or(0),
            })
        })
        .collect();
    if bars.is_empty() {
        return None;
    }
    // The axis ends at whatever ends last: a step, or a step's plan.
    let end_ms = bars
        .iter()
        .map(|bar| bar.start_ms + bar.took_ms.max(bar.step.expected_ms.unwrap_or(0)))
        .chain(report.run.duration_ms)
        .max()
        .unwrap_or(1)
        .max(1);
    let scale = (WIDTH - LABELS - 20.0) / end_ms as f64;
    let x = |ms: u64| LABELS + ms as f64 * scale;
    let height = TOP + ROW * bars.len() as f64 + 30.0;
    let phases = phase_bands(&bars);
    let rollback_at = bars
        .iter()
        .filter(|bar| bar.step.rollback)
        .map(|bar| bar.start_ms)
        .min();
    Some(html! {
        svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img"
            viewBox={ "0 0 " (WIDTH) " " (height) } width=(WIDTH) height=(height) {
            title { "Timeline of the run: each step's bar against its plan" }
            @for (index, (name, first, last)) in phases.iter().enumerate() {
                rect class={ "band band-" (index % 2) }
                    x=(LABELS) y=(TOP + ROW * *first as f64 - 2.0)
                    width=(WIDTH - LABELS - 10.0) height=(ROW * (last - first + 1) as f64) {}
                text class="phase" x="4" y=(TOP + ROW * *first as f64 + 11.0) { (name) }
            }
            @for tick in ticks(end_ms) {
                line class="tick" x1=(x(tick)) x2=(x(tick)) y1=(TOP - 6.0)
                    y2=(TOP + ROW * bars.len() as f64) {}
                text class="axis" x=(x(tick)) y=(TOP - 10.0) text-anchor="middle" { (human_ms(tick)) }
            }
            @for (row, bar) in bars.iter().enumerate() {
                @let y = TOP + ROW * row as f64;
                text class="label" x=(LABELS - 8.0) y=(y + 11.0) text-anchor="end" { (bar.step.id) }
                @if let Some(planned) = bar.step.expected_ms {
                    rect class="planned" x=(x(bar.start_ms)) y=(y + 1.0)
                        width=((planned as f64 * scale).max(1.0)) height=(ROW - 6.0) {
                        title { (bar.step.id) " planned " (human_ms(planned)) }
                    }
                }
                rect class={ "bar " (bar_class(bar.step)) } x=(x(bar.start_ms)) y=(y + 3.0)
                    width=((bar.took_ms as f64 * scale).max(2.0)) height=(ROW - 10.0) {
                    title { (bar.step.id) ": " (bar.step.status) " in " (human_ms(bar.took_ms)) }
                }
                @if bar_class(bar.step) == "failed" {
                    text class="mark" x=(x(bar.start_ms + bar.took_ms) + 4.0) y=(y + 12.0) { "✕" }
                }
            }
            @if let Some(at) = rollback_at {
                line class="rollback" x1=(x(at)) x2=(x(at)) y1=(TOP - 4.0)
                    y2=(TOP + ROW * bars.len() as f64 + 4.0) {}
                // Its words on the side of the line with room for them.
                @let (anchor, by) = if x(at) > WIDTH / 2.0 { ("end", -4.0) } else { ("start", 4.0) };
                text class="rollback-label" x=(x(at) + by) y=(TOP + ROW * bars.len() as f64 + 16.0)
                    text-anchor=(anchor) {
                    "rollback from " (human_ms(at))
                }
            }
            text class="legend" x=(LABELS) y=(height - 4.0) {
                "bars: what each step took · outlines: its plan · ✕ failed"
            }
        }
    })
}

fn parse(ts: &str) -> Option<jiff::Timestamp> {
    ts.parse().ok()
}

/// `passed`, `failed`, `rollback` or `other`: the colour of a step's bar.
fn bar_class(step: &StepPart) -> &'static str {
    if step.status.starts_with("failed") {
        "failed"
    } else if step.rollback {
        "rollback"
    } else if step.passed {
        "passed"
    } else {
        "other"
    }
}

/// Each phase's name and its first and last row, in the order of the bars.
fn phase_bands<'a>(bars: &[Bar<'a>]) -> Vec<(&'a str, usize, usize)> {
    let mut bands: Vec<(&str, usize, usize)> = Vec::new();
    for (row, bar) in bars.iter().enumerate() {
        let name = bar.step.phase.as_deref().unwrap_or("rollback");
        match bands.last_mut() {
            Some(band) if band.0 == name => band.2 = row,
            _ => bands.push((name, row, row)),
        }
    }
    bands
}

/// Four or five round moments along an axis of `end_ms`.
fn ticks(end_ms: u64) -> Vec<u64> {
    const STEPS: [u64; 14] = [
        100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
        1_800_000, 3_600_000,
    ];
    let step = STEPS
        .iter()
        .copied()
        .find(|step| end_ms / step <= 5)
        .unwrap_or(end_ms.div_ceil(5).max(1));
    (0..=end_ms / step).map(|k| k * step).collect()
}

#[cfg(test)]
mod tests {
    use super::ticks;

    #[test]
    fn the_axis_has_a_few_round_moments() {
        assert_eq!(ticks(4_200), [0, 1_000, 2_000, 3_000, 4_000]);
        assert_eq!(
            ticks(2_700_000),
            [0, 600_000, 1_200_000, 1_800_000, 2_400_000]
        );
        assert_eq!(ticks(50), [0]);
    }
}
