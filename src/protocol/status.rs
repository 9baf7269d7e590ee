//! What became of a step, a host of a step, a service and a run: the words the journal
//! writes, and the words people read.

use serde::{Deserialize, Serialize};

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
