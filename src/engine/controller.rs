//! The one way into the engine: every front end (the TUI, the headless responder, the signal
//! watch, later a client attached over a socket) sends [`Control`]s through a [`Controller`].
//! Interrupts are controls too, but they must reach a step that is running, not wait for the
//! next question: the controller routes them to the interrupt watch at once and queues the
//! rest for the engine's next prompt.

use tokio::sync::{mpsc, watch};

use super::control::Control;
use super::interrupt::{Interrupt, InterruptReceiver, InterruptSender, interrupt_channel};

#[derive(Clone)]
pub struct Controller {
    answers: mpsc::UnboundedSender<Control>,
    interrupts: InterruptSender,
    interrupt_state: InterruptReceiver,
}

/// The engine's end: queued answers, the interrupt watch and, for a run people attach to,
/// whether anyone holds the controls.
pub struct ControlIntake {
    pub answers: mpsc::UnboundedReceiver<Control>,
    pub interrupt: InterruptReceiver,
    /// `None`: the front end is always there (headless answers, the engine's benchmark).
    pub presence: Option<watch::Receiver<bool>>,
    /// Where approvals arrive from the run's socket; the launch hands the same desk to it.
    pub approvals: crate::approval::desk::ApprovalDesk,
    /// Spends a step's stop once the step has stopped.
    pub(crate) stop_spent: super::interrupt::InterruptSender,
}

pub fn control_channel() -> (Controller, ControlIntake) {
    let (answers_tx, answers) = mpsc::unbounded_channel();
    let (interrupts, interrupt) = interrupt_channel();
    let stop_spent = interrupts.clone();
    (
        Controller {
            answers: answers_tx,
            interrupts,
            interrupt_state: interrupt.clone(),
        },
        ControlIntake {
            answers,
            interrupt,
            presence: None,
            approvals: Default::default(),
            stop_spent,
        },
    )
}

/// A run whose controls are held by clients that come and go: the engine starts no step while
/// the returned sender says nobody holds them (it starts out saying so).
pub(crate) fn attachable_control_channel() -> (Controller, ControlIntake, watch::Sender<bool>) {
    let (controller, mut intake) = control_channel();
    let (present, presence) = watch::channel(false);
    intake.presence = Some(presence);
    (controller, intake, present)
}

impl Controller {
    /// Sends a control; false once the engine has stopped listening.
    pub fn send(&self, control: Control) -> bool {
        match control {
            Control::Interrupt { interrupt } => {
                self.interrupts.raise(interrupt);
                // A question waiting for an answer ends too: a terminal run's engine with
                // nobody attached waits at one, and SIGTERM must still stop it.
                let ends_the_question = match interrupt {
                    Interrupt::AbortNow | Interrupt::KillNow => Some(Control::Abort),
                    Interrupt::SuspendAfterStep => Some(Control::Suspend {
                        reason: "hang-up (SIGHUP) while waiting for an answer".into(),
                    }),
                    // A question is no running step: there is nothing to stop.
                    Interrupt::StopStep | Interrupt::None => None,
                };
                if let Some(control) = ends_the_question {
                    let _ = self.answers.send(control);
                }
                true
            }
            other => self.answers.send(other).is_ok(),
        }
    }

    /// The strongest interrupt raised so far: a second Ctrl-C escalates from it.
    pub fn interrupt(&self) -> Interrupt {
        self.interrupt_state.current()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupt_reaches_the_watch_at_once_and_ends_a_waiting_question() {
        let (controller, mut intake) = control_channel();
        assert!(controller.send(Control::Interrupt {
            interrupt: Interrupt::AbortNow
        }));
        assert_eq!(intake.interrupt.current(), Interrupt::AbortNow);
        assert_eq!(controller.interrupt(), Interrupt::AbortNow);
        assert_eq!(intake.answers.try_recv().unwrap(), Control::Abort);
        assert!(intake.answers.try_recv().is_err());
        assert!(controller.send(Control::Proceed));
        assert_eq!(intake.answers.try_recv().unwrap(), Control::Proceed);
    }
}
