//! The protocol between the engine and its consumers, part one: what the engine tells them.
//!
//! These types are the interface between the engine and the journal, the TUI and the headless
//! reporter. They are plain serde data so that the same engine could run detached, with clients
//! attaching over a socket. No secret value ever appears in an event: commands and requests are
//! carried in their display form (`***` for secrets) and output lines are scrubbed first.

use serde::{Deserialize, Serialize};

use crate::runbook::kinds::window::WindowAction;

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
    /// A policy decided, not a person: the step's `on_failure`, or `--on-failure` given on
    /// the command line of a headless run.
    Policy {
        action: PolicyAction,
        /// Journals written before this field have none: their policies were the runbook's.
        #[serde(default)]
        from: PolicySource,
    },
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
    /// How a person reads it: "the runbook's policy", "--on-failure on the command line".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Runbook => "the runbook's policy",
            Self::CommandLine => "--on-failure on the command line",
        }
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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
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
        kind: String,
        attempt: u32,
        /// The resolved command or request, secrets masked.
        action: String,
        rollback: bool,
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
            Self::Output { .. } | Self::Progress { .. } | Self::Waiting(_)
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
    }
}
