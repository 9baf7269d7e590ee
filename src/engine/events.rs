//! The protocol between the engine and its consumers, part one: what the engine tells them.
//!
//! These types are the interface between the engine and the journal, the TUI and the headless
//! reporter. They are plain serde data so that the same engine could run detached, with clients
//! attaching over a socket. No secret value ever appears in an event: commands and requests are
//! carried in their display form (`***` for secrets) and output lines are scrubbed first.

use serde::{Deserialize, Serialize};

use crate::runbook::kinds::window::WindowAction;
use crate::runbook::model::StepKind;

/// How the run was started; decides the journal's mode and signing namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Production,
    Drill,
    DryRun,
}

impl Mode {
    /// The word the journal writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Production => "production",
            Mode::Drill => "drill",
            Mode::DryRun => "dry-run",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Passed,
    Failed,
    Skipped,
    Simulated,
    DoneManually,
}

impl StepStatus {
    /// The word the journal writes.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Passed => "passed",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
            StepStatus::Simulated => "simulated",
            StepStatus::DoneManually => "done-manually",
        }
    }
}

/// What became of one host of a step run over ssh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostStatus {
    Passed,
    Failed,
    /// ssh could not reach it (exit 255): a failed host.
    Unreachable,
    /// Not run: it failed at an earlier step of the run (within `max_fail`) and left the run.
    Excluded,
}

impl HostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Unreachable => "unreachable",
            Self::Excluded => "excluded",
        }
    }

    /// It counts against `max_fail`.
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Unreachable)
    }
}

impl std::fmt::Display for HostStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The word for people: the timeline, the progress lines, the reports.
impl std::fmt::Display for StepStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StepStatus::DoneManually => "done manually",
            other => other.as_str(),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    Passed,
    Failed,
    RolledBack,
    Aborted,
    Suspended,
}

impl RunStatus {
    /// The word the journal writes.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Passed => "passed",
            RunStatus::Failed => "failed",
            RunStatus::RolledBack => "rolled-back",
            RunStatus::Aborted => "aborted",
            RunStatus::Suspended => "suspended",
        }
    }
}

/// The word for people: "the run rolled back".
impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RunStatus::RolledBack => "rolled back",
            other => other.as_str(),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// The raw output of one step attempt, kept in `output/` and named by its digest. The durable
/// consumer syncs the file before it records the event that names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    /// Relative to the run folder, e.g. `output/backup.1.log`.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What the operator decided, each journaled as itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "choice", rename_all = "kebab-case")]
pub enum Decision {
    Retry,
    Skip {
        reason: String,
    },
    MarkDone {
        evidence: String,
    },
    Rollback,
    Abort,
    /// A person answered a `decision` step: the option and what it does.
    Chose {
        option: String,
        action: crate::runbook::kinds::decision::OptionAction,
        via: ConfirmVia,
    },
    /// Nobody answered a `decision` step by its deadline: its default was taken — the
    /// engine's doing, never anyone's choice.
    Deadline {
        option: String,
        action: crate::runbook::kinds::decision::OptionAction,
    },
    /// A policy decided, not a person: the step's `on_failure`, or `--on-failure` given on
    /// the command line of a headless run.
    Policy {
        action: PolicyAction,
        /// Journals written before this field have none: their policies were the runbook's.
        #[serde(default)]
        from: PolicySource,
    },
}

impl Decision {
    /// The `choice` the journal writes.
    pub fn choice(&self) -> &'static str {
        match self {
            Self::Retry => "retry",
            Self::Skip { .. } => "skip",
            Self::MarkDone { .. } => "mark-done",
            Self::Rollback => "rollback",
            Self::Abort => "abort",
            Self::Chose { .. } => "chose",
            Self::Deadline { .. } => "deadline",
            Self::Policy { .. } => "policy",
        }
    }
}

/// A decision as people read it, everywhere it is shown: `skip — the backup was taken by hand`.
impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Retry => f.write_str("retry"),
            Self::Skip { reason } => write!(f, "skip — {reason}"),
            Self::MarkDone { evidence } => write!(f, "mark done by hand — {evidence}"),
            Self::Rollback => f.write_str("roll back"),
            Self::Abort => f.write_str("abort"),
            Self::Chose { option, action, .. } if option == action.as_str() => {
                write!(f, "chose {option}")
            }
            Self::Chose { option, action, .. } => {
                write!(f, "chose `{option}` ({})", action.as_str())
            }
            Self::Deadline { option, action } if option == action.as_str() => {
                write!(f, "no answer by the deadline: {option}")
            }
            Self::Deadline { option, action } => {
                write!(
                    f,
                    "no answer by the deadline: `{option}` ({})",
                    action.as_str()
                )
            }
            Self::Policy { action, from } => write!(f, "{action} (by {from}, not a person)"),
        }
    }
}

