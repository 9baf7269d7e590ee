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
    /// An answer given to the question about `step`, as the screen showed it: the engine takes
    /// it only while it asks about that step. One that arrives after the engine has moved on
    /// (another controller answered, a deadline passed) is dropped, never applied to the next
    /// question: what the screen shows is what the key does.
    About {
        step: String,
        answer: Box<Control>,
    },
}

impl Control {
    /// The control itself, whichever question it was bound to.
    pub(crate) fn unbound(&self) -> &Control {
        match self {
            Control::About { answer, .. } => answer.unbound(),
            other => other,
        }
    }

    /// This control as an answer while the engine asks about `asked`: `None` when it was given
    /// to the question about another step.
    pub(crate) fn for_step(self, asked: &str) -> Option<Control> {
        match self {
            Control::About { step, answer } if step == asked => answer.for_step(asked),
            Control::About { .. } => None,
            other => Some(other),
        }
    }

    /// Whether the control answers the question on screen (and so is bound to its step);
    /// notes, suspends and the run's own bookkeeping are not answers to anything.
    pub(crate) fn answers_a_question(&self) -> bool {
        !matches!(
            self,
            Control::Note { .. }
                | Control::Suspend { .. }
                | Control::Controller { .. }
                | Control::Notified { .. }
                | Control::Interrupt { .. }
                | Control::Policy { .. }
                | Control::About { .. }
        )
    }
}

/// The next control that answers the question about `asked`. Notes and changes of controller
/// that arrive meanwhile are journaled as they come and never taken for an answer; an answer
/// given to the question about another step is dropped.
pub(crate) async fn next_answer(
    controls: &mut super::control_queue::ControlQueue,
    emitter: &mut super::emitter::Emitter,
    asked: &str,
) -> Result<Option<Control>, super::emitter::RecordError> {
    while let Some(control) = controls.recv().await {
        let Some(control) = control.for_step(asked) else {
            continue;
        };
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

#[cfg(test)]
mod about_tests {
    use super::*;
    use crate::engine::control_queue::ControlQueue;
    use crate::engine::emitter::Emitter;
    use tokio::sync::mpsc;

    fn about(step: &str, answer: Control) -> Control {
        Control::About {
            step: step.into(),
            answer: Box::new(answer),
        }
    }

    #[tokio::test]
    async fn an_answer_given_to_another_steps_question_is_dropped_never_applied() {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut queue = ControlQueue::new(receiver);
        let mut emitter = Emitter::default();
        // Enter pressed on `smoke-admin-user`'s question, which the engine has left behind;
        // then `a` on it; then Enter on the question the engine asks now.
        sender
            .send(about("smoke-admin-user", Control::Proceed))
            .unwrap();
        sender
            .send(about("smoke-admin-user", Control::Abort))
            .unwrap();
        sender
            .send(about("smoke-result", Control::Proceed))
            .unwrap();
        let answer = next_answer(&mut queue, &mut emitter, "smoke-result").await;
        assert_eq!(answer.unwrap(), Some(Control::Proceed));
        // Answers bound to nothing (the command line's, the engine's own) are taken as ever.
        sender.send(Control::Retry).unwrap();
        let answer = next_answer(&mut queue, &mut emitter, "smoke-result").await;
        assert_eq!(answer.unwrap(), Some(Control::Retry));
    }

    #[tokio::test]
    async fn a_note_bound_to_the_question_is_journaled_as_a_note_not_taken_for_an_answer() {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut queue = ControlQueue::new(receiver);
        let mut emitter = Emitter::default();
        let mut seen = emitter.observe();
        sender
            .send(about(
                "s",
                Control::Note {
                    step: None,
                    text: "hi".into(),
                },
            ))
            .unwrap();
        sender.send(about("s", Control::Proceed)).unwrap();
        let answer = next_answer(&mut queue, &mut emitter, "s").await;
        assert_eq!(answer.unwrap(), Some(Control::Proceed));
        assert!(matches!(
            seen.try_recv(),
            Ok(crate::engine::events::Event::Noted { .. })
        ));
    }

    #[test]
    fn what_a_control_is_whichever_question_it_was_bound_to() {
        let bound = about("s", Control::Rollback);
        assert_eq!(bound.unbound(), &Control::Rollback);
        assert!(Control::Rollback.answers_a_question());
        assert!(!Control::Suspend { reason: "r".into() }.answers_a_question());
        assert_eq!(bound.clone().for_step("s"), Some(Control::Rollback));
        assert_eq!(bound.for_step("t"), None);
    }
}
