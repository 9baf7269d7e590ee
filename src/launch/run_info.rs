//! What a screen knows of a run before the engine says anything — its title, mode, operator
//! and steps — for the TUI of the terminal that starts it and for clients attaching later.

use crate::keys::operator::OperatorKey;
use crate::protocol::mode::Mode;
use crate::protocol::run_info::{RunInfo, StepInfo};
use crate::runbook::model::{Runbook, Step};
use crate::tui::runbook_text::for_terminal;

/// The operator's key as the header shows it: fingerprint and where it came from.
pub(crate) fn key_shown(operator: &OperatorKey) -> String {
    format!("{} ({})", operator.fingerprint(), operator.source)
}

pub(crate) fn run_info(
    runbook: &Runbook,
    mode: Mode,
    principal: &str,
    key_fingerprint: &str,
    run_dir: String,
) -> RunInfo {
    let step = |phase: &str, step: &Step, rollback: bool| StepInfo {
        id: step.id.value.clone(),
        title: for_terminal(&step.title),
        phase: for_terminal(phase),
        kind: step.kind(),
        description: step.description.clone(),
        rollback,
        estimate_ms: step.expected_duration.map(|d| d.as_millis() as u64),
    };
    let mut steps: Vec<StepInfo> = runbook
        .steps()
        .map(|(phase, s)| step(&phase.title, s, false))
        .collect();
    steps.extend(runbook.rollback.iter().map(|s| step("rollback", s, true)));
    RunInfo {
        title: for_terminal(&runbook.title),
        runbook: runbook.name.value.clone(),
        description: runbook.description.clone(),
        environment: runbook.environment.clone(),
        mode,
        operator: principal.to_string(),
        key_fingerprint: key_fingerprint.to_string(),
        run_dir,
        expected: runbook.expected_duration,
        rollback_ms: runbook
            .rollback
            .iter()
            .map(|s| s.expected_duration.map(|d| d.as_millis() as u64))
            .sum::<Option<u64>>()
            .filter(|_| !runbook.rollback.is_empty()),
        estimates_from: steps
            .iter()
            .any(|s| s.estimate_ms.is_some())
            .then(|| "the runbook's expected durations".to_string()),
        steps,
    }
}

/// The steps' estimates and the rollback's from earlier runs of the same kind and target under
/// `log_dir`, where there are any: a step's p50, the rollback's p90 over drills that rolled back.
/// How many of the latest runs a run's start reads for its forecast: recent enough to be what
/// the team does now, few enough that the start stays quick however long the history.
const FORECAST_RUNS: usize = 50;

pub(crate) fn learn_from_history(
    info: &mut RunInfo,
    log_dir: &std::path::Path,
    mode: Mode,
    target: Option<&str>,
) {
    // A drill run at another time scale says nothing of how long a step takes for real.
    let past: Vec<_> = crate::forecast::collect::latest_runs(log_dir, &info.runbook, FORECAST_RUNS)
        .into_iter()
        .filter(|run| {
            run.history
                .as_ref()
                .is_none_or(|history| history.header.time_scale.is_none_or(|scale| scale == 1.0))
        })
        .collect();
    let Some(group) = crate::forecast::figures::figures(&past)
        .into_iter()
        .find(|g| g.group.mode == mode.as_str() && g.group.target.as_deref() == target)
    else {
        return;
    };
    for step in &mut info.steps {
        if let Some(p50) = group
            .steps
            .iter()
            .find(|s| s.step == step.id)
            .and_then(|s| s.p50_ms)
        {
            step.estimate_ms = Some(p50);
        }
    }
    if let Some(p90) = group.rollback_p90_ms {
        info.rollback_ms = Some(p90);
    }
    let kind = match (mode, group.runs) {
        (Mode::Drill, 1) => "drill",
        (Mode::Drill, _) => "drills",
        (Mode::Production, 1) => "release",
        (Mode::Production, _) => "releases",
        (Mode::DryRun, 1) => "dry run",
        (Mode::DryRun, _) => "dry runs",
    };
    let of_target = target
        .map(|target| format!(" of target {target}"))
        .unwrap_or_default();
    info.estimates_from = Some(format!("p50 of {} earlier {kind}{of_target}", group.runs));
}
