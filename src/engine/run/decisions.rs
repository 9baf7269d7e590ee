//! What happens around a step's attempts: the operator's go before an automated step (Enter,
//! or the typed phrase of a dangerous one), and the decision after a failure (the runbook's
//! policy, or the operator's choice).

use super::{AfterFailure, Engine, Flow, asks_before_it_runs};
use crate::engine::control::Control;
use crate::engine::error::EngineError;
use crate::engine::events::{Event, Prompt};
use crate::engine::run::course::Course;
use crate::protocol::decision::{Decision, PolicyAction, PolicySource};
use crate::runbook::model::{FailurePolicy, Step};

impl Engine {
    /// The runbook's own decision on a failed step (its `on_failure`, or its `max_fail`).
    pub(super) async fn runbook_decides(
        &mut self,
        step: &Step,
        action: PolicyAction,
    ) -> Result<(), EngineError> {
        self.decide(
            step,
            Decision::Policy {
                action,
                from: PolicySource::Runbook,
            },
        )
        .await
    }

    /// Before an automated step: Enter (unless `--auto`), or the typed phrase for a dangerous
    /// step. Returns the flow when the operator did not say go.
    pub(super) async fn confirm_before(
        &mut self,
        step: &Step,
        action: &str,
    ) -> Result<Option<Flow>, EngineError> {
        if !asks_before_it_runs(step) {
            return Ok(None);
        }
        // "Type the instance's name to delete it": the phrase is filled in now.
        let phrase = if step.dangerous {
            self.filled(&step.confirm_phrase)
        } else {
            String::new()
        };
        let prompt = if step.dangerous {
            Prompt::Phrase {
                step: step.id.value.clone(),
                phrase: phrase.clone(),
                command: action.into(),
            }
        } else if !self.plan.auto || step.confirm {
            Prompt::Run {
                step: step.id.value.clone(),
                command: action.into(),
            }
        } else {
            return Ok(None);
        };
        loop {
            self.emitter.emit(Event::Waiting(prompt.clone())).await?;
            match crate::engine::control::next_answer(
                &mut self.controls,
                &mut self.emitter,
                &step.id.value,
            )
            .await?
            {
                Some(Control::Proceed) if !step.dangerous => return Ok(None),
                Some(Control::Phrase { text, note, via }) if step.dangerous && text == phrase => {
                    // The phrase is what was confirmed; `via` says whether a person typed it
                    // or `--confirm` gave it in advance.
                    self.emitter
                        .emit(Event::Confirmed {
                            step: step.id.value.clone(),
                            note: note.filter(|n| !n.trim().is_empty()),
                            checklist: vec![text],
                            via,
                        })
                        .await?;
                    return Ok(None);
                }
                Some(Control::Abort) => {
                    self.decide(step, Decision::Abort).await?;
                    return Ok(Some(Flow::Abort));
                }
                Some(Control::Suspend { reason }) => return Ok(Some(Flow::Suspend(reason))),
                Some(_) => continue,
                None => {
                    return Ok(Some(Flow::Suspend(format!(
                        "step `{}` needs an operator",
                        step.id.value
                    ))));
                }
            }
        }
    }

    pub(super) async fn after_failure(
        &mut self,
        step: &Step,
        policy: FailurePolicy,
        message: &str,
        course: Course,
    ) -> Result<AfterFailure, EngineError> {
        let decided = match policy {
            FailurePolicy::Continue => Some((PolicyAction::Continue, Flow::Next)),
            FailurePolicy::Abort => Some((PolicyAction::Abort, Flow::Abort)),
            FailurePolicy::Rollback if !course.is_rollback() => {
                Some((PolicyAction::Rollback, Flow::Rollback))
            }
            FailurePolicy::Rollback | FailurePolicy::Ask => None,
        };
        if let Some((action, flow)) = decided {
            self.runbook_decides(step, action).await?;
            return Ok(AfterFailure::Flow(flow));
        }
        let prompt = Prompt::Failure {
            step: step.id.value.clone(),
            message: self.scrubber.scrub_text(message),
            can_skip: !step.required,
            in_rollback: course.is_rollback(),
        };
        loop {
            self.emitter.emit(Event::Waiting(prompt.clone())).await?;
            let decision = match crate::engine::control::next_answer(
                &mut self.controls,
                &mut self.emitter,
                &step.id.value,
            )
            .await?
            {
                Some(Control::Retry) => Decision::Retry,
                Some(Control::Skip { reason }) if !step.required && !reason.trim().is_empty() => {
                    Decision::Skip { reason }
                }
                Some(Control::MarkDone { evidence })
                    if !course.is_rollback() && !evidence.trim().is_empty() =>
                {
                    Decision::MarkDone { evidence }
                }
                Some(Control::Rollback) if !course.is_rollback() => Decision::Rollback,
                Some(Control::Policy { action }) => Decision::Policy {
                    action: match action {
                        PolicyAction::Rollback if !course.is_rollback() => PolicyAction::Rollback,
                        PolicyAction::Continue if !step.required => PolicyAction::Continue,
                        _ => PolicyAction::Abort,
                    },
                    from: PolicySource::CommandLine,
                },
                Some(Control::Abort) | None => Decision::Abort,
                Some(Control::Suspend { reason }) => {
                    return Ok(AfterFailure::Flow(Flow::Suspend(reason)));
                }
                Some(_) => continue,
            };
            let after = match &decision {
                Decision::Retry => AfterFailure::Retry,
                Decision::Skip { .. } | Decision::MarkDone { .. } => AfterFailure::Flow(Flow::Next),
                Decision::Rollback
                | Decision::Policy {
                    action: PolicyAction::Rollback,
                    ..
                } => AfterFailure::Flow(Flow::Rollback),
                Decision::Policy {
                    action: PolicyAction::Continue,
                    ..
                } => AfterFailure::Flow(Flow::Next),
                _ => AfterFailure::Flow(Flow::Abort),
            };
            self.decide(step, decision).await?;
            return Ok(after);
        }
    }
}
