//! A step that was running (or had failed undecided) when the run stopped is never re-run
//! silently: the operator says `--rerun`, `--mark-done` or `--skip`, and the decision is checked
//! against the journal's state before anything is appended.

use super::error::LaunchError;
use crate::journal::entry::DecisionBody;
use crate::journal::replay::RunState;
use crate::protocol::decision::Decision;
use crate::runbook::model::Runbook;

pub(crate) fn decide_interrupted(
    given: &[(String, Decision)],
    rollback: bool,
    state: &RunState,
    runbook: &Runbook,
) -> Result<Option<DecisionBody>, LaunchError> {
    if given.len() + usize::from(rollback) > 1 {
        return Err(LaunchError::SeveralDecisions);
    }
    let pending = state
        .interrupted
        .as_ref()
        .or(state.undecided_failure.as_ref());
    if rollback {
        // From the step that failed or was running, else from where the run was suspended.
        let from = pending.or(state.suspended_before.as_ref());
        return match from {
            Some(step) if !state.in_rollback => Ok(Some(DecisionBody {
                step: step.clone(),
                decision: Decision::Rollback,
            })),
            _ => Err(LaunchError::NothingToRollBack),
        };
    }
    match (pending, given.first()) {
        (None, None) => Ok(None),
        (None, Some((step, _))) => Err(LaunchError::NothingToDecide(step.clone())),
        (Some(step), None) => Err(LaunchError::NeedsDecision {
            step: step.clone(),
            failed: state.interrupted.is_none(),
        }),
        (Some(step), Some((named, _))) if named != step => Err(LaunchError::WrongStep {
            interrupted: step.clone(),
            named: named.clone(),
        }),
        (Some(step), Some((_, decision))) => {
            let required = runbook
                .steps()
                .any(|(_, s)| &s.id.value == step && s.required);
            match decision {
                Decision::Skip { .. } if required => Err(LaunchError::RequiredStep(step.clone())),
                Decision::Skip { reason } | Decision::MarkDone { evidence: reason }
                    if reason.trim().is_empty() =>
                {
                    Err(LaunchError::EmptyReason)
                }
                _ => Ok(Some(DecisionBody {
                    step: step.clone(),
                    decision: decision.clone(),
                })),
            }
        }
    }
}
