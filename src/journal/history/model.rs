//! The run as an auditor reads it, rebuilt from the verified entries of its journal and from
//! nothing else: the sessions (who ran it, who resumed it, from where), each step's attempts
//! with their actions, results, stages and probe measurements, every confirmation, decision and
//! note with who made it, the phases and their timings, the maintenance window, and a timeline
//! of every entry. `review` shows it; `report` renders it.

use crate::journal::entry::{
    EntryKind, FooterBody, HeaderBody, OperatorRef, ProbeBody, StepResultBody, TornFragment,
};
use crate::journal::verify::report::{Finding, Verdict};
use crate::protocol::decision::{ConfirmVia, Decision, PolicyAction};
use crate::protocol::status::StepStatus;

/// What verify said: how far the history can be trusted.
#[derive(Clone, Debug)]
pub struct Trust {
    pub verdict: Verdict,
    /// The first error; the history holds only the entries before it.
    pub error: Option<Finding>,
    pub warnings: Vec<Finding>,
    /// `upto_bytes:prefix_sha256` of the last checkpoint or footer that verified.
    pub anchor: Option<String>,
    /// Lines in the file, trusted or not.
    pub total_lines: usize,
    /// Which key signed how many of the trusted entries.
    pub signatures: crate::journal::verify::report::SignatureCounts,
}

#[derive(Clone, Debug)]
pub struct RunHistory {
    pub trust: Trust,
    pub header: HeaderBody,
    /// The first session is the run's start; each `resume` opens another.
    pub sessions: Vec<Session>,
    pub timeline: Vec<TimelineEntry>,
    pub phases: Vec<PhaseRecord>,
    /// In the order they first appear.
    pub steps: Vec<StepRecord>,
    pub decisions: Vec<DecisionRecord>,
    pub notes: Vec<NoteRecord>,
    /// Who held the controls when: attaches, takeovers, detaches.
    pub controllers: Vec<ControllerRecord>,
    pub windows: Vec<WindowRecord>,
    pub suspends: Vec<SuspendRecord>,
    pub footer: Option<(String, FooterBody)>,
}

/// Who acted, from where, from one `run` or `resume` to the next.
#[derive(Clone, Debug)]
pub struct Session {
    pub started: String,
    pub line: usize,
    pub operator: OperatorRef,
    pub host: String,
    pub unix_user: String,
    pub ssh_connection: Option<String>,
    /// Bytes a crash left, accounted for when this session resumed the run.
    pub torn: Option<TornFragment>,
}

/// What an entry is about, to jump between the ones that matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Importance {
    /// A failed step or stage, a window overrun.
    Failure,
    /// An operator's or a policy's decision, a confirmation, a suspension or resumption.
    Decision,
    Routine,
}

#[derive(Clone, Debug)]
pub struct TimelineEntry {
    pub line: usize,
    pub seq: u64,
    pub ts: String,
    pub kind: EntryKind,
    pub step: Option<String>,
    /// Index into [`RunHistory::sessions`]: whose session wrote it.
    pub session: usize,
    /// What happened, in words (`timeline_line`).
    pub words: String,
    pub importance: Importance,
}

