//! From engine events to journal entries: which kind records which event, and the checkpoints
//! LOG-FORMAT.md asks for (after every confirm and decision, at the end of every phase, on
//! suspend; periodic ones are the file's own).

use std::collections::BTreeMap;

use super::entry::{
    Body, CheckpointReason, ConditionBody, ConfirmBody, DecisionBody, FooterBody, HostBody,
    InputBody, NoteBody, PhaseStartBody, ProbeBody, ServiceBody, StepResultBody, StepStartBody,
    SuspendBody, WindowBody, WindowMark,
};
use super::file::{By, JournalError, JournalFile};
use crate::engine::events::Event;
use crate::protocol::decision::{Decision, InputSource};
use crate::protocol::status::{RunStatus, StepStatus};
use crate::protocol::step_kind::WindowAction;

pub(crate) fn append_event(journal: &mut JournalFile, event: &Event) -> Result<(), JournalError> {
    match event {
        // The header, written when the journal was created, already says all of this.
        Event::RunStarted { .. } => Ok(()),
        Event::PhaseStarted { phase, title } => journal.append(Body::PhaseStart(PhaseStartBody {
            phase: phase.clone(),
            title: title.clone(),
        })),
        Event::PhaseFinished {
            phase,
            duration_ms,
            expected_ms,
        } => journal.checkpoint(
            CheckpointReason::PhaseEnd {
                phase: phase.clone(),
                duration_ms: *duration_ms,
                expected_ms: *expected_ms,
            },
            By::Session,
        ),
        Event::StepStarted {
            step,
            title,
            kind,
            attempt,
            action,
            rollback,
            approvals,
            approval_wait,
        } => journal.append(Body::StepStart(StepStartBody {
            step: step.clone(),
            title: title.clone(),
            kind: *kind,
            attempt: *attempt,
            action: action.clone(),
            rollback: *rollback,
            approvals: approvals.clone(),
            approval_wait: approval_wait.clone(),
        })),
        Event::StepResult {
            step,
            attempt,
            status,
            duration_ms,
            expected_ms,
            exit_code,
            http_status,
            message,
            output,
            tail,
            captures,
        } => {
            if let Some(output) = output {
                sync(journal, output)?;
            }
            journal.append(Body::StepResult(StepResultBody {
                step: step.clone(),
                attempt: *attempt,
                stage: None,
                status: *status,
                duration_ms: *duration_ms,
                expected_ms: *expected_ms,
                exit_code: *exit_code,
                http_status: *http_status,
                message: message.clone(),
                output: output.clone(),
                tail: tail.clone(),
                captures: captures.iter().cloned().collect::<BTreeMap<_, _>>(),
            }))
        }
        Event::Stage {
            step,
            attempt,
            stage,
            duration_ms,
            passed,
            message,
            output,
        } => {
            if let Some(output) = output {
                sync(journal, output)?;
            }
            journal.append(Body::StepResult(StepResultBody {
                step: step.clone(),
                attempt: *attempt,
                stage: Some(*stage),
                status: if *passed {
                    StepStatus::Passed
                } else {
                    StepStatus::Failed
                },
                duration_ms: *duration_ms,
                expected_ms: None,
                exit_code: None,
                http_status: None,
                message: message.clone(),
                output: output.clone(),
                tail: Vec::new(),
                captures: BTreeMap::new(),
            }))
        }
        Event::Probe {
            step,
            sample,
            latency_ms,
            status,
            error,
        } => journal.append(Body::Probe(ProbeBody {
            step: step.clone(),
            sample: *sample,
            latency_ms: *latency_ms,
            status: *status,
            error: error.clone(),
        })),
        Event::MetricSample(sample) => journal.append(Body::Metric(sample.clone())),
        Event::Confirmed {
            step,
            note,
            checklist,
            via,
        } => {
            // A person confirmed — at the terminal, or in advance on their command line.
            journal.append_act(Body::Confirm(ConfirmBody {
                step: step.clone(),
                note: note.clone(),
                checklist: checklist.clone(),
                via: Some(*via),
            }))?;
            journal.checkpoint(CheckpointReason::Confirm, By::Operator)
        }
        Event::Decided { step, decision } => {
            let body = Body::Decision(DecisionBody {
                step: step.clone(),
                decision: decision.clone(),
            });
            // A policy decided alone, or a deadline passed: the engine signs it, and the
            // checkpoint after it.
            let by_person = !matches!(
                decision,
                Decision::Policy { .. } | Decision::Deadline { .. }
            );
            journal.last_decision_by_person = by_person;
            if by_person {
                journal.append_act(body)?;
                journal.checkpoint(CheckpointReason::Decision, By::Operator)
            } else {
                journal.append(body)?;
                journal.checkpoint(CheckpointReason::Decision, By::Session)
            }
        }
        Event::Window {
            action,
            duration_ms,
        } => journal.append(Body::Window(WindowBody {
            action: match action {
                WindowAction::Open => WindowMark::Open,
                WindowAction::Close => WindowMark::Close,
            },
            duration_ms: *duration_ms,
            overrun_ms: None,
        })),
        Event::WindowOverrun { overrun_ms } => journal.append(Body::Window(WindowBody {
            action: WindowMark::Overrun,
            duration_ms: None,
            overrun_ms: Some(*overrun_ms),
        })),
        Event::Service { step, state } => journal.append(Body::Service(ServiceBody {
            step: step.clone(),
            state: *state,
        })),
        Event::Suspended { reason, next_step } => {
            journal.append(Body::Suspend(SuspendBody {
                reason: reason.clone(),
                next_step: next_step.clone(),
            }))?;
            journal.checkpoint(CheckpointReason::Suspend, By::Session)
        }
        // A suspended run is not over: the suspend entry and its checkpoint record it, and
        // `resume` continues the same journal. Only a run that ended gets a footer.
        Event::RunFinished {
            status: RunStatus::Suspended,
            ..
        } => Ok(()),
        Event::RunFinished {
            status,
            duration_ms,
            recovery_ms,
        } => {
            let (upto_seq, upto_bytes, prefix_sha256) = journal.attestation();
            let footer = Body::Footer(FooterBody {
                upto_seq,
                upto_bytes,
                prefix_sha256,
                status: *status,
                duration_ms: *duration_ms,
                recovery_ms: *recovery_ms,
            });
            // A person who aborted or rolled the run back ended it, and signs its end; a run
            // that ended on its own (or by a policy) is closed by the engine.
            let ended_by_person = journal.last_decision_by_person
                && matches!(status, RunStatus::Aborted | RunStatus::RolledBack);
            if ended_by_person {
                journal.append_act(footer)
            } else {
                journal.append(footer)
            }
        }
        Event::Condition {
            step,
            phase,
            expression,
            value,
            error,
        } => journal.append(Body::Condition(ConditionBody {
            step: step.clone(),
            phase: phase.clone(),
            expression: expression.clone(),
            value: *value,
            error: error.clone(),
        })),
        Event::HostResult {
            step,
            attempt,
            host,
            status,
            exit_code,
            duration_ms,
            message,
            output,
        } => journal.append(Body::Host(HostBody {
            step: step.clone(),
            attempt: *attempt,
            host: host.clone(),
            status: *status,
            exit_code: *exit_code,
            duration_ms: *duration_ms,
            message: message.clone(),
            output: output.clone(),
        })),
        Event::Answered {
            step,
            variable,
            value,
            by,
        } => {
            let body = Body::Input(InputBody {
                step: step.clone(),
                variable: variable.clone(),
                value: value.clone(),
                by: *by,
            });
            match by {
                // Nobody answered: the runbook's default, taken by the engine.
                InputSource::Deadline => journal.append(body),
                InputSource::Terminal | InputSource::CommandLine => journal.append_act(body),
            }
        }
        // An attach or takeover is the person's own act, signed with the key it names; a
        // detach the engine records (the person may be gone).
        Event::Controller(change) => match change.action {
            crate::engine::controller_change::SeatAction::Detach => {
                journal.append(Body::Attach(change.clone()))
            }
            _ => journal.append_act(Body::Attach(change.clone())),
        },
        Event::Notified { delivery } => journal.append(Body::Notify(delivery.clone())),
        Event::Approved(approval) => journal.append(Body::Approval(approval.clone())),
        Event::Noted { step, text } => journal.append_act(Body::Note(NoteBody {
            step: step.clone(),
            text: text.clone(),
        })),
        Event::Output { .. }
        | Event::Progress { .. }
        | Event::Unattended { .. }
        | Event::Retrying { .. }
        | Event::Waiting(_) => Ok(()),
    }
}

