//! Folds the verified entries of a journal into its [`RunHistory`], in file order. Only what
//! verify trusted goes in: on a TAMPERED journal, the entries before the first error.

use super::model::{
    Actor, AttemptRecord, ConfirmRecord, DecisionRecord, Importance, NoteRecord, PhaseRecord,
    RunHistory, Session, StageRecord, StepRecord, SuspendRecord, TimelineEntry, Trust,
    WindowRecord,
};
use super::timeline_line::timeline_line;
use crate::engine::metric_sample::SampleVerdict;
use crate::journal::entry::{Body, CheckpointReason, WindowMark};
use crate::journal::verify::report::{Signer, Verification};
use crate::protocol::decision::Decision;
use crate::protocol::status::StepStatus;

/// `None` when not even the header could be trusted.
pub(crate) fn build_history(verification: &Verification, total_lines: usize) -> Option<RunHistory> {
    let header = verification.header.clone()?;
    let first = verification.entries.first()?;
    let mut history = RunHistory {
        trust: Trust {
            verdict: verification.verdict,
            error: verification.error.clone(),
            warnings: verification.warnings.clone(),
            anchor: verification.anchor.clone(),
            total_lines,
            signatures: verification.signature_counts(),
        },
        sessions: vec![Session {
            started: first.entry.ts.clone(),
            line: first.line,
            operator: header.operator.clone(),
            host: header.host.clone(),
            unix_user: header.unix_user.clone(),
            ssh_connection: header.ssh_connection.clone(),
            torn: None,
        }],
        header,
        timeline: Vec::new(),
        phases: Vec::new(),
        steps: Vec::new(),
        decisions: Vec::new(),
        notes: Vec::new(),
        controllers: Vec::new(),
        windows: Vec::new(),
        suspends: Vec::new(),
        footer: None,
    };
    let mut phase: Option<String> = None;
    let mut seat = SeatNow::default();
    for verified in &verification.entries {
        let entry = &verified.entry;
        let (mut ts, line) = (entry.ts.clone(), verified.line);
        let session = history.sessions.len() - 1;
        seat.observe(&entry.body, verified.signer);
        // Each act is credited to the key that signed it.
        let by = seat.actor(verified.signer, &history.sessions[session].operator);
        let mut importance = Importance::Routine;
        match &entry.body {
            Body::Header(_) => {}
            Body::PhaseStart(start) => {
                phase = Some(start.phase.clone());
                history.phases.push(PhaseRecord {
                    id: start.phase.clone(),
                    title: start.title.clone(),
                    started: ts.clone(),
                    duration_ms: None,
                    expected_ms: None,
                });
            }
            Body::StepStart(start) => {
                let step = step_mut(&mut history.steps, &start.step);
                step.title = start.title.clone();
                step.kind = Some(start.kind);
                step.rollback = start.rollback;
                if step.attempts.is_empty() {
                    step.phase = if start.rollback { None } else { phase.clone() };
                }
                step.attempts.push(AttemptRecord {
                    number: start.attempt,
                    line,
                    started: ts.clone(),
                    session,
                    action: start.action.clone(),
                    result: None,
                    stages: Vec::new(),
                    probes: Vec::new(),
                    metrics: Vec::new(),
                    hosts: Vec::new(),
                    approvals: start.approvals.clone(),
                });
            }
            Body::StepResult(result) => {
                if result.status == StepStatus::Failed {
                    importance = Importance::Failure;
                }
                let step = step_mut(&mut history.steps, &result.step);
                if let Some(attempt) = step
                    .attempts
                    .iter_mut()
                    .rev()
                    .find(|a| a.number == result.attempt)
                {
                    if result.stage.is_some() {
                        attempt.stages.push(StageRecord {
                            ts: ts.clone(),
                            line,
                            result: result.clone(),
                        });
                    } else {
                        attempt.result = Some((ts.clone(), result.clone()));
                    }
                }
            }
            Body::Probe(probe) => {
                let step = step_mut(&mut history.steps, &probe.step);
                if let Some(attempt) = step.attempts.last_mut() {
                    attempt.probes.push(probe.clone());
                }
            }
            Body::Metric(sample) => {
                if sample.verdict != SampleVerdict::Pass {
                    importance = Importance::Failure;
                }
                let step = step_mut(&mut history.steps, &sample.step);
                if let Some(attempt) = step.attempts.last_mut() {
                    attempt.metrics.push((**sample).clone());
                }
            }
            Body::Host(host) => {
                if host.status.is_failure() {
                    importance = Importance::Failure;
                }
                let step = step_mut(&mut history.steps, &host.step);
                if let Some(attempt) = step.attempts.last_mut() {
                    attempt.hosts.push(host.clone());
                }
            }
            Body::Confirm(confirm) => {
                importance = Importance::Decision;
                step_mut(&mut history.steps, &confirm.step)
                    .confirmations
                    .push(ConfirmRecord {
                        ts: ts.clone(),
                        line,
                        by: by.clone(),
                        note: confirm.note.clone(),
                        checklist: confirm.checklist.clone(),
                        via: confirm.via,
                    });
            }
            Body::Decision(decided) => {
                importance = decision_importance(&decided.decision);
                record_decision(
                    &mut history,
                    DecisionRecord {
                        ts: ts.clone(),
                        line,
                        step: decided.step.clone(),
                        by: by.clone(),
                        decision: decided.decision.clone(),
                        on_resume: false,
                    },
                );
            }
            // A service's state belongs to the timeline only.
            Body::Service(_) => {}
            // An answer is kept in the timeline (and, when not secret, in the result's captures).
            Body::Input(_) => {}
            Body::Condition(condition) => {
                if condition.value == Some(false) {
                    step_mut(&mut history.steps, &condition.step).not_applicable =
                        Some(condition.expression.clone());
                } else if condition.value.is_none() {
                    importance = Importance::Failure;
                }
                if let Some(phase) = &condition.phase
                    && condition.value == Some(false)
                {
                    step_mut(&mut history.steps, &condition.step).phase = Some(phase.clone());
                }
            }
            Body::Note(note) => {
                let index = history.notes.len();
                history.notes.push(NoteRecord {
                    ts: ts.clone(),
                    line,
                    step: note.step.clone(),
                    by: by.clone(),
                    text: note.text.clone(),
                });
                if let Some(step) = &note.step {
                    step_mut(&mut history.steps, step).notes.push(index);
                }
            }
            Body::Approval(_) => importance = Importance::Decision,
            Body::Notify(delivery) => {
                if delivery.outcome == crate::protocol::delivery::DeliveryOutcome::Failed {
                    importance = Importance::Failure;
                }
            }
            Body::Attach(change) => {
                if change.action == crate::engine::controller_change::SeatAction::Takeover {
                    importance = Importance::Decision;
                }
                // Shown when it happened: a detach during a long step is written at its end.
                if !change.at.is_empty() {
                    ts = change.at.clone();
                }
                history.controllers.push(super::model::ControllerRecord {
                    ts: ts.clone(),
                    line,
                    change: change.clone(),
                    who: seat.sitting(),
                });
            }
            Body::Window(window) => {
                if window.action == WindowMark::Overrun {
                    importance = Importance::Failure;
                }
                history.windows.push(WindowRecord {
                    ts: ts.clone(),
                    action: window.action,
                    duration_ms: window.duration_ms,
                    overrun_ms: window.overrun_ms,
                });
            }
            Body::Checkpoint(checkpoint) => {
                if let Some(CheckpointReason::PhaseEnd {
                    phase,
                    duration_ms,
                    expected_ms,
                }) = checkpoint.reason()
                    && let Some(record) = history.phases.iter_mut().rev().find(|p| p.id == phase)
                {
                    record.duration_ms = Some(duration_ms);
                    record.expected_ms = expected_ms;
                }
            }
            Body::Suspend(suspend) => {
                importance = Importance::Decision;
                history.suspends.push(SuspendRecord {
                    ts: ts.clone(),
                    reason: suspend.reason.clone(),
                    next_step: suspend.next_step.clone(),
                });
            }
            Body::Resume(resume) => {
                importance = Importance::Decision;
                history.sessions.push(Session {
                    started: ts.clone(),
                    line,
                    operator: resume.operator.clone(),
                    host: resume.host.clone(),
                    unix_user: resume.unix_user.clone(),
                    ssh_connection: resume.ssh_connection.clone(),
                    torn: resume.torn.clone(),
                });
                if let Some(decided) = &resume.interrupted {
                    record_decision(
                        &mut history,
                        DecisionRecord {
                            ts: ts.clone(),
                            line,
                            step: decided.step.clone(),
                            by: Actor::signed(
                                &resume.operator.principal,
                                &resume.operator.fingerprint,
                            ),
                            decision: decided.decision.clone(),
                            on_resume: true,
                        },
                    );
                }
            }
            Body::Footer(footer) => {
                if footer.status != crate::protocol::status::RunStatus::Passed {
                    importance = Importance::Failure;
                }
                history.footer = Some((ts.clone(), footer.clone()));
            }
        }
        // A resume entry is written by the session it opens.
        let session = history.sessions.len() - 1;
        history.timeline.push(TimelineEntry {
            line,
            seq: entry.seq,
            ts: ts.clone(),
            kind: entry.body.kind(),
            step: step_of(&entry.body),
            session,
            words: timeline_line(&entry.body, history.who(session)),
            importance,
        });
    }
    Some(history)
}

