//! Running the engine to its end, headless, with the journal as its durable consumer: shared by
//! `run` and `resume`.

use tokio::sync::mpsc;

use super::headless_answers::HeadlessAnswers;
use super::signals::forward_signals;
use crate::engine::emitter::Emitter;
use crate::engine::events::RunStatus;
use crate::engine::interrupt::interrupt_channel;
use crate::engine::run::{Engine, EngineError, RunPlan};
use crate::exit::{Failure, Outcome};
use crate::journal::file::JournalFile;
use crate::journal::group_commit::WriterResult;
use crate::journal::inline_writer::InlineJournal;
use crate::report::headless::{is_reported, print_progress};

pub fn run_to_end(
    plan: RunPlan,
    answers: HeadlessAnswers,
    journal: JournalFile,
) -> Result<Outcome, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::Input(format!("cannot start the runtime: {err}")))?;
    runtime
        .block_on(run_headless(plan, answers, journal))
        .map(outcome_of)
}

pub fn outcome_of(status: RunStatus) -> Outcome {
    match status {
        RunStatus::Passed => Outcome::Done,
        RunStatus::Suspended => Outcome::Suspended,
        RunStatus::Failed | RunStatus::RolledBack | RunStatus::Aborted => Outcome::RunFailed,
    }
}

/// Waits for the journal thread to finish, then says where the journal is and its anchor.
pub async fn report_journal(writer: std::thread::JoinHandle<WriterResult>) {
    let written = tokio::task::spawn_blocking(move || writer.join())
        .await
        .ok()
        .and_then(Result::ok);
    announce_journal(written);
}

fn announce_journal(written: Option<WriterResult>) {
    if let Some(written) = written {
        let anchor = written.journal.last_anchor.as_deref().unwrap_or("none yet");
        eprintln!(
            "cutover: journal {} — {} entries; anchor {anchor}",
            written.journal.path().display(),
            written.journal.entries()
        );
    }
}

/// Headless, the journal is written on the engine's own thread (see `inline_writer`).
async fn run_headless(
    plan: RunPlan,
    answers: HeadlessAnswers,
    journal: JournalFile,
) -> Result<RunStatus, Failure> {
    let journal = InlineJournal::new(journal);
    let emitter = Emitter::default().with_inline_durable(Box::new(journal.clone()));
    let status = drive_headless(plan, answers, emitter).await;
    announce_journal(journal.finish());
    status
}

/// Runs the engine to its end with the headless consumers — progress lines on stderr, answers
/// from the command line, signals — and whatever durable consumer `emitter` carries. Also the
/// engine's own benchmark (`benches/engine_headless.rs`), which plugs in no journal.
pub async fn drive_headless(
    plan: RunPlan,
    answers: HeadlessAnswers,
    mut emitter: Emitter,
) -> Result<RunStatus, Failure> {
    let (interrupts, interrupt) = interrupt_channel();
    forward_signals(interrupts, interrupt.clone())
        .map_err(|err| Failure::Input(format!("cannot watch signals: {err}")))?;
    let progress = tokio::spawn(print_progress(
        emitter.observe_only(is_reported),
        std::io::stderr(),
    ));
    let (controls_tx, controls) = mpsc::unbounded_channel();
    let prompts = emitter.observe_only(HeadlessAnswers::wants);
    tokio::spawn(answers.serve(prompts, controls_tx));
    let status = Engine::new(plan, emitter, controls, interrupt)
        .run()
        .await
        .map_err(engine_failure);
    let _ = progress.await;
    status
}

pub fn engine_failure(err: EngineError) -> Failure {
    Failure::JournalWrite(format!(
        "{err}; the run stopped so that nothing goes unrecorded"
    ))
}
