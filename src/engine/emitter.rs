//! Fan-out of events to the consumers. The durable consumer (the journal) acknowledges each
//! durable event once it is on disk; the engine awaits that before its next side effect. The
//! other consumers (TUI, headless reporter) get every event on unbounded channels, in the order
//! emitted and only once it is recorded: a slow display never blocks the run and never loses
//! an event, and never shows what the journal does not hold.
//!
//! An event may be emitted *deferred* when no side effect follows it before the next emit
//! (a step's result, followed by the next step's start): it is awaited with the next event, so
//! the journal can commit both with one sync.
//!
//! The durable consumer is reached one of two ways: on its own thread through a channel (the
//! TUI shares the engine's thread and must never wait on a disk), or called on the engine's
//! thread (headless runs, where the engine would only wait for the answer anyway).

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::events::Event;
use super::scrub::Scrubber;
use super::scrub_event::scrub_event;

/// Why the durable consumer could not record an event. The run stops (exit 5). The engine does
/// not know the journal's own error type (the journal is built on the engine, not the other way
/// round), so the consumer's error travels as its source, shared by every ack that reports it.
#[derive(Clone, Debug, thiserror::Error)]
pub enum RecordError {
    #[error("record the run in its journal")]
    Consumer(#[source] Arc<dyn std::error::Error + Send + Sync>),
    #[error("record the run in its journal: the journal writer stopped before answering")]
    WriterStopped,
    #[error("record the run in its journal: it was closed before the run ended")]
    Closed,
}

impl RecordError {
    pub fn consumer(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Consumer(Arc::new(err))
    }
}

impl PartialEq for RecordError {
    /// The same failure: the same shared source, or the same kind without one.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Consumer(a), Self::Consumer(b)) => Arc::ptr_eq(a, b),
            (Self::WriterStopped, Self::WriterStopped) | (Self::Closed, Self::Closed) => true,
            _ => false,
        }
    }
}

/// A request to the durable consumer: record this event, then answer.
pub struct Record {
    pub event: Event,
    pub ack: oneshot::Sender<Result<(), RecordError>>,
}

/// The durable consumer's end, served on its own thread (see `journal`).
pub(crate) type DurableSender = mpsc::UnboundedSender<Record>;

/// A durable consumer called on the engine's thread: records a batch of durable events in
/// order and returns once all of them are on disk.
pub trait InlineRecorder: Send {
    fn record_batch(&mut self, events: &[&Event]) -> Result<(), RecordError>;

    /// Whether recording `events` may wait for a person (their own client signs their act,
    /// at their pace): such a batch is recorded off the engine's thread, so that signals,
    /// notifications and the output of services are served meanwhile.
    fn waits_for_people(&self, _events: &[&Event]) -> bool {
        false
    }
}

enum Durable {
    Threaded(DurableSender),
    /// `None` only while a batch is being recorded off the engine's thread.
    Inline(Option<Box<dyn InlineRecorder>>),
}

/// Where an emitted event stands with the durable consumer.
enum Acknowledgement {
    /// Nothing to wait for: a display-only event, or no durable consumer.
    NotNeeded,
    /// Sent to the journal thread, which answers here.
    Awaited(oneshot::Receiver<Result<(), RecordError>>),
    /// Still to be recorded by the inline consumer, with its batch.
    ToRecord,
}

/// A deferred event: not yet acknowledged nor shown.
struct Pending {
    event: Event,
    acknowledgement: Acknowledgement,
}

#[derive(Default)]
pub struct Emitter {
    durable: Option<Durable>,
    observers: Vec<Observer>,
    pending: Vec<Pending>,
    /// Masks the run's secrets in every event before any consumer sees it.
    scrubber: Scrubber,
}

/// A consumer of events, and which ones it wants: one that ignores live output is not handed a
/// copy of every line.
struct Observer {
    events: mpsc::UnboundedSender<Event>,
    wants: fn(&Event) -> bool,
    /// For a consumer that may fall behind a flood of output (the run's socket): how much
    /// output may wait for it.
    output: Option<OutputAllowance>,
}