#[derive(Clone, Debug)]
pub struct PhaseRecord {
    pub id: String,
    pub title: String,
    pub started: String,
    /// From the phase-end checkpoint; `None` for a phase that did not finish.
    pub duration_ms: Option<u64>,
    pub expected_ms: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct StepRecord {
    pub id: String,
    pub title: String,
    /// `None` until its start is read (a decision can name a step first).
    pub kind: Option<crate::protocol::step_kind::StepKind>,
    pub rollback: bool,
    /// The phase it ran in; `None` in the rollback section.
    pub phase: Option<String>,
    pub attempts: Vec<AttemptRecord>,
    pub confirmations: Vec<ConfirmRecord>,
    /// The `when` condition that was false, when it did not run because of one.
    pub not_applicable: Option<String>,
    /// Indices into [`RunHistory::decisions`].
    pub decisions: Vec<usize>,
    /// Indices into [`RunHistory::notes`].
    pub notes: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub number: u32,
    pub line: usize,
    pub started: String,
    pub session: usize,
    /// The resolved command or request, secrets masked.
    pub action: String,
    pub result: Option<(String, StepResultBody)>,
    /// Each stage's result of a progressive rollout.
    pub stages: Vec<StageRecord>,
    pub probes: Vec<ProbeBody>,
    /// Every sample of the step's metric gates, in order.
    pub metrics: Vec<crate::engine::metric_sample::MetricSample>,
    /// Each host's fate, for a step run over ssh or a rolling phase's turn.
    pub hosts: Vec<crate::journal::entry::HostBody>,
    /// Who approved this attempt's action, for a step that requires approvals.
    pub approvals: Vec<crate::protocol::approval::ApproverRef>,
}

#[derive(Clone, Debug)]
pub struct StageRecord {
    pub ts: String,
    pub line: usize,
    pub result: StepResultBody,
}

/// Who did an act, as the key that signed it says: the operator's or a person's key and the
/// principal it was given, or — signed by the engine's session key — nobody proven.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Actor {
    /// The principal (`ops-c@corp`), or `unsigned (seat alice@db-1 on /dev/pts/3)`.
    pub name: String,
    /// The SSH key that signed the act (`SHA256:…`); `None` when nobody's key did.
    pub key: Option<String>,
}

impl Actor {
    pub(crate) fn signed(principal: &str, fingerprint: &str) -> Self {
        Self {
            name: principal.to_string(),
            key: Some(fingerprint.to_string()),
        }
    }

    /// `ops-c@corp (SHA256:abcdefgh…)`, or the unsigned seat as it is.
    pub fn described(&self) -> String {
        match &self.key {
            Some(key) => format!("{} ({})", self.name, short_key(key)),
            None => self.name.clone(),
        }
    }
}

/// `SHA256:` and the first 12 characters of a fingerprint: enough to tell keys apart.
pub(crate) fn short_key(fingerprint: &str) -> String {
    let kept: String = fingerprint.chars().take(7 + 12).collect();
    if kept.len() < fingerprint.len() {
        format!("{kept}…")
    } else {
        kept
    }
}

#[derive(Clone, Debug)]
pub struct ConfirmRecord {
    pub ts: String,
    pub line: usize,
    pub by: Actor,
    pub note: Option<String>,
    pub checklist: Vec<String>,
    /// A person at the terminal, or `--confirm` on the command line (none in older journals).
    pub via: Option<ConfirmVia>,
}

#[derive(Clone, Debug)]
pub struct DecisionRecord {
    pub ts: String,
    pub line: usize,
    pub step: String,
    pub by: Actor,
    pub decision: Decision,
    /// Made by `cutover resume` about a step that was running when the run stopped.
    pub on_resume: bool,
}

#[derive(Clone, Debug)]
pub struct ControllerRecord {
    /// When it happened (the change's own time; the entry may be written later).
    pub ts: String,
    pub line: usize,
    pub change: crate::engine::controller_change::ControllerChange,
    /// Who sat: the person whose key signed the attach, or the unsigned seat.
    pub who: Actor,
}

#[derive(Clone, Debug)]
pub struct NoteRecord {
    pub ts: String,
    pub line: usize,
    pub step: Option<String>,
    pub by: Actor,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct WindowRecord {
    pub ts: String,
    pub action: crate::journal::entry::WindowMark,
    pub duration_ms: Option<u64>,
    pub overrun_ms: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct SuspendRecord {
    pub ts: String,
    pub reason: String,
    pub next_step: Option<String>,
}

/// Where a step ended up, decisions included: a skip is a skip, never a pass.
#[derive(Clone, Debug, PartialEq)]
pub enum StepEnding {
    Passed,
    Simulated,
    Failed,
    /// Failed, and the policy `continue` went on past it.
    FailedContinued,
    Skipped(String),
    DoneManually(String),
    /// Its `when` condition (given) was false: it did not run, by the runbook, not a person.
    NotApplicable(String),
    /// Started, no result: the process stopped while it ran.
    Interrupted,
    /// No result among the trusted entries of a TAMPERED journal: what followed is unknown.
    Untrusted,
}

impl StepEnding {
    /// The word used in reports and the review.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Simulated => "simulated",
            Self::Failed => "failed",
            Self::FailedContinued => "failed, continued",
            Self::Skipped(_) => "skipped",
            Self::NotApplicable(_) => "not applicable",
            Self::DoneManually(_) => "done manually",
            Self::Interrupted => "interrupted",
            Self::Untrusted => "unknown (untrusted)",
        }
    }
}

