//! The engine's own cost per step, for bench/engine.sh: a runbook run as `cutover run --headless
//! --drill --auto` runs it — the same arguments, preparation, run folder and plan, the same
//! headless consumers (progress lines on stderr, command-line answers, the signal watch) — but
//! with a durable consumer that keeps each event in memory and acknowledges it at once instead
//! of the journal. The journal's own cost (two signatures and a sync per step) is measured
//! against its own floor by bench/journal.sh.
//!
//!   cargo bench --bench engine_headless -- RUNBOOK LOG_DIR
//!
//! Exits 1 unless the run passes, so that a benchmark never times a failure.

use clap::Parser;
use cutover::cli::args::{Cli, Command};
use cutover::cli::run::start_request;
use cutover::engine::emitter::{Emitter, InlineRecorder, RecordError};
use cutover::engine::events::{Event, RunStatus};
use cutover::launch::headless::drive_headless;
use cutover::launch::headless_answers::HeadlessAnswers;
use cutover::launch::prepare::prepare;
use cutover::launch::start::plan_run;

/// The durable consumer's interface, answered from memory.
#[derive(Default)]
struct InMemory {
    events: Vec<Event>,
}

impl InlineRecorder for InMemory {
    fn record_batch(&mut self, events: &[&Event]) -> Result<(), RecordError> {
        self.events
            .extend(events.iter().map(|event| (*event).clone()));
        Ok(())
    }
}

fn main() {
    cutover::launch::process_setup::prepare_process();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [runbook, log_dir] = args.as_slice() else {
        eprintln!("usage: engine_headless RUNBOOK LOG_DIR");
        std::process::exit(2);
    };
    let cli = Cli::parse_from([
        "cutover",
        "run",
        runbook,
        "--headless",
        "--drill",
        "--auto",
        "--log-dir",
        log_dir,
    ]);
    let Command::Run(args) = cli.command else {
        unreachable!("parsed as `cutover run`")
    };
    let request = start_request(&args);
    let prepared = prepare(&request, false).expect("the runbook is valid");
    let plan = plan_run(
        &request,
        prepared.runbook,
        &prepared.bytes,
        &prepared.included,
        prepared.mode,
        &prepared.log_dir,
        &[],
    )
    .expect("the run folder is created and the variables resolve");
    let answers = HeadlessAnswers::new(&request.answers);
    let emitter = Emitter::default().with_inline_durable(Box::new(InMemory::default()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(drive_headless(plan, answers, emitter));
    if !matches!(status, Ok(RunStatus::Passed)) {
        eprintln!("engine_headless: the run did not pass");
        std::process::exit(1);
    }
}
