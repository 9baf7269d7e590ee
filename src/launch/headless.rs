//! Running the engine to its end, headless, with the journal as its durable consumer: the one
//! launch path shared by `run`, `resume` and the engine's benchmark.

use super::error::{SetupError, runtime};
use super::failure::RunFailure;
use super::headless_answers::HeadlessAnswers;
use super::request::Answers;
use super::signals::forward_signals;
use super::start::Launched;
use crate::engine::controller::control_channel;
use crate::engine::emitter::Emitter;
use crate::engine::run::{Engine, RunPlan};
use crate::journal::group_commit::WriterResult;
use crate::journal::inline_writer::InlineJournal;
use crate::journal::status::JournalStatus;
use crate::live::server::{Serving, serve};
use crate::notify::notifier::spawn_notifier;
use crate::protocol::status::RunStatus;
use crate::report::headless::{is_reported, print_progress};
use crate::stdout::say;

/// Runs a launched run to its end, headless: progress on stderr, prompts answered from
/// `answers`, the journal written on the engine's own thread (see `inline_writer`).
pub fn run_to_end(launched: Launched, answers: &Answers) -> Result<RunStatus, RunFailure> {
    let Launched {
        plan,
        journal,
        info,
        shared,
        trust_root,
    } = launched;
    runtime()?.block_on(async {
        let journal = InlineJournal::new(journal);
        let mut emitter = Emitter::default().with_inline_durable(Box::new(journal.clone()));
        let approvals = crate::approval::desk::ApprovalDesk::default();
        // Others may watch a headless run (`cutover attach --watch`), and approve its steps.
        let watched = serve(
            &plan.run_dir,
            Serving {
                info,
                events: emitter.observe_bounded(crate::live::server::OUTPUT_WAITING),
                journal: Some(journal.status()),
                controls: None,
                shared,
                approvals: approvals.clone(),
                session: journal.session(),
                trust_root,
            },
        );
        if let Err(err) = &watched {
            say!("cutover: nobody can watch this run: cannot serve its socket: {err}");
        }
        let status = drive_headless(
            plan,
            HeadlessAnswers::new(answers),
            emitter,
            Some(journal.status()),
            approvals,
        )
        .await;
        drop(watched);
        announce_journal(journal.finish());
        status
    })
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
        say!(
            "cutover: journal {} — {} entries; anchor {anchor}",
            written.journal.path().display(),
            written.journal.entries()
        );
    }
}

/// Runs the engine to its end with the headless consumers — progress lines on stderr, answers
/// from the command line, signals — and whatever durable consumer `emitter` carries. Also the
/// engine's own benchmark (`benches/engine_headless.rs`), which plugs in no journal.
pub async fn drive_headless(
    plan: RunPlan,
    answers: HeadlessAnswers,
    mut emitter: Emitter,
    journal: Option<tokio::sync::watch::Receiver<JournalStatus>>,
    approvals: crate::approval::desk::ApprovalDesk,
) -> Result<RunStatus, RunFailure> {
    let (controller, mut intake) = control_channel();
    // Approvals are judged against the run's journal as it is on disk.
    approvals.judge_by(crate::journal::run_facts::reader(
        plan.run_dir.join("journal.log"),
    ));
    intake.approvals = approvals;
    forward_signals(controller.clone(), || {}).map_err(SetupError::Signals)?;
    let progress = tokio::spawn(print_progress(
        emitter.observe_only(is_reported),
        std::io::stderr(),
    ));
    let prompts = emitter.observe_only(HeadlessAnswers::wants);
    let notifier = spawn_notifier(
        plan.runbook.notify.clone(),
        emitter.observe(),
        controller.clone(),
        journal,
        plan.run_dir.clone(),
    );
    tokio::spawn(answers.serve(prompts, controller));
    let status = Engine::new(plan, emitter, intake).run().await;
    let _ = progress.await;
    // The last notices (the end, with its anchor) go out before the process does; each is
    // bounded in time.
    if let Some(notifier) = notifier {
        let _ = tokio::time::timeout(crate::notify::deliver::FINAL_WAIT, notifier).await;
    }
    Ok(status?)
}
