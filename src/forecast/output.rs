//! What `cutover history` prints: for people, a block per kind of run and target with a line
//! per step; for tools, one JSON document.

use std::fmt::Write as _;

use serde::Serialize;

use super::collect::PastRun;
use super::figures::GroupFigures;
use crate::runbook::duration::human_ms;

#[derive(Serialize)]
struct ListedRun<'a> {
    run_dir: String,
    /// `VALID`, `INCOMPLETE`, `TAMPERED`, or null when the journal could not be read.
    verdict: Option<&'a str>,
    /// Whether the run counts in the figures (not TAMPERED, readable).
    counted: bool,
}

pub(crate) fn history_json(runbook: &str, runs: &[PastRun], groups: &[GroupFigures]) -> String {
    let listed: Vec<ListedRun> = runs
        .iter()
        .map(|run| ListedRun {
            run_dir: run.run_dir.display().to_string(),
            verdict: run.verdict.map(|v| v.word()),
            counted: run.history.is_some(),
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "runbook": runbook,
        "runs": listed,
        "groups": groups,
    }))
    .expect("the history always serializes");
    text.push('\n');
    text
}

fn ms(value: Option<u64>) -> String {
    value.map_or_else(|| "—".to_string(), human_ms)
}

pub(crate) fn history_text(runbook: &str, runs: &[PastRun], groups: &[GroupFigures]) -> String {
    let mut out = String::new();
    if runs.is_empty() {
        let _ = writeln!(out, "no run of `{runbook}` under this log dir");
        return out;
    }
    let left_out: Vec<&PastRun> = runs.iter().filter(|r| r.history.is_none()).collect();
    let _ = writeln!(
        out,
        "{} runs of `{runbook}`{}",
        runs.len(),
        if left_out.is_empty() {
            String::new()
        } else {
            format!(", {} left out of the figures:", left_out.len())
        }
    );
    for run in left_out {
        let _ = writeln!(
            out,
            "    {} {}",
            run.verdict.map_or("unreadable", |v| v.word()),
            run.run_dir.display()
        );
    }
    for group in groups {
        let target = group
            .group
            .target
            .as_deref()
            .map_or_else(String::new, |t| format!(", target {t}"));
        let _ = writeln!(
            out,
            "\n{}{target}: {} runs ({} passed, {} rolled back); window planned {}, took p50 {} / p90 {}{}",
            group.group.mode,
            group.runs,
            group.passed,
            group.rolled_back,
            ms(group.planned_ms),
            ms(group.duration_p50_ms),
            ms(group.duration_p90_ms),
            if group.rollback_p50_ms.is_some() {
                format!(
                    "; to rollback complete p50 {} / p90 {}",
                    ms(group.rollback_p50_ms),
                    ms(group.rollback_p90_ms)
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            out,
            "  {:<28} {:>5} {:>9} {:>9} {:>8} {:>7}",
            "step", "runs", "p50", "p90", "failures", "retries"
        );
        for step in &group.steps {
            let _ = writeln!(
                out,
                "  {:<28} {:>5} {:>9} {:>9} {:>8} {:>7}",
                step.step,
                step.runs,
                ms(step.p50_ms),
                ms(step.p90_ms),
                step.failures,
                step.retries
            );
        }
    }
    out
}
