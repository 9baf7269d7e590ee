//! What kind of step a step is, and what a `window` step does to the maintenance window.

/// A step's kind, as the runbook writes it (`kind = "command"`) and the journal records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Command,
    Http,
    Manual,
    Env,
    Wait,
    Window,
    Progressive,
    Service,
    Input,
    Metric,
    Decision,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Http => "http",
            Self::Manual => "manual",
            Self::Env => "env",
            Self::Wait => "wait",
            Self::Window => "window",
            Self::Progressive => "progressive",
            Self::Service => "service",
            Self::Input => "input",
            Self::Metric => "metric",
            Self::Decision => "decision",
        }
    }

    /// It runs a process whose command line is shown before it runs.
    pub fn runs_a_command(self) -> bool {
        matches!(self, Self::Command | Self::Service | Self::Progressive)
    }
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a `window` step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowAction {
    Open,
    Close,
}
