//! What a report says, as data: built from the verified history alone, rendered the same way
//! as Markdown, HTML and JSON (whose shape is this struct, documented in docs/report.md). An
//! auditor must be able to answer from it: who ran what, when, with which result, what was
//! skipped or overridden and why, and whether the journal can be trusted.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::journal::history::load::{LoadedRun, RunbookFile};
use crate::journal::history::model::{Actor, RunHistory, StepEnding, StepRecord};
use crate::journal::verify::report::Verdict;
use crate::protocol::decision::Decision;
use crate::protocol::mode::Mode;
use crate::protocol::output::OutputRecord;
use crate::protocol::status::{RunStatus, StepStatus};

pub(crate) const FORMAT: &str = "cutover-report/1";

#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub format: &'static str,
    pub verification: VerificationPart,
    pub run: RunPart,
    pub sessions: Vec<SessionPart>,
    /// Who held a terminal run's controls, when, and how each turn ended.
    pub controls: Vec<ControlsPart>,
    pub phases: Vec<PhasePart>,
    pub steps: Vec<StepPart>,
    /// Steps of the runbook that never started (only when `runbook.toml` is the one that ran).
    pub not_reached: Vec<NotReached>,
    pub decisions: Vec<DecisionPart>,
    pub failures: Vec<FailurePart>,
    pub notes: Vec<NotePart>,
    pub window: Vec<WindowPart>,
    /// Drills only.
    pub drill: Option<DrillPart>,
    /// Against the earlier runs of the runbook, of the same kind and target, in the same log
    /// dir: absent when there are none.
    pub against_history: Option<crate::forecast::against_history::AgainstHistory>,
}

#[derive(Debug, Serialize)]
pub(crate) struct VerificationPart {
    pub verdict: Verdict,
    /// `E_CODE: line N (seq S, kind K): what is wrong`.
    pub error: Option<String>,
    pub warnings: Vec<String>,
    /// `upto_bytes:prefix_sha256`, to compare with the anchor in the change ticket.
    pub anchor: Option<String>,
    /// Entries the report is built from (on TAMPERED, those before the first error).
    pub trusted_entries: usize,
    pub total_lines: usize,
    /// Whether the operator keys were checked against an allowed_signers file.
    pub signers_checked: bool,
    /// Which key signed how many entries, and which closed the journal.
    pub signatures: crate::journal::verify::report::SignatureCounts,
    /// The run folder's runbook.toml against the header.
    pub runbook_file: RunbookFileState,
}

/// Whether the run folder still holds the runbook that ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RunbookFileState {
    Matches,
    Differs,
    Missing,
}