/// What a failure policy did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyAction {
    Continue,
    Abort,
    Rollback,
}

impl PolicyAction {
    /// The word the journal writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Continue => "continue",
            Self::Abort => "abort",
            Self::Rollback => "rollback",
        }
    }
}

impl std::fmt::Display for PolicyAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a policy that decided came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicySource {
    /// The step's `on_failure` in the runbook.
    #[default]
    Runbook,
    /// `--on-failure` on the command line of a headless run (or the headless rule that a
    /// failing rollback step aborts).
    CommandLine,
}

impl PolicySource {
    /// The word the journal writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Runbook => "runbook",
            Self::CommandLine => "command-line",
        }
    }
}

/// How a person reads it: "the runbook's policy", "--on-failure on the command line".
impl std::fmt::Display for PolicySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Runbook => "the runbook's policy",
            Self::CommandLine => "--on-failure on the command line",
        })
    }
}

/// Where a confirmation came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfirmVia {
    /// A person at the terminal ticked, typed or pressed it.
    Terminal,
    /// `--confirm STEP[=NOTE]` given in advance on a headless command line.
    CommandLine,
}

impl ConfirmVia {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Terminal => "terminal",
            Self::CommandLine => "command-line",
        }
    }
}

impl std::fmt::Display for ConfirmVia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who gave an input's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputSource {
    /// The operator typed or chose it at the terminal.
    Terminal,
    /// `--input NAME=VALUE` on a headless command line.
    CommandLine,
    /// Nobody answered before the step's deadline: the runbook's default.
    Deadline,
}

impl InputSource {
    /// The word the journal writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Terminal => "terminal",
            Self::CommandLine => "command-line",
            Self::Deadline => "deadline",
        }
    }
}

impl std::fmt::Display for InputSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Terminal => "at the terminal",
            Self::CommandLine => "by --input on the command line",
            Self::Deadline => "by the runbook's default when the deadline passed",
        })
    }
}

/// A service's state, journaled as its own entry kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceState {
    Ready,
    Stopped,
}

impl ServiceState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Stopped => "stopped",
        }
    }
}

impl std::fmt::Display for ServiceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the engine is waiting for; answered by a [`super::control::Control`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "prompt", rename_all = "kebab-case")]
pub enum Prompt {
    /// Enter runs the shown step (default mode, or `confirm = true`).
    Run { step: String, command: String },
    /// A dangerous step: the operator types the phrase.
    Phrase {
        step: String,
        phrase: String,
        command: String,
    },
    /// A manual step: instructions, checklist, notes policy.
    Manual {
        step: String,
        instructions: String,
        checklist: Vec<String>,
        notes: crate::runbook::kinds::manual::NotesPolicy,
        /// The operator may report that it did not work.
        #[serde(default)]
        can_fail: bool,
        /// Seconds until nobody having confirmed does `on_deadline` (scaled for a drill).
        #[serde(default)]
        deadline_s: Option<u64>,
        #[serde(default)]
        on_deadline: Option<String>,
    },
    /// A failed step with policy `ask`.
    Failure {
        step: String,
        message: String,
        can_skip: bool,
        in_rollback: bool,
    },
    /// A wait the operator may skip.
    Wait { step: String, seconds: u64 },
    /// A go/no-go question: its options and what each does.
    Decision {
        step: String,
        question: String,
        options: Vec<crate::runbook::kinds::decision::DecisionOption>,
        /// Taken when the deadline passes unanswered.
        default: Option<String>,
        /// Seconds until then (scaled for a drill).
        deadline_s: Option<u64>,
    },
    /// An input step: a value for `variable`.
    Input {
        step: String,
        variable: String,
        question: String,
        /// The answers allowed, when it is a choice.
        options: Vec<String>,
        /// The pattern an answer must match, shown to the operator.
        pattern: Option<String>,
        default: Option<String>,
        secret: bool,
        /// Seconds until the default is taken (or the step fails) without an answer.
        deadline_s: Option<u64>,
    },
    /// A step that requires approvals waits for them: who has approved, who may still.
    Approvals {
        step: String,
        /// The run's id, for the `cutover approve RUN STEP` to show.
        run: String,
        required: u32,
        approved: Vec<crate::approval::record::ApproverRef>,
        /// The principals allowed to approve; anyone but those running the run when empty.
        approvers: Vec<String>,
        /// What is approved: the statement's body.
        statement: String,
        /// Seconds until `on_deadline` happens without them (scaled for a drill).
        deadline_s: Option<u64>,
        on_deadline: Option<String>,
    },
}

