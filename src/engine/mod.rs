//! The engine: executes a runbook and emits events; knows no terminal and no file format.
//! Its consumers (journal, TUI, headless reporter) send controls back.

pub mod context;
pub mod control;
pub mod controller;
pub mod display;
pub mod emitter;
pub mod error;
pub mod events;
pub mod interrupt;
pub mod output_file;
pub mod process;
pub mod reaper;
pub mod run;
pub mod scrub;
pub mod scrub_event;
pub mod services;
pub mod spawn;
pub mod steps;
pub mod stream_reader;
pub mod terminate;
pub mod window_clock;
