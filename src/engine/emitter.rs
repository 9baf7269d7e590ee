//! Fan-out of events to the consumers. The durable consumer (the journal) acknowledges each
//! durable event once it is on disk; the engine awaits that before its next side effect. The
//! other consumers (TUI, headless reporter) get every event on unbounded channels: a slow
//! display never blocks the run and never loses an event.

use std::fmt;

use tokio::sync::{mpsc, oneshot};

use super::events::Event;

/// Why the durable consumer could not record an event. The run stops (exit 5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError(pub String);

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RecordError {}

/// A request to the durable consumer: record this event, then answer.
pub struct Record {
    pub event: Event,
    pub ack: oneshot::Sender<Result<(), RecordError>>,
}

/// The durable consumer's end, served on its own thread (see `journal`).
pub type DurableSender = mpsc::UnboundedSender<Record>;

#[derive(Default)]
pub struct Emitter {
    durable: Option<DurableSender>,
    observers: Vec<mpsc::UnboundedSender<Event>>,
}

impl Emitter {
    pub fn with_durable(mut self, durable: DurableSender) -> Self {
        self.durable = Some(durable);
        self
    }

    /// Adds a consumer that sees every event, and returns its receiving end.
    pub fn observe(&mut self) -> mpsc::UnboundedReceiver<Event> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.observers.push(sender);
        receiver
    }

    /// Shows a display-only event (live output, progress) without waiting: it is never
    /// journaled, so nothing needs to be acknowledged.
    pub fn show(&self, event: Event) {
        debug_assert!(!event.is_durable(), "durable events go through emit");
        for observer in &self.observers {
            let _ = observer.send(event.clone());
        }
    }

    /// Delivers an event. A durable event returns only once the durable consumer has it on
    /// disk; an error means it could not be recorded and the run must stop.
    pub async fn emit(&mut self, event: Event) -> Result<(), RecordError> {
        if event.is_durable()
            && let Some(durable) = &self.durable
        {
            let (ack, acked) = oneshot::channel();
            durable
                .send(Record {
                    event: event.clone(),
                    ack,
                })
                .map_err(|_| RecordError("the journal writer has stopped".into()))?;
            acked
                .await
                .map_err(|_| RecordError("the journal writer stopped before answering".into()))??;
        }
        // A closed observer (a TUI that quit) is no reason to stop the run.
        self.observers
            .retain(|observer| observer.send(event.clone()).is_ok());
        Ok(())
    }
}