/// One person's turn at a terminal run's controls.
#[derive(Debug, Serialize)]
pub(crate) struct ControlsPart {
    /// When they took the controls.
    pub from: String,
    /// When they left them; `None` while the journal shows them still holding.
    pub until: Option<String>,
    /// Who, by the key that signed their attach (or the unsigned seat).
    pub who: Actor,
    /// Where they sat: `alice@db-1 on /dev/pts/3 (ssh from 10.0.0.5 52114)`.
    pub seat: String,
    /// `attached` or `took over`.
    pub how: &'static str,
    /// `detached`, `taken over by …`, `the run ended`, or `still holding` (no end journaled).
    pub ended: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct RunbookPart {
    pub name: String,
    pub title: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct OperatorPart {
    pub principal: String,
    pub fingerprint: String,
    /// `agent`, `file` or `drill-key`.
    pub key_source: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct RunPart {
    pub run_id: String,
    pub runbook: RunbookPart,
    pub mode: Mode,
    /// The runbook's target the run was started for (`--target`).
    pub target: Option<String>,
    pub namespace: String,
    pub operator: OperatorPart,
    pub host: String,
    pub unix_user: String,
    pub ssh_connection: Option<String>,
    pub tool_version: String,
    pub started: String,
    /// The footer's time, or the last trusted entry's.
    pub ended: String,
    /// `passed`, `failed`, `rolled-back`, `aborted`, `suspended`, `interrupted`, or
    /// `unknown (untrusted)` when the journal is TAMPERED before its footer.
    pub status: String,
    pub duration_ms: Option<u64>,
    pub expected_ms: Option<u64>,
    pub variables: BTreeMap<String, String>,
    /// Names only: their values never reach the journal.
    pub secrets: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SessionPart {
    pub started: String,
    pub principal: String,
    pub fingerprint: String,
    pub host: String,
    pub unix_user: String,
    pub ssh_connection: Option<String>,
    /// False for the session that started the run.
    pub resumed: bool,
    pub torn_bytes: Option<u64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PhasePart {
    pub id: String,
    pub title: String,
    pub started: String,
    /// `None` when the phase did not finish in that session.
    pub duration_ms: Option<u64>,
    pub expected_ms: Option<u64>,
    pub over_expected: Option<bool>,
    /// The run stopped inside this phase and a later session started it again.
    pub continued_later: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct StepPart {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub phase: Option<String>,
    pub rollback: bool,
    /// `passed`, `failed`, `failed, continued`, `skipped`, `done manually`, `simulated`,
    /// `interrupted`, `unknown (untrusted)`.
    pub status: &'static str,
    /// It passed: the reports say so plainly and dress every other ending.
    #[serde(skip)]
    pub passed: bool,
    /// Why it was skipped, or the evidence it was done by hand.
    pub reason: Option<String>,
    pub attempts: u32,
    /// When its first attempt started (RFC 3339).
    pub started: Option<String>,
    pub duration_ms: Option<u64>,
    pub expected_ms: Option<u64>,
    pub over_expected: Option<bool>,
    /// The last attempt's resolved command or request, secrets masked.
    pub action: Option<String>,
    pub exit_code: Option<i32>,
    pub http_status: Option<u16>,
    pub message: Option<String>,
    pub output: Option<OutputRecord>,
    /// What the last attempt captured, as the journal holds it.
    pub captures: std::collections::BTreeMap<String, String>,
    /// Each host's latest fate, for a step run on hosts or a host's turn.
    pub hosts: Vec<HostPart>,
    /// Every metric gate's samples, counted pass / fail / inconclusive.
    pub gates: Vec<super::gates::GatePart>,
    /// Who confirmed it (a manual step's checklist, a dangerous step's phrase).
    pub confirmed_by: Vec<Actor>,
    /// Who approved what its last attempt ran (a step that requires approvals), each a
    /// principal and the key that signed the statement.
    pub approved_by: Vec<crate::protocol::approval::ApproverRef>,
    pub checklist: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct HostPart {
    pub host: String,
    /// `passed`, `failed`, `unreachable` or `excluded`.
    pub status: String,
    pub attempt: u32,
    pub exit_code: Option<i32>,
    pub message: String,
    pub output: Option<OutputRecord>,
}

/// The latest entry for each host over every attempt: a retry reruns only the hosts that did
/// not pass, so a host's fate may come from an earlier attempt.
fn host_parts(step: &crate::journal::history::model::StepRecord) -> Vec<HostPart> {
    let mut parts: Vec<HostPart> = Vec::new();
    for host in step.attempts.iter().flat_map(|attempt| &attempt.hosts) {
        let part = HostPart {
            host: host.host.clone(),
            status: host.status.to_string(),
            attempt: host.attempt,
            exit_code: host.exit_code,
            message: host.message.clone(),
            output: host.output.clone(),
        };
        match parts.iter_mut().find(|known| known.host == part.host) {
            Some(known) => *known = part,
            None => parts.push(part),
        }
    }
    parts
}

#[derive(Debug, Serialize)]
pub(crate) struct NotReached {
    pub id: String,
    pub title: String,
    pub phase: Option<String>,
    pub rollback: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct DecisionPart {
    pub at: String,
    pub step: String,
    /// `retry`, `skip`, `mark-done`, `rollback`, `abort` or `policy`.
    pub choice: &'static str,
    /// The reason of a skip, the evidence of a mark-done, the action of a policy.
    pub reason: Option<String>,
    /// Who decided; `None` when the step's policy did.
    pub by: Option<Actor>,
    /// Decided by `cutover resume` about a step interrupted mid-way.
    pub on_resume: bool,
    pub words: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct FailurePart {
    pub at: String,
    pub step: String,
    pub attempt: u32,
    pub stage: Option<u8>,
    pub message: String,
    pub exit_code: Option<i32>,
    pub http_status: Option<u16>,
    /// The last lines of output.
    pub tail: Vec<String>,
    pub output: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct NotePart {
    pub at: String,
    pub step: Option<String>,
    pub by: Actor,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct WindowPart {
    pub at: String,
    pub action: String,
    pub duration_ms: Option<u64>,
    pub overrun_ms: Option<u64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct DrillPart {
    pub first_failure_at: Option<String>,
    pub rolled_back: bool,
    /// From the first failure to the end of the rollback.
    pub recovery_ms: Option<u64>,
}

fn over(duration: Option<u64>, expected: Option<u64>) -> Option<bool> {
    Some(duration? > expected?)
}

pub(crate) fn build_report(run: &LoadedRun, signers_checked: bool) -> Report {
    let history = &run.history;
    let header = &history.header;
    let trust = &history.trust;
    let footer = history.footer.as_ref();
    let failures = failures(history);
    let against_history = crate::forecast::against_history::against_history(history, &run.run_dir);
    Report {
        against_history,
        format: FORMAT,
        verification: VerificationPart {
            verdict: trust.verdict,
            error: trust.error.as_ref().map(ToString::to_string),
            warnings: trust.warnings.iter().map(ToString::to_string).collect(),
            anchor: trust.anchor.clone(),
            trusted_entries: history.timeline.len(),
            total_lines: trust.total_lines,
            signers_checked,
            signatures: trust.signatures.clone(),
            runbook_file: match run.runbook {
                RunbookFile::Matches(_) => RunbookFileState::Matches,
                RunbookFile::Differs { .. } => RunbookFileState::Differs,
                RunbookFile::Missing => RunbookFileState::Missing,
            },
        },
        run: RunPart {
            run_id: header.run_id.clone(),
            runbook: RunbookPart {
                name: header.runbook.name.clone(),
                title: header.runbook.title.clone(),
                sha256: header.runbook.sha256.clone(),
            },
            mode: header.mode,
            target: header.target.clone(),
            namespace: header.namespace.clone(),
            operator: OperatorPart {
                principal: header.operator.principal.clone(),
                fingerprint: header.operator.fingerprint.clone(),
                key_source: header.operator.source.clone(),
            },
            host: header.host.clone(),
            unix_user: header.unix_user.clone(),
            ssh_connection: header.ssh_connection.clone(),
            tool_version: header.tool_version.clone(),
            started: history.started().to_string(),
            ended: footer.map_or_else(|| history.last_ts().to_string(), |(ts, _)| ts.clone()),
            status: history.status_word().to_string(),
            duration_ms: footer.map(|(_, f)| f.duration_ms),
            expected_ms: header.expected_ms,
            variables: header.vars.clone(),
            secrets: header.secrets.keys().cloned().collect(),
        },
        controls: controls(history),
        sessions: history
            .sessions
            .iter()
            .enumerate()
            .map(|(index, session)| SessionPart {
                started: session.started.clone(),
                principal: session.operator.principal.clone(),
                fingerprint: session.operator.fingerprint.clone(),
                host: session.host.clone(),
                unix_user: session.unix_user.clone(),
                ssh_connection: session.ssh_connection.clone(),
                resumed: index > 0,
                torn_bytes: session.torn.as_ref().map(|t| t.length),
            })
            .collect(),
        phases: history
            .phases
            .iter()
            .enumerate()
            .map(|(index, phase)| PhasePart {
                id: phase.id.clone(),
                title: phase.title.clone(),
                started: phase.started.clone(),
                duration_ms: phase.duration_ms,
                expected_ms: phase.expected_ms,
                over_expected: over(phase.duration_ms, phase.expected_ms),
                continued_later: phase.duration_ms.is_none()
                    && history.phases[index + 1..].iter().any(|p| p.id == phase.id),
            })
            .collect(),
        steps: history
            .steps
            .iter()
            .map(|step| step_part(history, step))
            .collect(),
        not_reached: run
            .not_reached()
            .into_iter()
            .map(|(phase, id, title)| NotReached {
                rollback: phase.is_none(),
                id,
                title,
                phase,
            })
            .collect(),
        decisions: history
            .decisions
            .iter()
            .map(|decided| {
                let choice = decided.decision.choice();
                let reason = match &decided.decision {
                    Decision::Skip { reason } => Some(reason.clone()),
                    Decision::MarkDone { evidence } => Some(evidence.clone()),
                    Decision::Policy { action, .. } => Some(action.to_string()),
                    Decision::Chose { option, .. } => Some(option.clone()),
                    Decision::Deadline { option, .. } => {
                        Some(format!("no answer by the deadline: {option}"))
                    }
                    Decision::Retry | Decision::Rollback | Decision::Abort => None,
                };
                DecisionPart {
                    at: decided.ts.clone(),
                    step: decided.step.clone(),
                    choice,
                    reason,
                    by: (!matches!(
                        decided.decision,
                        Decision::Policy { .. } | Decision::Deadline { .. }
                    ))
                    .then(|| decided.by.clone()),
                    on_resume: decided.on_resume,
                    words: decided.decision.to_string(),
                }
            })
            .collect(),
        drill: (header.mode == Mode::Drill).then(|| DrillPart {
            first_failure_at: failures.first().map(|f| f.at.clone()),
            rolled_back: footer.is_some_and(|(_, f)| f.status == RunStatus::RolledBack),
            recovery_ms: footer.and_then(|(_, f)| f.recovery_ms),
        }),
        failures,
        notes: history
            .notes
            .iter()
            // The service's own state notes are events, not what an operator wrote.
            .filter(|note| !note.text.starts_with("service "))
            .map(|note| NotePart {
                at: note.ts.clone(),
                step: note.step.clone(),
                by: note.by.clone(),
                text: note.text.clone(),
            })
            .collect(),
        window: history
            .windows
            .iter()
            .map(|window| WindowPart {
                at: window.ts.clone(),
                action: window.action.to_string(),
                duration_ms: window.duration_ms,
                overrun_ms: window.overrun_ms,
            })
            .collect(),
    }
}

/// The turns at the controls, from the attach, takeover and detach entries.
fn controls(history: &RunHistory) -> Vec<ControlsPart> {
    use crate::engine::controller_change::SeatAction;
    let mut turns: Vec<ControlsPart> = Vec::new();
    for record in &history.controllers {
        let open = turns.last_mut().filter(|turn| turn.until.is_none());
        match record.change.action {
            SeatAction::Detach => {
                if let Some(turn) = open {
                    turn.until = Some(record.ts.clone());
                    turn.ended = "detached".into();
                }
            }
            SeatAction::Attach | SeatAction::Takeover => {
                if let Some(turn) = open {
                    turn.until = Some(record.ts.clone());
                    turn.ended = format!("taken over by {}", record.who.described());
                }
                turns.push(ControlsPart {
                    from: record.ts.clone(),
                    until: None,
                    who: record.who.clone(),
                    seat: record.change.seat.describe(),
                    how: if record.change.action == SeatAction::Takeover {
                        "took over"
                    } else {
                        "attached"
                    },
                    ended: "still holding".into(),
                });
            }
        }
    }
    if let (Some(turn), Some((ended, _))) = (turns.last_mut(), &history.footer)
        && turn.until.is_none()
    {
        turn.until = Some(ended.clone());
        turn.ended = "the run ended".into();
    }
    turns
}

fn step_part(history: &RunHistory, step: &StepRecord) -> StepPart {
    let outcome = history.outcome_of(step);
    let reason = match &outcome {
        StepEnding::Skipped(reason) | StepEnding::DoneManually(reason) => Some(reason.clone()),
        StepEnding::NotApplicable(expression) => Some(format!("`{expression}` is false")),
        _ => None,
    };
    let last = step.attempts.last();
    let result = last.and_then(|a| a.result.as_ref()).map(|(_, r)| r);
    let duration_ms = step.duration_ms();
    let expected_ms = step.expected_ms();
    StepPart {
        id: step.id.clone(),
        title: step.title.clone(),
        kind: step.kind.map(|kind| kind.to_string()).unwrap_or_default(),
        phase: step.phase.clone(),
        rollback: step.rollback,
        status: outcome.word(),
        passed: outcome == StepEnding::Passed,
        reason,
        attempts: step.attempts.len() as u32,
        started: step.attempts.first().map(|a| a.started.clone()),
        duration_ms,
        expected_ms,
        over_expected: over(duration_ms, expected_ms),
        action: last.map(|a| a.action.clone()),
        exit_code: result.and_then(|r| r.exit_code),
        http_status: result.and_then(|r| r.http_status),
        message: result.map(|r| r.message.clone()),
        output: result.and_then(|r| r.output.clone()),
        captures: result.map(|r| r.captures.clone()).unwrap_or_default(),
        hosts: host_parts(step),
        gates: super::gates::gate_parts(step),
        approved_by: last.map(|a| a.approvals.clone()).unwrap_or_default(),
        confirmed_by: step
            .confirmations
            .iter()
            .map(|c| c.by.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        checklist: step
            .confirmations
            .iter()
            .flat_map(|c| c.checklist.clone())
            .collect(),
        notes: step
            .confirmations
            .iter()
            .filter_map(|c| c.note.clone())
            .chain(
                step.notes
                    .iter()
                    .map(|&i| &history.notes[i])
                    .filter(|n| !n.text.starts_with("service "))
                    .map(|n| n.text.clone()),
            )
            .collect(),
    }
}

/// Every failed attempt and stage, in order, with the tail of its output.
fn failures(history: &RunHistory) -> Vec<FailurePart> {
    let mut failures = Vec::new();
    for step in &history.steps {
        for attempt in &step.attempts {
            for record in attempt.stages.iter().filter(|s| is_failed(s.result.status)) {
                let stage = &record.result;
                failures.push(FailurePart {
                    at: record.ts.clone(),
                    step: step.id.clone(),
                    attempt: attempt.number,
                    stage: stage.stage,
                    message: stage.message.clone(),
                    exit_code: stage.exit_code,
                    http_status: stage.http_status,
                    tail: stage.tail.clone(),
                    output: stage.output.as_ref().map(|o| o.path.clone()),
                });
            }
            if let Some((ts, result)) = &attempt.result
                && is_failed(result.status)
            {
                failures.push(FailurePart {
                    at: ts.clone(),
                    step: step.id.clone(),
                    attempt: attempt.number,
                    stage: None,
                    message: result.message.clone(),
                    exit_code: result.exit_code,
                    http_status: result.http_status,
                    tail: result.tail.clone(),
                    output: result.output.as_ref().map(|o| o.path.clone()),
                });
            }
        }
    }
    failures.sort_by(|a, b| a.at.cmp(&b.at));
    failures
}

fn is_failed(status: StepStatus) -> bool {
    status == StepStatus::Failed
}
