//! Running the engine to its end, headless, with the journal as its durable consumer: the one
//! launch path shared by `run`, `resume` and the engine's benchmark.

use super::drive::{Driven, Front, drive};
use super::error::runtime;
use super::failure::RunFailure;
use super::headless_answers::HeadlessAnswers;
use super::request::Answers;
use super::start::Launched;
use crate::engine::emitter::Emitter;
use crate::journal::group_commit::WriterResult;
use crate::journal::inline_writer::InlineJournal;
use crate::protocol::status::RunStatus;
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
        let emitter = Emitter::default().with_inline_durable(Box::new(journal.clone()));
        // Others may watch a headless run (`cutover attach --watch`), and approve its steps.
        let run = Driven {
            plan,
            emitter,
            info: Some(info),
            journal: Some(journal.status()),
            session: journal.session(),
            shared,
            trust_root,
        };
        let status = drive(run, Front::CommandLine(HeadlessAnswers::new(answers))).await;
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
