//! The protocol, part two: what the TUI or the headless responder answers to a [`Prompt`].
//!
//! [`Prompt`]: super::events::Prompt

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "control", rename_all = "kebab-case")]
pub enum Control {
    /// Enter: run the shown step.
    Proceed,
    /// The typed phrase of a dangerous step.
    Phrase {
        text: String,
    },
    /// A manual step done: the ticked checklist items and the note.
    Confirm {
        checklist: Vec<String>,
        note: Option<String>,
    },
    Retry,
    Skip {
        reason: String,
    },
    MarkDone {
        evidence: String,
    },
    Rollback,
    Abort,
    /// Stop before the next step; the run can be resumed.
    Suspend {
        reason: String,
    },
}