impl Prompt {
    /// The step it is about.
    pub fn step(&self) -> &str {
        match self {
            Self::Run { step, .. }
            | Self::Phrase { step, .. }
            | Self::Manual { step, .. }
            | Self::Failure { step, .. }
            | Self::Wait { step, .. }
            | Self::Input { step, .. }
            | Self::Decision { step, .. }
            | Self::Approvals { step, .. } => step,
        }
    }

    /// What it waits for, in words: `cutover ls` and the notifications say "waiting for …".
    pub fn waits_for(&self) -> &'static str {
        match self {
            Self::Run { .. } => "Enter to run the next step",
            Self::Phrase { .. } => "the phrase of a dangerous step",
            Self::Manual { .. } => "a manual step to confirm",
            Self::Failure { .. } => "a decision after a failure",
            Self::Wait { .. } => "the end of a wait (or a skip)",
            Self::Input { .. } => "an input",
            Self::Decision { .. } => "a decision",
            Self::Approvals { .. } => "approvals by other people",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Adjacently tagged: a variant's own fields (a delivery's `event`) can never collide with the
// tag, whatever a variant carries.
#[serde(tag = "event", content = "body", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run_id: String,
        runbook: String,
        title: String,
        mode: Mode,
        run_dir: String,
        /// Non-secret variables and their values.
        vars: Vec<(String, String)>,
        expected_ms: Option<u64>,
    },
    PhaseStarted {
        phase: String,
        title: String,
    },
    PhaseFinished {
        phase: String,
        duration_ms: u64,
        expected_ms: Option<u64>,
    },
    StepStarted {
        step: String,
        title: String,
        kind: StepKind,
        attempt: u32,
        /// The resolved command or request, secrets masked.
        action: String,
        rollback: bool,
        /// Who approved this action, when the step requires approvals.
        #[serde(default)]
        approvals: Vec<crate::approval::record::ApproverRef>,
        /// The wait those approvals answered (their statements name it).
        #[serde(default)]
        approval_wait: Option<String>,
    },
    /// Live output as it arrived: a chunk of whole lines (or a piece of a very long one),
    /// secrets scrubbed, decoded as lossy UTF-8; terminal escapes are left for the display to
    /// remove. Not journaled: the bytes are in the output file. One event per chunk read, so a
    /// flood of output never becomes a flood of events; displays split lines at their own pace.
    Output {
        step: String,
        stream: Stream,
        /// Shared, so that every display gets the chunk without a copy.
        text: std::sync::Arc<str>,
    },
    /// Progress that is only shown: countdowns, stages, probe samples so far.
    Progress {
        step: String,
        message: String,
    },
    /// One stage of a progressive rollout: its command's result and its gates.
    Stage {
        step: String,
        attempt: u32,
        stage: u8,
        duration_ms: u64,
        passed: bool,
        message: String,
        output: Option<OutputRecord>,
    },
    /// One sample of a metric gate, with its verdict.
    MetricSample(Box<super::metric_sample::MetricSample>),
    /// One measurement of an SLO probe.
    Probe {
        step: String,
        sample: u32,
        latency_ms: f64,
        status: Option<u16>,
        error: Option<String>,
    },
    StepResult {
        step: String,
        attempt: u32,
        status: StepStatus,
        duration_ms: u64,
        expected_ms: Option<u64>,
        exit_code: Option<i32>,
        http_status: Option<u16>,
        message: String,
        output: Option<OutputRecord>,
        /// The last lines of output, for failures.
        tail: Vec<String>,
        /// Variables the step captured (never secrets).
        captures: Vec<(String, String)>,
    },
    /// One host of a step run over ssh (or one host's turn through a rolling phase) ended.
    HostResult {
        step: String,
        attempt: u32,
        host: String,
        status: HostStatus,
        exit_code: Option<i32>,
        duration_ms: u64,
        message: String,
        output: Option<OutputRecord>,
    },
    Waiting(Prompt),
    Confirmed {
        step: String,
        note: Option<String>,
        checklist: Vec<String>,
        via: ConfirmVia,
    },
    Decided {
        step: String,
        decision: Decision,
    },
    Window {
        action: WindowAction,
        duration_ms: Option<u64>,
    },
    WindowOverrun {
        overrun_ms: u64,
    },
    Service {
        step: String,
        state: ServiceState,
    },
    /// A `when` condition was evaluated before a step: `value` false means the step is not
    /// applicable and does not run; no value means it could not be evaluated (`error`).
    Condition {
        step: String,
        /// Set when the condition is its phase's.
        phase: Option<String>,
        expression: String,
        value: Option<bool>,
        error: Option<String>,
    },
    /// An input step was answered. The value is absent when the input is secret.
    Answered {
        step: String,
        variable: String,
        value: Option<String>,
        by: InputSource,
    },
    /// Who holds the controls changed: a client attached, took over, or left.
    Controller(super::controller_change::ControllerChange),
    /// A notification was sent, or could not be.
    Notified {
        delivery: Box<crate::notify::outcome::Delivery>,
    },
    /// A person other than the operator approved a step, over a statement of exactly what it
    /// will do.
    Approved(Box<crate::approval::record::Approval>),
    /// On a run people attach to: nobody holds the controls, and `step` waits for someone to
    /// attach before it starts. Not journaled (each attach is): screens say it on the step's
    /// row, and notifiers tell people the run needs them.
    Unattended {
        step: String,
    },
    /// A note the operator typed.
    Noted {
        step: Option<String>,
        text: String,
    },
    Suspended {
        reason: String,
        next_step: Option<String>,
    },
    RunFinished {
        status: RunStatus,
        duration_ms: u64,
        /// Drills: from the first failure to the end of the rollback.
        recovery_ms: Option<u64>,
    },
}

