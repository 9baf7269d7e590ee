//! How a run was started: production, drill or dry run. It decides the journal's mode and
//! its signing namespace.

use serde::{Deserialize, Serialize};

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