/// Who sits at a terminal run's controls as the journal goes: the person whose key signed their
/// attach, or a seat nobody proved.
#[derive(Default)]
struct SeatNow {
    person: Option<(String, String)>,
    seat: Option<crate::engine::controller_change::Seat>,
}

impl SeatNow {
    fn observe(&mut self, body: &Body, signer: Signer) {
        use crate::engine::controller_change::SeatAction;
        match body {
            Body::Header(_) | Body::Resume(_) => *self = Self::default(),
            Body::Attach(change) if change.action == SeatAction::Detach => *self = Self::default(),
            Body::Attach(change) => {
                self.seat = Some(change.seat.clone());
                self.person = match (&change.person, signer) {
                    (Some(person), Signer::Person) => {
                        Some((person.principal.clone(), person.fingerprint.clone()))
                    }
                    _ => None,
                };
            }
            _ => {}
        }
    }

    /// Who an entry signed by `signer` is credited to.
    fn actor(&self, signer: Signer, operator: &crate::journal::entry::OperatorRef) -> Actor {
        match (signer, &self.person) {
            (Signer::Person, Some((principal, fingerprint))) => {
                Actor::signed(principal, fingerprint)
            }
            (Signer::Operator, _) | (Signer::Person, None) => {
                Actor::signed(&operator.principal, &operator.fingerprint)
            }
            (Signer::Session, _) => self.unsigned(),
        }
    }

