//! What was decided and by what: a person's choice, a deadline's default or a policy; where a
//! confirmation or an input came from; what a `decision` step's option does.

use serde::{Deserialize, Serialize};

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
        action: OptionAction,
        via: ConfirmVia,
    },
    /// Nobody answered a `decision` step by its deadline: its default was taken — the
    /// engine's doing, never anyone's choice.
    Deadline {
        option: String,
        action: OptionAction,
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

/// What an option does to the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionAction {
    /// The step passes; the run goes on.
    Go,
    Rollback,
    Abort,
    /// Nothing yet: the question is asked again (the deadline, if any, keeps running).
    Hold,
}

impl OptionAction {
    const WORDS: [(&'static str, OptionAction); 4] = [
        ("go", Self::Go),
        ("rollback", Self::Rollback),
        ("abort", Self::Abort),
        ("hold", Self::Hold),
    ];

    /// The action a runbook writes as `word`.
    pub fn of(word: &str) -> Option<Self> {
        Self::WORDS
            .iter()
            .find(|(name, _)| *name == word)
            .map(|(_, action)| *action)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Go => "go",
            Self::Rollback => "rollback",
            Self::Abort => "abort",
            Self::Hold => "hold",
        }
    }

    /// What it does, in words, for the screen.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Go => "the run goes on",
            Self::Rollback => "the run rolls back",
            Self::Abort => "the run stops here",
            Self::Hold => "wait, and be asked again",
        }
    }
}
