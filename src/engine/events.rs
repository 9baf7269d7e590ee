//! The protocol between the engine and its consumers, part one: what the engine tells them.
//!
//! These types are the interface between the engine and the journal, the TUI and the headless
//! reporter. They are plain serde data so that the same engine could run detached, with clients
//! attaching over a socket. No secret value ever appears in an event: commands and requests are
//! carried in their display form (`***` for secrets) and output lines are scrubbed first.

use serde::{Deserialize, Serialize};

use crate::protocol::decision::{ConfirmVia, Decision, InputSource};
use crate::protocol::mode::Mode;
use crate::protocol::output::{OutputRecord, Stream};
use crate::protocol::status::{HostStatus, RunStatus, ServiceState, StepStatus};
use crate::protocol::step_kind::StepKind;
use crate::protocol::step_kind::WindowAction;

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
        on_deadline: Option<crate::protocol::on_deadline::OnDeadline>,
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
        approved: Vec<crate::protocol::approval::ApproverRef>,
        /// The principals allowed to approve; anyone but those running the run when empty.
        approvers: Vec<String>,
        /// What is approved: the statement's body.
        statement: String,
        /// Seconds until `on_deadline` happens without them (scaled for a drill).
        deadline_s: Option<u64>,
        on_deadline: Option<crate::protocol::on_deadline::OnDeadline>,
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
        approvals: Vec<crate::protocol::approval::ApproverRef>,
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
        delivery: Box<crate::protocol::delivery::Delivery>,
    },
    /// A person other than the operator approved a step, over a statement of exactly what it
    /// will do.
    Approved(Box<crate::protocol::approval::Approval>),
    /// On a run people attach to: nobody holds the controls, and `step` waits for someone to
    /// attach before it starts. Not journaled (each attach is): screens say it on the step's
    /// row, and notifiers tell people the run needs them.
    Unattended {
        step: String,
    },
    /// An attempt failed and the step will be tried again on its own, after `delay_ms`: "attempt
    /// 2 of 4 failed; the next in 4s". Not journaled (each attempt's start and result are).
    Retrying {
        step: String,
        /// The attempt that failed.
        attempt: u32,
        /// Every attempt the step may have: its retries, plus one.
        of: u32,
        delay_ms: u64,
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
                | Self::Retrying { .. }
                | Self::Waiting(_)
        )
    }
}