/// Output bytes handed to a consumer and not yet taken, and what was held back from it.
struct OutputAllowance {
    waiting: Arc<std::sync::atomic::AtomicUsize>,
    limit: usize,
    /// Output held back since the last chunk that went: said before the next one goes.
    held_back: std::sync::atomic::AtomicUsize,
}

/// The receiving end of [`Emitter::observe_bounded`]: events as they come, each output chunk
/// counted off the allowance when it is taken.
pub struct BoundedEvents {
    events: mpsc::UnboundedReceiver<Event>,
    waiting: Arc<std::sync::atomic::AtomicUsize>,
}

impl BoundedEvents {
    pub async fn recv(&mut self) -> Option<Event> {
        let event = self.events.recv().await?;
        self.taken(&event);
        Some(event)
    }

    pub fn try_recv(&mut self) -> Option<Event> {
        let event = self.events.try_recv().ok()?;
        self.taken(&event);
        Some(event)
    }

    fn taken(&self, event: &Event) {
        use std::sync::atomic::Ordering;
        if let Event::Output { text, .. } = event {
            let _ = self
                .waiting
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |waiting| {
                    Some(waiting.saturating_sub(text.len()))
                });
        }
    }
}

impl From<mpsc::UnboundedReceiver<Event>> for BoundedEvents {
    /// Events from a channel of one's own (a test's): nothing counted off any allowance.
    fn from(events: mpsc::UnboundedReceiver<Event>) -> Self {
        Self {
            events,
            waiting: Arc::default(),
        }
    }
}

impl Observer {
    /// Hands `event` over; `false` once the consumer is gone. Past its allowance, a consumer
    /// misses output (it is display only: the output file has every byte), and is told how
    /// much before the next chunk it gets.
    fn deliver(&self, event: &Event) -> bool {
        if !(self.wants)(event) {
            return true;
        }
        if let (Some(allowance), Event::Output { step, stream, text }) = (&self.output, event) {
            use std::sync::atomic::Ordering;
            let waiting = allowance.waiting.load(Ordering::Acquire);
            if waiting + text.len() > allowance.limit {
                allowance.held_back.fetch_add(text.len(), Ordering::AcqRel);
                return true;
            }
            let held_back = allowance.held_back.swap(0, Ordering::AcqRel);
            if held_back > 0 {
                let note = Event::Output {
                    step: step.clone(),
                    stream: *stream,
                    text: format!(
                        "\n[{held_back} bytes of output not shown here: the run wrote faster than it could be sent; the output file has every byte]\n"
                    )
                    .into(),
                };
                if let Event::Output { text, .. } = &note {
                    allowance.waiting.fetch_add(text.len(), Ordering::AcqRel);
                }
                if self.events.send(note).is_err() {
                    return false;
                }
            }
            allowance.waiting.fetch_add(text.len(), Ordering::AcqRel);
        }
        self.events.send(event.clone()).is_ok()
    }
}

impl Emitter {
    /// The secrets to mask in every event from now on (`engine/scrub_event.rs`).
    pub fn scrub_with(&mut self, scrubber: Scrubber) {
        self.scrubber = scrubber;
    }

    /// The durable consumer runs on its own thread, answering through the channel.
    pub fn with_durable(mut self, durable: DurableSender) -> Self {
        self.durable = Some(Durable::Threaded(durable));
        self
    }

    /// The durable consumer is called on the engine's thread.
    pub fn with_inline_durable(mut self, recorder: Box<dyn InlineRecorder>) -> Self {
        self.durable = Some(Durable::Inline(Some(recorder)));
        self
    }

    /// Adds a consumer that sees every event, and returns its receiving end.
    pub fn observe(&mut self) -> mpsc::UnboundedReceiver<Event> {
        self.observe_only(|_| true)
    }

    /// Adds a consumer that sees, in order, the events `wants` accepts.
    pub fn observe_only(&mut self, wants: fn(&Event) -> bool) -> mpsc::UnboundedReceiver<Event> {
        let (events, receiver) = mpsc::unbounded_channel();
        self.observers.push(Observer {
            events,
            wants,
            output: None,
        });
        receiver
    }

