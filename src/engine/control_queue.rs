//! The engine's queue of controls: what front ends sent, in order, with room to hold back an
//! answer that arrived while the engine was only looking for notes and changes of controller
//! (the presence gate journals those before a step starts, and must not eat an answer meant
//! for the step's question).

use std::collections::VecDeque;

use tokio::sync::mpsc;

use super::control::{Control, record_aside};
use super::emitter::{Emitter, RecordError};

pub(crate) struct ControlQueue {
    receiver: mpsc::UnboundedReceiver<Control>,
    held: VecDeque<Control>,
}

impl ControlQueue {
    pub(crate) fn new(receiver: mpsc::UnboundedReceiver<Control>) -> Self {
        Self {
            receiver,
            held: VecDeque::new(),
        }
    }

    /// The next control: one held back first. Cancel-safe, like the channel's own `recv`.
    pub(crate) async fn recv(&mut self) -> Option<Control> {
        if let Some(control) = self.held.pop_front() {
            return Some(control);
        }
        self.receiver.recv().await
    }

    /// Journals the notes and changes of controller already queued; answers stay queued, in
    /// their order, for the question they answer.
    pub(crate) async fn record_asides(&mut self, emitter: &mut Emitter) -> Result<(), RecordError> {
        let mut answers = VecDeque::new();
        while let Some(control) = self
            .held
            .pop_front()
            .or_else(|| self.receiver.try_recv().ok())
        {
            if let Some(answer) = record_aside(control, emitter).await? {
                answers.push_back(answer);
            }
        }
        self.held = answers;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::controller_change::{ControllerChange, Seat, SeatAction};
    use crate::engine::events::Event;

    #[tokio::test]
    async fn asides_are_journaled_and_answers_kept_in_order() {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut queue = ControlQueue::new(receiver);
        sender.send(Control::Proceed).unwrap();
        sender
            .send(Control::Controller {
                change: Box::new(ControllerChange {
                    at: String::new(),
                    action: SeatAction::Attach,
                    seat: Seat::default(),
                    from: None,
                    person: None,
                }),
            })
            .unwrap();
        sender
            .send(Control::Note {
                step: None,
                text: "hi".into(),
            })
            .unwrap();
        sender.send(Control::Retry).unwrap();
        let mut emitter = Emitter::default();
        let mut seen = emitter.observe();
        queue.record_asides(&mut emitter).await.unwrap();
        assert!(matches!(seen.try_recv(), Ok(Event::Controller(_))));
        assert!(matches!(seen.try_recv(), Ok(Event::Noted { .. })));
        assert_eq!(queue.recv().await, Some(Control::Proceed));
        assert_eq!(queue.recv().await, Some(Control::Retry));
    }
}
