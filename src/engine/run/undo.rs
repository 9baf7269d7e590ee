//! A rollback undoes what was done, and only that: the `undo` of every main-flow step that
//! completed, last first, before the runbook's rollback section.

use super::Engine;
use crate::engine::condition::StepFact;
use crate::runbook::kinds::command::{CommandStep, ProcessSpec, Program};
use crate::runbook::model::{FailurePolicy, Step, StepAction};

impl Engine {
    /// The undo of every main-flow step that completed and says how to undo itself, last
    /// first: only what was done is undone.
    pub(super) fn undo_steps(&self) -> Vec<Step> {
        let completed = |step: &Step| {
            self.facts
                .get(&step.id.value)
                .is_some_and(StepFact::completed)
        };
        let mut undos: Vec<Step> = self
            .plan
            .runbook
            .steps()
            .map(|(_, step)| step)
            .filter(|step| step.undo.is_some())
            .filter_map(|step| {
                let Some(hosts) = &step.placement.remote else {
                    return completed(step).then(|| undo_of(step));
                };
                // On hosts, the undo runs where the step passed, whatever the step's outcome
                // as a whole: a step that stopped at its third wave is undone on the first two.
                let passed = self.hosts.passed.get(&step.id.value);
                let done: Vec<String> = hosts
                    .iter()
                    .filter(|host| {
                        passed.is_some_and(|p| p.contains(*host))
                            || (step.host() == Some(host.as_str()) && completed(step))
                    })
                    .cloned()
                    .collect();
                if done.is_empty() {
                    return None;
                }
                let mut done = done;
                done.reverse();
                let mut undo = undo_of(step);
                undo.placement.remote = Some(done);
                Some(undo)
            })
            .collect();
        undos.reverse();
        undos
    }
}

/// The step that undoes `step`: its `undo` command line, run where the step ran (the same
/// `cwd` and `env` for a command step), journaled under `<id>:undo` in the rollback.
fn undo_of(step: &Step) -> Step {
    let undo = step.undo.clone().expect("only steps with an undo");
    let (cwd, env) = match &step.action {
        StepAction::Command(command) => (command.process.cwd.clone(), command.process.env.clone()),
        _ => (None, Vec::new()),
    };
    let mut id = step.id.clone();
    id.value = Step::undo_id(&step.id.value);
    let mut serial = step.serial.clone();
    // Undo goes host by host, last host first.
    if let Some(hosts) = &step.placement.remote
        && hosts.len() > 1
    {
        serial = crate::runbook::hosts::Serial::one_at_a_time();
    }
    Step {
        serial,
        id,
        title: format!("Undo: {}", step.title),
        description: String::new(),
        retries: 0,
        on_failure: FailurePolicy::Ask,
        required: false,
        confirm: false,
        dangerous: false,
        // An undo runs in the rollback, which no approval may hold up; the runbook's own
        // rollback steps may require approvals.
        approvals: 0,
        approvers: Vec::new(),
        approval_deadline: None,
        readonly: false,
        expected_duration: None,
        when: None,
        undo: None,
        texts: Vec::new(),
        action: StepAction::Command(CommandStep {
            process: ProcessSpec {
                program: Program::Shell(undo),
                cwd,
                env,
            },
            expect_exit: vec![0],
            capture: Vec::new(),
            poll: None,
        }),
        ..step.clone()
    }
}