    /// Adds a consumer that sees every event, and at most `output_limit` bytes of output
    /// waiting for it: one that falls behind a flood misses output rather than holding it in
    /// memory, and is told how much it missed.
    pub fn observe_bounded(&mut self, output_limit: usize) -> BoundedEvents {
        let (events, receiver) = mpsc::unbounded_channel();
        let waiting = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        self.observers.push(Observer {
            events,
            wants: |_| true,
            output: Some(OutputAllowance {
                waiting: waiting.clone(),
                limit: output_limit,
                held_back: std::sync::atomic::AtomicUsize::new(0),
            }),
        });
        BoundedEvents {
            events: receiver,
            waiting,
        }
    }

    /// Shows a display-only event (live output, progress) without waiting: it is never
    /// journaled, so nothing needs to be acknowledged. Only steps show, and a step starts with
    /// an emit, so no deferred event is ever waiting ahead of it.
    pub fn show(&self, mut event: Event) {
        debug_assert!(!event.is_durable(), "durable events go through emit");
        scrub_event(&mut event, &self.scrubber);
        debug_assert!(
            self.pending.is_empty(),
            "a deferred event would be shown after this"
        );
        for observer in &self.observers {
            let _ = observer.deliver(&event);
        }
    }

    /// Delivers an event. A durable event returns only once the durable consumer has it on
    /// disk, with every deferred event before it; an error means it could not be recorded and
    /// the run must stop.
    pub async fn emit(&mut self, mut event: Event) -> Result<(), RecordError> {
        scrub_event(&mut event, &self.scrubber);
        let acknowledgement = self.send(&event)?;
        self.pending.push(Pending {
            event,
            acknowledgement,
        });
        self.flush().await
    }

    /// Hands a durable event to the journal without waiting for it: the next [`Self::emit`]
    /// or [`Self::flush`] awaits it. Only for an event after which the engine starts no side
    /// effect before its next emit.
    pub fn emit_deferred(&mut self, mut event: Event) -> Result<(), RecordError> {
        scrub_event(&mut event, &self.scrubber);
        let acknowledgement = self.send(&event)?;
        self.pending.push(Pending {
            event,
            acknowledgement,
        });
        Ok(())
    }

    /// Waits until every deferred event is recorded, then shows them in order.
    pub async fn flush(&mut self) -> Result<(), RecordError> {
        let pending = std::mem::take(&mut self.pending);
        if let Some(Durable::Inline(slot)) = &mut self.durable {
            let batch: Vec<&Event> = pending
                .iter()
                .filter(|p| matches!(p.acknowledgement, Acknowledgement::ToRecord))
                .map(|p| &p.event)
                .collect();
            if !batch.is_empty() {
                record_inline(slot, &batch).await?;
            }
        }
        for pending in pending {
            if let Acknowledgement::Awaited(answer) = pending.acknowledgement {
                answer.await.map_err(|_| RecordError::WriterStopped)??;
            }
            self.forward(&pending.event);
        }
        Ok(())
    }

    /// Hands a durable event to the journal thread, or marks it for the inline recorder.
    fn send(&self, event: &Event) -> Result<Acknowledgement, RecordError> {
        match (event.is_durable(), &self.durable) {
            (false, _) | (true, None) => Ok(Acknowledgement::NotNeeded),
            (true, Some(Durable::Inline(_))) => Ok(Acknowledgement::ToRecord),
            (true, Some(Durable::Threaded(durable))) => {
                let (ack, answer) = oneshot::channel();
                durable
                    .send(Record {
                        event: event.clone(),
                        ack,
                    })
                    .map_err(|_| RecordError::WriterStopped)?;
                Ok(Acknowledgement::Awaited(answer))
            }
        }
    }

    fn forward(&mut self, event: &Event) {
        // A closed observer (a TUI that quit) is no reason to stop the run.
        self.observers.retain(|observer| observer.deliver(event));
    }
}

