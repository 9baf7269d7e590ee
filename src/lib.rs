//! cutover: a terminal runbook runner for production release windows.
//!
//! A run flows one way: the runbook becomes a plan, the engine executes it and emits events,
//! and the journal, the screen, the reporter and the notifier consume them; controls come back.
//! The areas are layers. Each imports only from the layers before it (`tests/layers.rs` fails on
//! an import that goes up; ARCHITECTURE.md draws the same list):
//!
//! 1. `error_chain`, `terminal_text`, `stdout`, `open_files` — small tools any area uses.
//! 2. `protocol` — the words more than one area speaks: modes, statuses, decisions, deliveries,
//!    approval records, the run's info, exit codes.
//! 3. `keys` — who is who: the operator's and the session's keys, SSHSIG, allowed signers.
//! 4. `runbook` — the format: model, TOML with spans, every check rule, templating.
//! 5. `approval` — what an approver signs, how an offer is judged, the desk.
//! 6. `engine` — executes a runbook and emits events; knows no terminal and no file format.
//! 7. `journal` — the signed, hash-chained record, its verification and history.
//! 8. `notify` — tells the team's channels what the run does.
//! 9. `forecast` — what earlier runs say about this one.
//! 10. `report` — review, report and the headless progress lines.
//! 11. `live` — the run's socket: attach, watch, approve, `ls`.
//! 12. `tui` — the screens.
//! 13. `sandbox` — the stand-in service drills run against.
//! 14. `launch` — starts or resumes a run and wires the engine to its consumers.
//! 15. `exit` — how every command ends: its exit code and its last words.
//! 16. `cli` — the command line.

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
