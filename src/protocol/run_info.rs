//! The run as a screen needs it before the engine says anything: what the start screen and
//! the header show, and what a client attaching to a live run is sent first.

use std::time::Duration;

use super::mode::Mode;
use super::step_kind::StepKind;

/// What the start screen and the header know before the engine says anything; what a client
/// attaching to a live run is sent first.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RunInfo {
    pub title: String,
    pub runbook: String,
    pub description: String,
    pub environment: Option<String>,
    pub mode: Mode,
    pub operator: String,
    pub key_fingerprint: String,
    pub run_dir: String,
    pub expected: Option<Duration>,
    pub steps: Vec<StepInfo>,
    /// How long the rollback is expected to take: its p90 over earlier drills, else the sum of
    /// its steps' `expected_duration`s.
    #[serde(default)]
    pub rollback_ms: Option<u64>,
    /// Where the steps' estimates come from, for the header (`4 earlier drills`).
    #[serde(default)]
    pub estimates_from: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct StepInfo {
    pub id: String,
    pub title: String,
    pub phase: String,
    pub kind: StepKind,
    pub description: String,
    pub rollback: bool,
    /// How long it usually takes: its p50 over earlier runs of the same kind and target, else
    /// its `expected_duration`.
    #[serde(default)]
    pub estimate_ms: Option<u64>,
}