impl Event {
    /// Events that record a side effect or a decision: the durable consumer must have them on
    /// disk before the engine starts the next side effect.
    pub fn is_durable(&self) -> bool {
        !matches!(
            self,
            Self::Output { .. }
                | Self::Progress { .. }
                | Self::Unattended { .. }
                | Self::Waiting(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serialized(value: impl Serialize) -> String {
        serde_json::to_value(value)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn each_word_is_the_one_the_journal_writes() {
        for mode in [Mode::Production, Mode::Drill, Mode::DryRun] {
            assert_eq!(mode.as_str(), serialized(mode));
        }
        for status in [
            StepStatus::Passed,
            StepStatus::Failed,
            StepStatus::Skipped,
            StepStatus::Simulated,
            StepStatus::DoneManually,
        ] {
            assert_eq!(status.as_str(), serialized(status));
        }
        for status in [
            RunStatus::Passed,
            RunStatus::Failed,
            RunStatus::RolledBack,
            RunStatus::Aborted,
            RunStatus::Suspended,
        ] {
            assert_eq!(status.as_str(), serialized(status));
        }
        for action in [
            PolicyAction::Continue,
            PolicyAction::Abort,
            PolicyAction::Rollback,
        ] {
            assert_eq!(action.as_str(), serialized(action));
            assert_eq!(action.to_string(), action.as_str());
        }
        for source in [PolicySource::Runbook, PolicySource::CommandLine] {
            assert_eq!(source.as_str(), serialized(source));
        }
        for via in [ConfirmVia::Terminal, ConfirmVia::CommandLine] {
            assert_eq!(via.as_str(), serialized(via));
            assert_eq!(via.to_string(), via.as_str());
        }
        for state in [ServiceState::Ready, ServiceState::Stopped] {
            assert_eq!(state.as_str(), serialized(state));
            assert_eq!(state.to_string(), state.as_str());
        }
        for mode in [Mode::Production, Mode::Drill, Mode::DryRun] {
            assert_eq!(mode.to_string(), mode.as_str());
        }
    }

    #[test]
    fn each_decision_names_the_choice_the_journal_writes() {
        let policy = Decision::Policy {
            action: PolicyAction::Rollback,
            from: PolicySource::CommandLine,
        };
        for decision in [
            Decision::Retry,
            Decision::Skip { reason: "r".into() },
            Decision::MarkDone {
                evidence: "e".into(),
            },
            Decision::Rollback,
            Decision::Abort,
            policy.clone(),
        ] {
            let json = serde_json::to_value(&decision).unwrap();
            assert_eq!(json["choice"], decision.choice(), "{decision:?}");
        }
        assert_eq!(
            policy.to_string(),
            "rollback (by --on-failure on the command line, not a person)"
        );
    }

    #[test]
    fn people_read_the_statuses_in_words() {
        assert_eq!(StepStatus::DoneManually.to_string(), "done manually");
        assert_eq!(StepStatus::Passed.to_string(), "passed");
        assert_eq!(RunStatus::RolledBack.to_string(), "rolled back");
        assert_eq!(RunStatus::Aborted.to_string(), "aborted");
    }
}