impl StepRecord {
    /// The last attempt's result, then what was decided about it.
    pub fn outcome(&self, decisions: &[DecisionRecord]) -> StepEnding {
        let mut outcome = match self.attempts.last() {
            None if self.not_applicable.is_some() => {
                StepEnding::NotApplicable(self.not_applicable.clone().unwrap_or_default())
            }
            // Nothing started: at most a dangerous step's phrase was typed before the run
            // stopped. A confirmation is not a result.
            None => StepEnding::Interrupted,
            Some(attempt) => match &attempt.result {
                None => StepEnding::Interrupted,
                Some((_, result)) => match result.status {
                    StepStatus::Passed => StepEnding::Passed,
                    StepStatus::Simulated => StepEnding::Simulated,
                    StepStatus::Skipped => StepEnding::Skipped(result.message.clone()),
                    StepStatus::DoneManually => StepEnding::DoneManually(result.message.clone()),
                    StepStatus::Failed => StepEnding::Failed,
                },
            },
        };
        let last_attempt_line = self.attempts.last().map_or(0, |a| a.line);
        for &index in &self.decisions {
            let decided = &decisions[index];
            if decided.line < last_attempt_line {
                continue;
            }
            outcome = match &decided.decision {
                Decision::Skip { reason } => StepEnding::Skipped(reason.clone()),
                Decision::MarkDone { evidence } => StepEnding::DoneManually(evidence.clone()),
                Decision::Policy {
                    action: PolicyAction::Continue,
                    ..
                } => StepEnding::FailedContinued,
                _ => outcome,
            };
        }
        outcome
    }

    /// Time spent in the step, every attempt together.
    pub fn duration_ms(&self) -> Option<u64> {
        let durations: Vec<u64> = self
            .attempts
            .iter()
            .filter_map(|a| a.result.as_ref().map(|(_, r)| r.duration_ms))
            .collect();
        (!durations.is_empty()).then(|| durations.iter().sum())
    }

    pub fn expected_ms(&self) -> Option<u64> {
        self.attempts
            .iter()
            .rev()
            .find_map(|a| a.result.as_ref().and_then(|(_, r)| r.expected_ms))
    }
}

impl RunHistory {
    /// When the header was written: the first session's start.
    pub fn started(&self) -> &str {
        &self.sessions[0].started
    }

    /// The last trusted entry's time.
    pub fn last_ts(&self) -> &str {
        self.timeline
            .last()
            .map_or(self.started(), |entry| &entry.ts)
    }

    /// A step's outcome as far as the trusted entries say: on a TAMPERED journal a missing
    /// result is unknown, not proof that the process stopped.
    pub fn outcome_of(&self, step: &StepRecord) -> StepEnding {
        match step.outcome(&self.decisions) {
            StepEnding::Interrupted if self.trust.verdict == Verdict::Tampered => {
                StepEnding::Untrusted
            }
            outcome => outcome,
        }
    }

    pub fn step(&self, id: &str) -> Option<&StepRecord> {
        self.steps.iter().find(|step| step.id == id)
    }

    /// The principal of a session.
    pub fn who(&self, session: usize) -> &str {
        self.sessions
            .get(session)
            .map_or("?", |s| s.operator.principal.as_str())
    }

