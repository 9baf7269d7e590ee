//! cutover: a terminal runbook runner for production release windows.
//!
//! The tree follows the flow of a run: `runbook` (format, model, check) → `engine` (executes,
//! emits events) → `journal`, `tui`, `report` (consume events) → `cli` (wires them). `exit`
//! turns every outcome into the exit code of SPEC §1, in one place.

pub mod cli;
pub mod engine;
pub mod exit;
pub mod journal;
pub mod report;
pub mod runbook;
pub mod sandbox;
pub mod terminal_text;
pub mod tui;
