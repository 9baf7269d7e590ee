//! What a screen knows of a run before the engine says anything — its title, mode, operator
//! and steps — for the TUI of the terminal that starts it and for clients attaching later.

use crate::engine::events::Mode;
use crate::journal::keys::operator::OperatorKey;
use crate::runbook::model::{Runbook, Step};
use crate::tui::runbook_text::for_terminal;
use crate::tui::state::{RunInfo, StepInfo};

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
        steps,
    }
}
