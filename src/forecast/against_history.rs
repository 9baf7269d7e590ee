//! One run against the earlier runs of its runbook, of the same kind and target, under the same
//! log dir: the steps that took far longer than they usually do, and — a drill that rolled
//! back — its time to roll back against the earlier drills'. For the report: a team reads where
//! the rehearsal was slow before the window, not after it.

use std::path::Path;

use serde::Serialize;

use super::collect::past_runs;
use super::figures::{GroupFigures, figures};
use crate::journal::history::model::RunHistory;
use crate::protocol::status::StepStatus;

/// Earlier runs a step needs before its own figures mean anything.
const ENOUGH_RUNS: usize = 3;

#[derive(Debug, Serialize)]
pub(crate) struct AgainstHistory {
    /// Trusted earlier runs of the same kind and target.
    pub earlier_runs: usize,
    /// Steps past their p90 and at least half again their p50.
    pub slower: Vec<SlowerStep>,
    /// A drill that rolled back: from the first failure to the rollback's end, against earlier.
    pub rollback: Option<RollbackAgainst>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SlowerStep {
    pub step: String,
    pub took_ms: u64,
    pub p50_ms: u64,
    pub p90_ms: u64,
    /// Earlier runs that ran it.
    pub runs: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct RollbackAgainst {
    pub took_ms: u64,
    pub earlier_p50_ms: Option<u64>,
    pub earlier_p90_ms: Option<u64>,
    pub earlier_rollbacks: usize,
}

/// `None` when the run folder is not under a log dir with earlier runs of the same group.
pub(crate) fn against_history(history: &RunHistory, run_dir: &Path) -> Option<AgainstHistory> {
    let log_dir = run_dir.parent()?.parent()?;
    // Earlier by their headers' times (milliseconds: two runs of one second are ordered too).
    let started = history.started();
    let earlier: Vec<_> = past_runs(log_dir, &history.header.runbook.name)
        .into_iter()
        .filter(|run| run.history.as_ref().is_some_and(|h| h.started() < started))
        .collect();
    let mode = history.header.mode.as_str();
    let group: GroupFigures = figures(&earlier)
        .into_iter()
        .find(|g| g.group.mode == mode && g.group.target == history.header.target)?;
    let slower = history
        .steps
        .iter()
        .filter_map(|record| {
            let took = record
                .attempts
                .iter()
                .rev()
                .filter_map(|a| a.result.as_ref())
                .find(|(_, r)| r.status == StepStatus::Passed)
                .map(|(_, r)| r.duration_ms)?;
            let figures = group.steps.iter().find(|s| s.step == record.id)?;
            let (p50, p90) = (figures.p50_ms?, figures.p90_ms?);
            (figures.runs >= ENOUGH_RUNS && took > p90 && took * 2 >= p50 * 3).then(|| SlowerStep {
                step: record.id.clone(),
                took_ms: took,
                p50_ms: p50,
                p90_ms: p90,
                runs: figures.runs,
            })
        })
        .collect();
    let rollback = history
        .footer
        .as_ref()
        .and_then(|(_, footer)| footer.recovery_ms)
        .map(|took| RollbackAgainst {
            took_ms: took,
            earlier_p50_ms: group.rollback_p50_ms,
            earlier_p90_ms: group.rollback_p90_ms,
            earlier_rollbacks: group.rolled_back,
        });
    Some(AgainstHistory {
        earlier_runs: group.runs,
        slower,
        rollback,
    })
}
