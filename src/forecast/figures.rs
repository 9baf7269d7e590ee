//! Per step, over the trusted past runs of one kind (drills, real runs, dry runs) and target:
//! how long it took (p50, p90, nearest rank, over the attempts that passed), how often it
//! failed or was retried; per run, the window planned against the time taken, and for runs
//! that rolled back, the time from the first failure to the rollback's end.

use std::collections::BTreeMap;

use serde::Serialize;

use super::collect::PastRun;
use crate::protocol::status::{RunStatus, StepStatus};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct Group {
    /// `production`, `drill` or `dry-run`.
    pub mode: String,
    pub target: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct StepFigures {
    pub step: String,
    pub runs: usize,
    pub p50_ms: Option<u64>,
    pub p90_ms: Option<u64>,
    pub failures: usize,
    pub retries: usize,
    /// The durations of the attempts that passed, over every run.
    #[serde(skip)]
    passed_ms: Vec<u64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct GroupFigures {
    #[serde(flatten)]
    pub group: Group,
    pub runs: usize,
    pub passed: usize,
    pub rolled_back: usize,
    /// Planned window (the runbook's `expected_duration`) and each finished run's duration.
    pub planned_ms: Option<u64>,
    pub duration_p50_ms: Option<u64>,
    pub duration_p90_ms: Option<u64>,
    /// From the first failure to the rollback's end, for runs that rolled back (drills).
    pub rollback_p50_ms: Option<u64>,
    pub rollback_p90_ms: Option<u64>,
    pub steps: Vec<StepFigures>,
}

/// Nearest-rank percentile of `values` (sorted here).
pub(crate) fn percentile(values: &[u64], p: f64) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    crate::nearest_rank::nearest_rank(&sorted, p)
}

pub(crate) fn figures(runs: &[PastRun]) -> Vec<GroupFigures> {
    let mut groups: BTreeMap<Group, Vec<&crate::journal::history::model::RunHistory>> =
        BTreeMap::new();
    for history in runs.iter().filter_map(|run| run.history.as_ref()) {
        groups
            .entry(Group {
                mode: history.header.mode.as_str().to_string(),
                target: history.header.target.clone(),
            })
            .or_default()
            .push(history);
    }
    groups
        .into_iter()
        .map(|(group, histories)| {
            let finished: Vec<_> = histories
                .iter()
                .filter_map(|h| h.footer.as_ref().map(|(_, f)| f))
                .collect();
            let durations: Vec<u64> = finished.iter().map(|f| f.duration_ms).collect();
            let rollbacks: Vec<u64> = finished.iter().filter_map(|f| f.recovery_ms).collect();
            let mut steps: Vec<StepFigures> = Vec::new();
            for history in &histories {
                for record in &history.steps {
                    let at = match steps.iter().position(|s| s.step == record.id) {
                        Some(at) => at,
                        None => {
                            steps.push(StepFigures {
                                step: record.id.clone(),
                                ..StepFigures::default()
                            });
                            steps.len() - 1
                        }
                    };
                    let figures = &mut steps[at];
                    if record.attempts.is_empty() {
                        continue;
                    }
                    figures.runs += 1;
                    figures.retries += record.attempts.len() - 1;
                    for (_, result) in record.attempts.iter().filter_map(|a| a.result.as_ref()) {
                        match result.status {
                            StepStatus::Failed => figures.failures += 1,
                            StepStatus::Passed => figures.passed_ms.push(result.duration_ms),
                            _ => {}
                        }
                    }
                }
            }
            for figures in &mut steps {
                figures.p50_ms = percentile(&figures.passed_ms, 50.0);
                figures.p90_ms = percentile(&figures.passed_ms, 90.0);
            }
            GroupFigures {
                runs: histories.len(),
                passed: finished
                    .iter()
                    .filter(|f| f.status == RunStatus::Passed)
                    .count(),
                rolled_back: finished
                    .iter()
                    .filter(|f| f.status == RunStatus::RolledBack)
                    .count(),
                planned_ms: histories.iter().rev().find_map(|h| h.header.expected_ms),
                duration_p50_ms: percentile(&durations, 50.0),
                duration_p90_ms: percentile(&durations, 90.0),
                rollback_p50_ms: percentile(&rollbacks, 50.0),
                rollback_p90_ms: percentile(&rollbacks, 90.0),
                steps,
                group,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<u64> = (1..=10).map(|n| n * 100).collect();
        assert_eq!(percentile(&values, 50.0), Some(500));
        assert_eq!(percentile(&values, 90.0), Some(900));
        assert_eq!(percentile(&[7], 90.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
