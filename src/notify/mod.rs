//! Being told: a consumer of the engine's events that sends what the run's `[[notify]]`
//! channels asked for, on a task of its own, and hands each delivery's outcome back to the
//! engine to journal. Nothing here can slow the run: deliveries time out, retry a bounded
//! number of times, and are never awaited by the engine.

pub(crate) mod deliver;
pub(crate) mod message;
pub(crate) mod notifier;
