//! What a deadline does when it passes with nobody having acted: the runbook says it, the
//! engine does it, the console and the socket's watchers show it.

use serde::{Deserialize, Serialize};

/// What a manual step's or an approval wait's deadline does when it passes: only what the
/// runbook says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDeadline {
    Abort,
    Rollback,
    /// The step is left undone (skipped) and the run goes on.
    Continue,
}

impl OnDeadline {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Abort => "abort",
            Self::Rollback => "rollback",
            Self::Continue => "continue",
        }
    }
}

impl std::fmt::Display for OnDeadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
