//! cutover: a terminal runbook runner for production release windows.
//!
//! The tree follows the flow of a run: `runbook` (format, model, check) → `engine` (executes,
//! emits events) → `journal`, `tui`, `report` (consume events) → `launch` (starts or resumes a
//! run and wires the engine to its consumers) → `cli` (maps arguments). `exit` turns every
//! outcome and every error into the exit code of SPEC §1, in one place.

pub mod approval;
pub mod cli;
pub mod engine;
pub mod error_chain;
pub mod exit;
pub(crate) mod forecast;
pub mod journal;
pub mod keys;
pub mod launch;
pub mod live;
pub mod notify;
pub(crate) mod open_files;
pub mod protocol;
pub(crate) mod report;
pub mod runbook;
pub mod sandbox;
pub(crate) mod stdout;
pub(crate) mod terminal_text;
pub mod tui;
