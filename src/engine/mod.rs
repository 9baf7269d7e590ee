//! The engine: executes a runbook and emits events; knows no terminal and no file format.
//! Its consumers (journal, TUI, headless reporter) send controls back.

pub(crate) mod condition;
pub mod context;
pub mod control;
pub mod control_queue;
pub mod controller;
pub mod controller_change;
pub(crate) mod display;
pub mod emitter;
pub(crate) mod error;
pub mod events;
pub mod interrupt;
pub(crate) mod listener_owner;
pub mod metric_sample;
pub(crate) mod output_file;
pub(crate) mod process;
pub(crate) mod reaper;
pub mod run;
pub(crate) mod scrub;
pub(crate) mod scrub_event;
pub(crate) mod services;
pub(crate) mod spawn;
pub(crate) mod ssh;
pub(crate) mod steps;
pub(crate) mod stream_reader;
pub(crate) mod terminate;
pub(crate) mod window_clock;
