//! Answers the engine's prompts without a terminal, from the command line: automated steps go
//! ahead, a manual or dangerous step needs its `--confirm STEP[=NOTE]`, a failure follows
//! `--on-failure`. A prompt nobody answered in advance suspends the run (exit 3).

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::request::{Answers, FailureAnswer};
use crate::engine::control::Control;
use crate::engine::controller::Controller;
use crate::engine::events::{Event, Prompt};
use crate::protocol::decision::{ConfirmVia, PolicyAction};
use crate::runbook::kinds::manual::NotesPolicy;

pub struct HeadlessAnswers {
    /// Step id → the note given with `--confirm`.
    pub confirms: HashMap<String, Option<String>>,
    pub on_failure: FailureAnswer,
    /// Step id → what did not work, from `--fail STEP=NOTE`.
    pub fails: HashMap<String, String>,
    /// Variable → value, from `--input NAME=VALUE`.
    pub inputs: HashMap<String, String>,
    /// Step id → option, from `--decide STEP=OPTION`.
    pub decides: HashMap<String, String>,
}

impl HeadlessAnswers {
    /// From `--confirm STEP[=NOTE]` (repeatable) and `--on-failure`.
    pub fn new(answers: &Answers) -> Self {
        Self {
            confirms: answers.confirms.iter().cloned().collect(),
            on_failure: answers.on_failure,
            fails: answers.fails.iter().cloned().collect(),
            inputs: answers.inputs.iter().cloned().collect(),
            decides: answers.decides.iter().cloned().collect(),
        }
    }

    /// The events [`Self::serve`] acts on: the engine's prompts.
    pub fn wants(event: &Event) -> bool {
        matches!(event, Event::Waiting(_))
    }

    pub fn answer(&self, prompt: &Prompt) -> Option<Control> {
        Some(match prompt {
            Prompt::Run { .. } => Control::Proceed,
            Prompt::Input {
                step,
                variable,
                deadline_s,
                ..
            } => match self.inputs.get(variable) {
                Some(value) => Control::Input {
                    value: value.clone(),
                    via: ConfirmVia::CommandLine,
                },
                // The deadline will take the default (or fail the step): nothing to say.
                None if deadline_s.is_some() => return None,
                None => Control::Suspend {
                    reason: format!("step `{step}` needs an answer: --input {variable}=VALUE"),
                },
            },
            Prompt::Phrase { step, phrase, .. } => match self.confirms.get(step) {
                Some(note) => Control::Phrase {
                    text: phrase.clone(),
                    note: note.clone(),
                    via: ConfirmVia::CommandLine,
                },
                None => suspend(step, "is dangerous"),
            },
            Prompt::Manual {
                step,
                can_fail: true,
                ..
            } if self.fails.contains_key(step) => Control::NotDone {
                note: self.fails[step].clone(),
                via: ConfirmVia::CommandLine,
            },
            Prompt::Manual {
                step,
                checklist,
                notes,
                deadline_s,
                on_deadline,
                ..
            } => match self.confirms.get(step) {
                Some(note)
                    if *notes == NotesPolicy::Required
                        && note.as_deref().is_none_or(|n| n.trim().is_empty()) =>
                {
                    Control::Suspend {
                        reason: format!("step `{step}` needs a note: --confirm {step}=NOTE"),
                    }
                }
                Some(note) => Control::Confirm {
                    checklist: checklist.clone(),
                    note: note.clone(),
                    via: ConfirmVia::CommandLine,
                },
                // The deadline will do what the runbook says: the run waits for it.
                None if deadline_s.is_some() && on_deadline.is_some() => return None,
                None => suspend(step, "is manual"),
            },
            // Headless, nobody chooses: the command line's policy does, and is journaled as a
            // policy, never as a person's choice. A failing rollback step aborts.
            Prompt::Failure { step, message, .. } if self.on_failure == FailureAnswer::Suspend => {
                Control::Suspend {
                    reason: format!(
                        "step `{step}` failed ({message}); decide with `cutover resume RUN` and --rerun {step}, --skip {step}=REASON, --mark-done {step}=EVIDENCE or --rollback"
                    ),
                }
            }
            Prompt::Failure {
                in_rollback: true, ..
            } => Control::Policy {
                action: PolicyAction::Abort,
            },
            Prompt::Failure { .. } => Control::Policy {
                action: match self.on_failure {
                    FailureAnswer::Rollback => PolicyAction::Rollback,
                    FailureAnswer::Abort | FailureAnswer::Suspend => PolicyAction::Abort,
                },
            },
            Prompt::Wait { .. } => return None,
            // Approvals come from other people, through `cutover approve`: the run waits for
            // them (or for the step's deadline).
            Prompt::Approvals { .. } => return None,
            Prompt::Decision {
                step, deadline_s, ..
            } => match self.decides.get(step) {
                Some(option) => Control::Choose {
                    option: option.clone(),
                    via: ConfirmVia::CommandLine,
                },
                // The deadline will take the default: the run waits for it.
                None if deadline_s.is_some() => return None,
                None => Control::Suspend {
                    reason: format!("step `{step}` needs a decision: --decide {step}=OPTION"),
                },
            },
        })
    }

    /// Reads events, answers prompts, until the run ends.
    pub async fn serve(self, mut events: mpsc::UnboundedReceiver<Event>, controller: Controller) {
        while let Some(event) = events.recv().await {
            if let Event::Waiting(prompt) = &event
                && let Some(control) = self.answer(prompt)
                && !controller.send(control)
            {
                return;
            }
        }
    }
}

fn suspend(step: &str, why: &str) -> Control {
    Control::Suspend {
        reason: format!("step `{step}` {why}: continue with `cutover resume RUN --confirm {step}`"),
    }
}
