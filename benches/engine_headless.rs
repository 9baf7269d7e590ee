//! The engine's own cost per step, for bench/engine.sh: a runbook run as `cutover run --headless
//! --drill --auto` runs it — the same arguments, preparation, run folder and plan, the same
//! headless consumers (progress lines on stderr, command-line answers, the signal watch) — but
//! with a durable consumer that keeps each event in memory and acknowledges it at once instead
//! of the journal. The journal's own cost (two signatures and a sync per step) is measured
//! against its own floor by bench/journal.sh.
//!
//!   cargo bench --bench engine_headless -- RUNBOOK LOG_DIR [--detached]
//!
//! With `--detached`, the engine runs as a terminal run's engine does (`cutover engine`): its
//! socket served with the controller's seat, no step started before a controller attaches
//! (bench/detached.sh attaches one); it prints the milliseconds from its first step's start to
//! its end.
//!
//! Exits 1 unless the run passes, so that a benchmark never times a failure.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Parser;
use cutover::Event;
use cutover::HeadlessAnswers;
use cutover::RunStatus;
use cutover::drive_attachable;
use cutover::drive_headless;
use cutover::plan_run;
use cutover::prepare;
use cutover::start_request;
use cutover::{Cli, Command};
use cutover::{Emitter, InlineRecorder, RecordError};

/// The durable consumer's interface, answered from memory. It notes when the first step
/// started and when the run finished: a detached run waits for its controller to attach
/// first (a Python process starting), which is not the engine's per-step cost.
#[derive(Default)]
struct InMemory {
    events: Vec<Event>,
    steps: Arc<Mutex<(Option<Instant>, Option<Instant>)>>,
}

impl InlineRecorder for InMemory {
    fn record_batch(&mut self, events: &[&Event]) -> Result<(), RecordError> {
        for event in events {
            match event {
                Event::StepStarted { .. } => {
                    let mut steps = self.steps.lock().unwrap();
                    steps.0.get_or_insert_with(Instant::now);
                }
                Event::RunFinished { .. } => self.steps.lock().unwrap().1 = Some(Instant::now()),
                _ => {}
            }
        }
        self.events
            .extend(events.iter().map(|event| (*event).clone()));
        Ok(())
    }
}

fn main() {
    cutover::prepare_process();
    let detached = std::env::args().any(|a| a == "--detached");
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench" && a != "--detached")
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
    let steps = Arc::new(Mutex::new((None, None)));
    let status = if detached {
        // The controller attaches from outside (bench/detached.sh starts it once the socket
        // is there): a child of this process would be one the run's reaper looks after.
        runtime
            .block_on(drive_attachable(
                plan,
                "bench",
                Box::new(InMemory {
                    events: Vec::new(),
                    steps: steps.clone(),
                }),
            ))
            .map_err(|_| ())
    } else {
        runtime
            .block_on(drive_headless(plan, answers, emitter))
            .map_err(|_| ())
    };
    if !matches!(status, Ok(RunStatus::Passed)) {
        eprintln!("engine_headless: the run did not pass");
        std::process::exit(1);
    }
    // Detached: from the first step's start to the run's end, in ms, on standard output.
    if let (true, (Some(first), Some(end))) = (detached, *steps.lock().unwrap()) {
        println!("{:.3}", (end - first).as_secs_f64() * 1000.0);
    }
}
