//! The engine's own cost per step, for bench/engine.sh: a runbook run as `cutover run --headless
//! --drill --auto` runs it, with the engine's consumers — the headless progress lines on stderr,
//! the command-line answers, the signal watch — and, as its durable consumer, one that keeps
//! each event in memory and acknowledges it at once instead of the journal. The journal's own
//! cost (two signatures and a sync per step) is measured against its own floor by
//! bench/journal.sh.
//!
//!   cargo bench --bench engine_headless -- RUNBOOK LOG_DIR
//!
//! Exits 1 unless the run passes, so that a benchmark never times a failure.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use cutover::cli::args::OnFailure;
use cutover::cli::drive::drive_headless;
use cutover::cli::headless_answers::HeadlessAnswers;
use cutover::engine::context::RunSettings;
use cutover::engine::emitter::{Emitter, InlineRecorder, RecordError};
use cutover::engine::events::{Event, Mode, RunStatus};
use cutover::engine::run::RunPlan;
use cutover::engine::run_folder::RunFolder;
use cutover::engine::variables::{Builtins, resolve_variables};
use cutover::runbook::load::read_and_check;

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
    cutover::cli::process_setup::prepare_process();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [runbook_path, log_dir] = args.as_slice() else {
        eprintln!("usage: engine_headless RUNBOOK LOG_DIR");
        std::process::exit(2);
    };
    let runbook_path = PathBuf::from(runbook_path);
    let checked = read_and_check(&runbook_path).expect("the runbook can be read");
    let runbook = checked.runbook.expect("the runbook is valid");
    let bytes = std::fs::read(&runbook_path).expect("the runbook can be read");
    let folder = RunFolder::create(log_dir.as_ref(), &runbook.name.value, &bytes)
        .expect("the run folder can be created");
    let builtins = Builtins {
        run_id: folder.run_id.clone(),
        run_dir: folder.dir.display().to_string(),
        run_started: folder.started.clone(),
        cutover: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    };
    let env = |name: &str| std::env::var(name).ok();
    let scope =
        resolve_variables(&runbook, &[], &env, &builtins).expect("the runbook's variables resolve");
    let plan = RunPlan {
        runbook,
        scope,
        run_id: folder.run_id,
        run_dir: folder.dir,
        mode: Mode::Drill,
        dry_run: false,
        auto: true,
        inject_failures: BTreeSet::new(),
        settings: RunSettings::default(),
        resume: None,
    };
    let answers = HeadlessAnswers {
        confirms: HashMap::new(),
        on_failure: OnFailure::Abort,
    };
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