    /// Who holds the controls now, as the report's "who held the controls" names them.
    fn sitting(&self) -> Actor {
        match &self.person {
            Some((principal, fingerprint)) => Actor::signed(principal, fingerprint),
            None => self.unsigned(),
        }
    }

    fn unsigned(&self) -> Actor {
        Actor {
            name: match &self.seat {
                Some(seat) => format!("unsigned (seat {})", seat.describe()),
                None => "unsigned (the engine's session key)".to_string(),
            },
            key: None,
        }
    }
}

fn decision_importance(decision: &Decision) -> Importance {
    match decision {
        Decision::Abort => Importance::Failure,
        _ => Importance::Decision,
    }
}

fn record_decision(history: &mut RunHistory, record: DecisionRecord) {
    let index = history.decisions.len();
    let step = record.step.clone();
    history.decisions.push(record);
    step_mut(&mut history.steps, &step).decisions.push(index);
}

/// The step's record, created at its first mention (a dangerous step's confirmation comes
/// before its start).
fn step_mut<'a>(steps: &'a mut Vec<StepRecord>, id: &str) -> &'a mut StepRecord {
    let index = match steps.iter().position(|step| step.id == id) {
        Some(index) => index,
        None => {
            steps.push(StepRecord {
                id: id.to_string(),
                title: id.to_string(),
                kind: None,
                rollback: false,
                phase: None,
                attempts: Vec::new(),
                confirmations: Vec::new(),
                decisions: Vec::new(),
                notes: Vec::new(),
                not_applicable: None,
            });
            steps.len() - 1
        }
    };
    &mut steps[index]
}

fn step_of(body: &Body) -> Option<String> {
    match body {
        Body::StepStart(b) => Some(b.step.clone()),
        Body::StepResult(b) => Some(b.step.clone()),
        Body::Probe(b) => Some(b.step.clone()),
        Body::Metric(b) => Some(b.step.clone()),
        Body::Confirm(b) => Some(b.step.clone()),
        Body::Decision(b) => Some(b.step.clone()),
        Body::Note(b) => b.step.clone(),
        Body::Condition(b) => Some(b.step.clone()),
        Body::Host(b) => Some(b.step.clone()),
        Body::Input(b) => Some(b.step.clone()),
        Body::Suspend(b) => b.next_step.clone(),
        Body::Resume(b) => b.interrupted.as_ref().map(|d| d.step.clone()),
        _ => None,
    }
}
