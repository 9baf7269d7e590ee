//! cutover: a terminal runbook runner for production release windows.
//!
//! A run flows one way: the runbook becomes a plan, the engine executes it and emits events,
//! and the journal, the screen, the reporter and the notifier consume them; controls come back.
//! The areas are layers. Each imports only from the layers before it (`tests/it/layers.rs` fails on
//! an import that goes up; ARCHITECTURE.md draws the same list):
//!
//! 1. `error_chain`, `terminal_text`, `stdout`, `open_files`, `locked`, `nearest_rank` — small
//!    tools any area uses.
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

pub(crate) mod approval;
pub(crate) mod cli;
pub(crate) mod engine;
pub(crate) mod error_chain;
pub(crate) mod exit;
pub(crate) mod forecast;
pub(crate) mod journal;
pub(crate) mod keys;
pub(crate) mod launch;
pub(crate) mod live;
pub(crate) mod locked;
pub(crate) mod nearest_rank;
pub(crate) mod notify;
pub(crate) mod open_files;
pub(crate) mod protocol;
pub(crate) mod report;
pub(crate) mod runbook;
pub(crate) mod sandbox;
pub(crate) mod stdout;
pub(crate) mod terminal_text;
pub(crate) mod tui;

// The crate's public surface: what the binary, the integration tests and the benchmarks use.
// Everything else is the crate's own (`pub(crate)`), so the compiler finds what nothing uses.
pub use cli::args::{Cli, Command};
pub use cli::dispatch::dispatch;
pub use cli::run::start_request;
pub use engine::context::RunSettings;
pub use engine::controller::{Controller, control_channel};
pub use engine::emitter::{Emitter, InlineRecorder, Record, RecordError};
pub use engine::events::Event;
pub use engine::run::{Engine, EngineError, RunPlan};
pub use error_chain::error_chain;
pub use exit::exit_code;
pub use journal::entry::{Body, Entry};
pub use journal::history::load::load_run;
pub use journal::verify::check::{VerifyOptions, verify_bytes};
pub use journal::verify::report::Verdict;
pub use keys::allowed_signers::AllowedSigners;
pub use keys::operator::OperatorKey;
pub use launch::drive::drive_headless;
pub use launch::engine_process::drive_attachable;
pub use launch::headless_answers::HeadlessAnswers;
pub use launch::prepare::prepare;
pub use launch::process_setup::prepare_process;
pub use launch::start::plan_run;
pub use protocol::mode::Mode;
pub use protocol::status::RunStatus;
pub use runbook::load::{check_bytes, read_and_check};
pub use runbook::model::StepAction;
pub use runbook::render::render_text;
pub use runbook::template::{Scope, Secrecy};
pub use sandbox::local_nginx::nginx_binary;
pub use sandbox::local_postgres::server_bin_dir;
pub use tui::review::state::{ReviewAction, ReviewApp};
pub use tui::review::view::screen::draw as draw_review;