/// Records a batch with the inline recorder: on the engine's thread, or — when it may wait
/// for a person — on a blocking thread the engine awaits, its other tasks served meanwhile.
async fn record_inline(
    slot: &mut Option<Box<dyn InlineRecorder>>,
    batch: &[&Event],
) -> Result<(), RecordError> {
    let recorder = slot.as_mut().ok_or(RecordError::WriterStopped)?;
    if !recorder.waits_for_people(batch) {
        return recorder.record_batch(batch);
    }
    let mut recorder = slot.take().ok_or(RecordError::WriterStopped)?;
    let owned: Vec<Event> = batch.iter().map(|event| (*event).clone()).collect();
    let (recorder, recorded) = tokio::task::spawn_blocking(move || {
        let events: Vec<&Event> = owned.iter().collect();
        let recorded = recorder.record_batch(&events);
        (recorder, recorded)
    })
    .await
    .map_err(|_| RecordError::WriterStopped)?;
    *slot = Some(recorder);
    recorded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One failure, shared like the journal's first failure is: equal to itself only.
    fn disk_full() -> RecordError {
        static DISK_FULL: std::sync::LazyLock<RecordError> =
            std::sync::LazyLock::new(|| RecordError::consumer(std::io::Error::other("disk full")));
        DISK_FULL.clone()
    }
    use crate::protocol::output::Stream;

    fn durable_event() -> Event {
        Event::PhaseStarted {
            phase: "p".into(),
            title: "P".into(),
        }
    }

    #[tokio::test]
    async fn a_durable_event_returns_only_after_the_acknowledgement() {
        let (sender, mut records) = mpsc::unbounded_channel::<Record>();
        let mut emitter = Emitter::default().with_durable(sender);
        let mut observer = emitter.observe();
        let emitting = tokio::spawn(async move {
            emitter.emit(durable_event()).await.unwrap();
            emitter
        });
        let record = records.recv().await.unwrap();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(
            !emitting.is_finished(),
            "emit returned before the record was acknowledged"
        );
        assert!(
            observer.try_recv().is_err(),
            "the display saw an unrecorded event"
        );
        record.ack.send(Ok(())).unwrap();
        emitting.await.unwrap();
        assert_eq!(observer.try_recv().unwrap(), durable_event());
    }

    #[tokio::test]
    async fn a_failed_record_is_an_error_and_nothing_is_shown() {
        let (sender, mut records) = mpsc::unbounded_channel::<Record>();
        let mut emitter = Emitter::default().with_durable(sender);
        let mut observer = emitter.observe();
        tokio::spawn(async move {
            let record = records.recv().await.unwrap();
            record.ack.send(Err(disk_full())).unwrap();
        });
        assert_eq!(emitter.emit(durable_event()).await, Err(disk_full()));
        assert!(observer.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_deferred_event_is_committed_with_the_next_and_shown_only_after_both() {
        let (sender, mut records) = mpsc::unbounded_channel::<Record>();
        let mut emitter = Emitter::default().with_durable(sender);
        let mut observer = emitter.observe();
        let result = Event::PhaseStarted {
            phase: "result".into(),
            title: String::new(),
        };
        emitter.emit_deferred(result.clone()).unwrap();
        assert!(
            observer.try_recv().is_err(),
            "not shown before it is recorded"
        );
        let emitting = tokio::spawn(async move {
            emitter.emit(durable_event()).await.unwrap();
            emitter
        });
        // Both records are with the journal before either is acknowledged: one group commit.
        let first = records.recv().await.unwrap();
        let second = records.recv().await.unwrap();
        assert_eq!(first.event, result);
        assert_eq!(second.event, durable_event());
        first.ack.send(Ok(())).unwrap();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!emitting.is_finished(), "emit waits for its own record too");
        second.ack.send(Ok(())).unwrap();
        emitting.await.unwrap();
        assert_eq!(observer.try_recv().unwrap(), result);
        assert_eq!(observer.try_recv().unwrap(), durable_event());
    }

    #[tokio::test]
    async fn a_deferred_event_that_fails_stops_the_next_emit() {
        let (sender, mut records) = mpsc::unbounded_channel::<Record>();
        let mut emitter = Emitter::default().with_durable(sender);
        emitter.emit_deferred(durable_event()).unwrap();
        tokio::spawn(async move {
            while let Some(record) = records.recv().await {
                let _ = record.ack.send(Err(disk_full()));
            }
        });
        assert_eq!(emitter.emit(durable_event()).await, Err(disk_full()));
    }

    /// An inline recorder that keeps each batch it was given, or fails every batch.
    #[derive(Clone, Default)]
    struct BatchLog {
        batches: std::sync::Arc<std::sync::Mutex<Vec<Vec<Event>>>>,
        fail: bool,
    }

    impl InlineRecorder for BatchLog {
        fn record_batch(&mut self, events: &[&Event]) -> Result<(), RecordError> {
            self.batches
                .lock()
                .unwrap()
                .push(events.iter().map(|e| (*e).clone()).collect());
            if self.fail { Err(disk_full()) } else { Ok(()) }
        }
    }

    impl BatchLog {
        fn batches(&self) -> Vec<Vec<Event>> {
            self.batches.lock().unwrap().clone()
        }
    }

    #[tokio::test]
    async fn inline_a_deferred_event_is_recorded_in_one_batch_with_the_next_then_shown() {
        let log = BatchLog::default();
        let mut emitter = Emitter::default().with_inline_durable(Box::new(log.clone()));
        let mut observer = emitter.observe();
        let result = Event::PhaseStarted {
            phase: "result".into(),
            title: String::new(),
        };
        emitter.emit_deferred(result.clone()).unwrap();
        assert!(
            log.batches().is_empty(),
            "a deferred event waits for the next"
        );
        assert!(
            observer.try_recv().is_err(),
            "not shown before it is recorded"
        );
        emitter.emit(durable_event()).await.unwrap();
        assert_eq!(log.batches(), vec![vec![result.clone(), durable_event()]]);
        assert_eq!(observer.try_recv().unwrap(), result);
        assert_eq!(observer.try_recv().unwrap(), durable_event());
    }

    #[tokio::test]
    async fn inline_a_failed_batch_is_an_error_and_nothing_of_it_is_shown() {
        let log = BatchLog {
            fail: true,
            ..BatchLog::default()
        };
        let mut emitter = Emitter::default().with_inline_durable(Box::new(log.clone()));
        let mut observer = emitter.observe();
        emitter.emit_deferred(durable_event()).unwrap();
        assert_eq!(emitter.emit(durable_event()).await, Err(disk_full()));
        assert!(observer.try_recv().is_err());
    }

    #[tokio::test]
    async fn inline_display_events_never_reach_the_journal() {
        let log = BatchLog::default();
        let mut emitter = Emitter::default().with_inline_durable(Box::new(log.clone()));
        let mut observer = emitter.observe();
        let output = Event::Output {
            step: "s".into(),
            stream: Stream::Stdout,
            text: "x\n".into(),
        };
        emitter.emit(output.clone()).await.unwrap();
        assert!(log.batches().is_empty());
        assert_eq!(observer.try_recv().unwrap(), output);
    }

    #[tokio::test]
    async fn display_events_never_wait_for_the_journal() {
        let (sender, _records) = mpsc::unbounded_channel::<Record>();
        let mut emitter = Emitter::default().with_durable(sender);
        let mut observer = emitter.observe();
        let output = Event::Output {
            step: "s".into(),
            stream: Stream::Stdout,
            text: "x\n".into(),
        };
        emitter.emit(output.clone()).await.unwrap();
        assert_eq!(observer.try_recv().unwrap(), output);
    }

    #[tokio::test]
    async fn an_observer_sees_only_the_events_it_wants_in_order() {
        let mut emitter = Emitter::default();
        let mut everything = emitter.observe();
        let mut no_output = emitter.observe_only(|e| !matches!(e, Event::Output { .. }));
        let output = Event::Output {
            step: "s".into(),
            stream: Stream::Stdout,
            text: "line\n".into(),
        };
        emitter.emit(durable_event()).await.unwrap();
        emitter.show(output.clone());
        emitter.emit(durable_event()).await.unwrap();
        assert_eq!(everything.try_recv().unwrap(), durable_event());
        assert_eq!(everything.try_recv().unwrap(), output);
        assert_eq!(everything.try_recv().unwrap(), durable_event());
        assert_eq!(no_output.try_recv().unwrap(), durable_event());
        assert_eq!(no_output.try_recv().unwrap(), durable_event());
        assert!(no_output.try_recv().is_err());
    }
}
