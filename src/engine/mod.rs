//! The engine: executes a runbook and emits events; knows no terminal and no file format.
//! Its consumers (journal, TUI, headless reporter) send controls back.

pub(crate) mod condition;
pub(crate) mod context;
pub(crate) mod control;
pub(crate) mod control_queue;
pub(crate) mod controller;
pub(crate) mod controller_change;
pub(crate) mod display;
pub(crate) mod emitter;
pub(crate) mod error;
pub(crate) mod events;
pub(crate) mod interrupt;
pub(crate) mod listener_owner;
pub(crate) mod metric_sample;
pub(crate) mod output_file;
pub(crate) mod process;
pub(crate) mod reaper;
pub(crate) mod run;
pub(crate) mod scrub;
pub(crate) mod scrub_event;
pub(crate) mod services;
pub(crate) mod spawn;
pub(crate) mod ssh;
pub(crate) mod steps;
pub(crate) mod stream_reader;
pub(crate) mod terminate;
pub(crate) mod window_clock;
