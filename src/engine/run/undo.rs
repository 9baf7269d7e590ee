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
            .filter(|step| step.undo.is_some() && completed(step))
            .map(undo_of)
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
    Step {
        id,
        title: format!("Undo: {}", step.title),
        description: String::new(),
        retries: 0,
        on_failure: FailurePolicy::Ask,
        required: false,
        confirm: false,
        dangerous: false,
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
