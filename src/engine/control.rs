//! The protocol, part two: what the TUI or the headless responder answers to a [`Prompt`].
//!
//! [`Prompt`]: super::events::Prompt

use serde::{Deserialize, Serialize};

use super::interrupt::Interrupt;
use crate::protocol::decision::{ConfirmVia, PolicyAction};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "control", rename_all = "kebab-case")]
pub enum Control {
    /// Enter: run the shown step.
    Proceed,
    /// The typed phrase of a dangerous step (with the note of `--confirm STEP=NOTE`).
    Phrase {
        text: String,
        note: Option<String>,
        via: ConfirmVia,
    },
    /// A manual step done: the ticked checklist items and the note.
    Confirm {
        checklist: Vec<String>,
        note: Option<String>,
        via: ConfirmVia,
    },
    /// A decision step's answer: the option chosen.
    Choose {
        option: String,
        via: ConfirmVia,
    },
    /// An input step's answer.
    Input {
        value: String,
        via: ConfirmVia,
    },
    /// A manual step that `can_fail` did not work, with what happened (the note).
    NotDone {
        note: String,
        via: ConfirmVia,
    },
    /// A failure answered by a policy given in advance (`--on-failure`), not by a person.
    Policy {
        action: PolicyAction,
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
    /// A note from the operator, journaled as itself; never an answer to a question.
    Note {
        step: Option<String>,
        text: String,
    },
    /// Who holds the controls changed: journaled as it comes, never an answer. Only the
    /// engine's own socket server sends it; a client's control of this kind is refused there.
    Controller {
        change: Box<super::controller_change::ControllerChange>,
    },
    /// What became of a notification: journaled as it comes, never an answer. Only the run's
    /// own notifier sends it.
    Notified {
        delivery: Box<crate::protocol::delivery::Delivery>,
    },
    /// Ctrl-C, SIGTERM, SIGHUP or the TUI's own: acts on the running step, not at the next
    /// question ([`super::controller::Controller`] routes it).
    Interrupt {
        interrupt: Interrupt,
    },
}

/// The next control that answers something. Notes and changes of controller that arrive
/// meanwhile are journaled as they come and never taken for an answer.
pub(crate) async fn next_answer(
    controls: &mut super::control_queue::ControlQueue,
    emitter: &mut super::emitter::Emitter,
) -> Result<Option<Control>, super::emitter::RecordError> {
    while let Some(control) = controls.recv().await {
        if let Some(answer) = record_aside(control, emitter).await? {
            return Ok(Some(answer));
        }
    }
    Ok(None)
}

/// Journals a control that is not an answer (a note, a change of controller); any other
/// control is given back to the caller.
pub(crate) async fn record_aside(
    control: Control,
    emitter: &mut super::emitter::Emitter,
) -> Result<Option<Control>, super::emitter::RecordError> {
    match control {
        Control::Note { step, text } => {
            emitter
                .emit(super::events::Event::Noted { step, text })
                .await?;
            Ok(None)
        }
        Control::Controller { change } => {
            emitter
                .emit(super::events::Event::Controller(*change))
                .await?;
            Ok(None)
        }
        Control::Notified { delivery } => {
            emitter
                .emit(super::events::Event::Notified { delivery })
                .await?;
            Ok(None)
        }
        other => Ok(Some(other)),
    }
}