/// Whether `event` may be recorded as a person's act, signed by them (their confirmation,
/// decision, note, answer, attach, or the end of a run they ended).
pub(crate) fn may_be_a_persons(event: &Event) -> bool {
    match event {
        Event::Confirmed { .. }
        | Event::Noted { .. }
        | Event::Controller(_)
        | Event::RunFinished { .. } => true,
        Event::Decided { decision, .. } => !matches!(
            decision,
            Decision::Policy { .. } | Decision::Deadline { .. }
        ),
        Event::Answered { by, .. } => *by != InputSource::Deadline,
        _ => false,
    }
}

fn sync(
    journal: &JournalFile,
    output: &crate::protocol::output::OutputRecord,
) -> Result<(), JournalError> {
    journal
        .outputs
        .sync(output)
        .map_err(|source| JournalError::SyncOutput {
            path: output.path.clone(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::super::entry::{Body, CheckpointReason, ConfirmBody, FooterBody};
    use super::super::file::By;
    use super::super::verify::check::{VerifyOptions, verify_bytes};
    use super::super::verify::report::{Signer, Verdict};
    use crate::protocol::decision::ConfirmVia;
    use crate::protocol::status::RunStatus;

    /// Journals written before acts were signed by the person — a confirm under the session
    /// key, every checkpoint and the footer under the operator's — keep verifying.
    #[test]
    fn a_journal_signed_the_earlier_way_still_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = crate::journal::test_journal::drill_journal(dir.path());
        journal
            .append(Body::Confirm(ConfirmBody {
                step: "s".into(),
                note: None,
                checklist: vec![],
                via: Some(ConfirmVia::Terminal),
            }))
            .unwrap();
        journal
            .checkpoint(CheckpointReason::Confirm, By::Operator)
            .unwrap();
        journal
            .checkpoint(
                CheckpointReason::PhaseEnd {
                    phase: "p".into(),
                    duration_ms: 1,
                    expected_ms: None,
                },
                By::Operator,
            )
            .unwrap();
        let (upto_seq, upto_bytes, prefix_sha256) = journal.attestation();
        journal
            .append_act(Body::Footer(FooterBody {
                upto_seq,
                upto_bytes,
                prefix_sha256,
                status: RunStatus::Passed,
                duration_ms: 1,
                recovery_ms: None,
            }))
            .unwrap();
        let bytes = std::fs::read(journal.path()).unwrap();
        let verification = verify_bytes(&bytes, dir.path(), &VerifyOptions::default());
        assert_eq!(
            verification.verdict,
            Verdict::Valid,
            "{:?}",
            verification.error
        );
        let signers: Vec<Signer> = verification.entries.iter().map(|e| e.signer).collect();
        assert_eq!(
            signers,
            [
                Signer::Operator,
                Signer::Session,
                Signer::Operator,
                Signer::Operator,
                Signer::Operator
            ]
        );
    }
}
