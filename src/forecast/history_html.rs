//! `cutover history RUNBOOK --format html`: one self-contained page with, per kind of run and
//! target, each step's durations across runs as a row of bars (oldest on the left, a failed
//! attempt in red) against the step's p50 and p90, so a step that is getting slower, or only
//! sometimes fails, shows at a glance. Inline SVG and the report's stylesheet, built with maud:
//! every name is escaped, nothing is fetched, no script runs.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::collect::PastRun;
use super::figures::{GroupFigures, StepFigures};
use crate::journal::history::model::RunHistory;
use crate::protocol::status::StepStatus;
use crate::runbook::duration::human_ms;

const STYLESHEET: &str = include_str!("../../assets/report.css");
const LABELS: f64 = 240.0;
const BAR: f64 = 9.0;
const ROW: f64 = 34.0;
const FIGURES: f64 = 170.0;

/// One run's attempt at a step, as a bar.
struct Sample {
    duration_ms: u64,
    failed: bool,
}

pub(crate) fn history_html(runbook: &str, runs: &[PastRun], groups: &[GroupFigures]) -> String {
    let left_out = runs.iter().filter(|r| r.history.is_none()).count();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "History of " (runbook) }
                style { (PreEscaped(STYLESHEET)) }
            }
            body {
                main {
                    h1 { "History of " code { (runbook) } }
                    p {
                        (runs.len()) " runs under this log dir"
                        @if left_out > 0 { ", " (left_out) " left out of the figures (TAMPERED or unreadable)" }
                        ". Each bar is one run, oldest on the left; red: the step failed in that run."
                    }
                    @if groups.is_empty() { p { "No run counts in the figures yet." } }
                    @for group in groups {
                        (group_section(group, runs))
                    }
                }
            }
        }
    };
    page.into_string()
}

fn group_section(group: &GroupFigures, runs: &[PastRun]) -> Markup {
    let histories: Vec<&RunHistory> = runs
        .iter()
        .filter_map(|run| run.history.as_ref())
        .filter(|h| {
            h.header.mode.as_str() == group.group.mode && h.header.target == group.group.target
        })
        .collect();
    let kind = match &group.group.target {
        Some(target) => format!("{} runs, target {target}", group.group.mode),
        None => format!("{} runs", group.group.mode),
    };
    html! {
        h2 { (kind) }
        p {
            (group.runs) " runs: " (group.passed) " passed, " (group.rolled_back) " rolled back; took p50 "
            (ms(group.duration_p50_ms)) ", p90 " (ms(group.duration_p90_ms))
            @if let Some(planned) = group.planned_ms { " (planned " (human_ms(planned)) ")" }
            @if let Some(p90) = group.rollback_p90_ms { "; rollback complete within " (human_ms(p90)) " at p90" }
            "."
        }
        (durations_svg(&group.steps, &histories))
    }
}

fn durations_svg(steps: &[StepFigures], histories: &[&RunHistory]) -> Markup {
    let width = LABELS + BAR * histories.len().max(1) as f64 + FIGURES;
    let height = ROW * steps.len() as f64 + 8.0;
    html! {
        svg class="durations" xmlns="http://www.w3.org/2000/svg" role="img"
            viewBox={ "0 0 " (width) " " (height) } width=(width) height=(height) {
            title { "Each step's duration in each run" }
            @for (row, step) in steps.iter().enumerate() {
                @let top = ROW * row as f64 + 4.0;
                @let samples = samples_of(&step.step, histories);
                @let most = samples.iter().flatten().map(|s| s.duration_ms).max().unwrap_or(0).max(1);
                @let scale = (ROW - 10.0) / most as f64;
                @let base = top + ROW - 8.0;
                rect class={ "band band-" (row % 2) } x="0" y=(top - 2.0) width=(width) height=(ROW) {}
                text class="label" x=(LABELS - 8.0) y=(top + ROW / 2.0) text-anchor="end" { (step.step) }
                @for (index, sample) in samples.iter().enumerate() {
                    @if let Some(sample) = sample {
                        @let h = (sample.duration_ms as f64 * scale).max(1.5);
                        rect class={ "bar " (if sample.failed { "failed" } else { "passed" }) }
                            x=(LABELS + BAR * index as f64) y=(base - h) width=(BAR - 2.0) height=(h) {
                            title { (step.step) ": " (human_ms(sample.duration_ms)) @if sample.failed { ", failed" } }
                        }
                    }
                }
                @for (class, value) in [("p50", step.p50_ms), ("p90", step.p90_ms)] {
                    @if let Some(value) = value {
                        @let y = base - value as f64 * scale;
                        line class={ "percentile " (class) } x1=(LABELS) y1=(y)
                            x2=(LABELS + BAR * histories.len() as f64) y2=(y) {}
                    }
                }
                text class="figures" x=(width - FIGURES + 8.0) y=(top + ROW / 2.0) {
                    "p50 " (ms(step.p50_ms)) " · p90 " (ms(step.p90_ms))
                    @if step.failures > 0 { " · " (step.failures) " failed" }
                }
            }
        }
    }
}

/// The step's last attempt in each run, in run order; `None` where the run never started it.
fn samples_of(step: &str, histories: &[&RunHistory]) -> Vec<Option<Sample>> {
    histories
        .iter()
        .map(|history| {
            let record = history.steps.iter().find(|s| s.id == step)?;
            let failed = record
                .attempts
                .iter()
                .filter_map(|a| a.result.as_ref())
                .any(|(_, r)| r.status == StepStatus::Failed);
            let (_, result) = record.attempts.last()?.result.as_ref()?;
            Some(Sample {
                duration_ms: result.duration_ms,
                failed,
            })
        })
        .collect()
}

fn ms(value: Option<u64>) -> String {
    value.map_or_else(|| "—".to_string(), human_ms)
}