    /// How the run ended, as far as the trusted entries say.
    pub fn status_word(&self) -> &'static str {
        if let Some((_, footer)) = &self.footer {
            return footer.status.as_str();
        }
        if self.trust.verdict == Verdict::Tampered {
            return "unknown (untrusted)";
        }
        let suspended_last = self
            .timeline
            .iter()
            .rev()
            .find(|e| e.kind != EntryKind::Checkpoint)
            .is_some_and(|e| e.kind == EntryKind::Suspend);
        if suspended_last {
            "suspended"
        } else {
            "interrupted"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::decision::PolicySource;
    use crate::protocol::status::StepStatus;

    fn attempt(line: usize, status: Option<StepStatus>) -> AttemptRecord {
        AttemptRecord {
            number: 1,
            line,
            started: String::new(),
            session: 0,
            action: String::new(),
            hosts: Vec::new(),
            approvals: Vec::new(),
            result: status.map(|status| {
                (
                    String::new(),
                    StepResultBody {
                        step: "s".into(),
                        attempt: 1,
                        stage: None,
                        status,
                        duration_ms: 10,
                        expected_ms: None,
                        exit_code: None,
                        http_status: None,
                        message: "m".into(),
                        output: None,
                        tail: vec![],
                        captures: Default::default(),
                    },
                )
            }),
            stages: vec![],
            probes: vec![],
            metrics: vec![],
        }
    }

    fn step(attempts: Vec<AttemptRecord>, decisions: Vec<usize>) -> StepRecord {
        StepRecord {
            id: "s".into(),
            title: "S".into(),
            kind: Some(crate::protocol::step_kind::StepKind::Command),
            rollback: false,
            phase: None,
            attempts,
            confirmations: vec![],
            decisions,
            notes: vec![],
            not_applicable: None,
        }
    }

    fn decided(line: usize, decision: Decision) -> DecisionRecord {
        DecisionRecord {
            ts: String::new(),
            line,
            step: "s".into(),
            by: Actor::signed("alice", "SHA256:a"),
            decision,
            on_resume: false,
        }
    }

    #[test]
    fn a_skip_after_a_failure_is_a_skip_never_a_pass() {
        let decisions = vec![decided(
            3,
            Decision::Skip {
                reason: "not needed".into(),
            },
        )];
        let skipped = step(vec![attempt(1, Some(StepStatus::Failed))], vec![0]);
        assert_eq!(
            skipped.outcome(&decisions),
            StepEnding::Skipped("not needed".into())
        );
    }

    #[test]
    fn a_retry_that_passes_is_a_pass_and_a_continued_failure_stays_a_failure() {
        let decisions = vec![
            decided(2, Decision::Retry),
            decided(
                9,
                Decision::Policy {
                    action: PolicyAction::Continue,
                    from: PolicySource::Runbook,
                },
            ),
        ];
        let retried = step(
            vec![
                attempt(1, Some(StepStatus::Failed)),
                attempt(3, Some(StepStatus::Passed)),
            ],
            vec![0],
        );
        assert_eq!(retried.outcome(&decisions), StepEnding::Passed);
        assert_eq!(retried.duration_ms(), Some(20), "both attempts count");
        let continued = step(vec![attempt(5, Some(StepStatus::Failed))], vec![1]);
        assert_eq!(continued.outcome(&decisions), StepEnding::FailedContinued);
        let interrupted = step(vec![attempt(5, None)], vec![]);
        assert_eq!(interrupted.outcome(&decisions), StepEnding::Interrupted);
    }

    #[test]
    fn a_dangerous_step_confirmed_but_never_started_did_not_pass() {
        let mut confirmed = step(vec![], vec![]);
        confirmed.confirmations.push(ConfirmRecord {
            ts: String::new(),
            line: 4,
            by: Actor::signed("alice", "SHA256:a"),
            note: None,
            checklist: vec!["migrate prod".into()],
            via: Some(ConfirmVia::Terminal),
        });
        assert_eq!(confirmed.outcome(&[]), StepEnding::Interrupted);
    }
}
