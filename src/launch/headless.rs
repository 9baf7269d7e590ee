//! Running the engine to its end, headless, with the journal as its durable consumer: the one
//! launch path shared by `run`, `resume` and the engine's benchmark.

use super::closing_words::{JournalClosed, say_how_it_ended};
use super::drive::{Driven, Front, drive};
use super::error::runtime;
use super::failure::RunFailure;
use super::headless_answers::HeadlessAnswers;
use super::request::Answers;
use super::start::Launched;
use crate::engine::emitter::Emitter;
use crate::journal::file::JournalFile;
use crate::journal::inline_writer::InlineJournal;
use crate::protocol::status::RunStatus;
use crate::stdout::say;

/// Runs a launched run to its end, headless: progress on stderr, prompts answered from
/// `answers`, the journal written on the engine's own thread (see `inline_writer`).
pub(crate) fn run_to_end(launched: Launched, answers: &Answers) -> Result<RunStatus, RunFailure> {
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
        announce_journal(journal.finish(), status.as_ref().ok().copied());
        status
    })
}

/// Says how the run ended, where the journal is, its anchor, and what to run next.
fn announce_journal(written: Option<JournalFile>, status: Option<RunStatus>) {
    let Some(journal) = written else { return };
    let closed = JournalClosed {
        path: journal.path(),
        entries: journal.entries(),
        anchor: journal.last_anchor.as_deref(),
    };
    match status {
        Some(status) => {
            say_how_it_ended(status, closed.path.parent().unwrap_or(closed.path), &closed)
        }
        None => say!(
            "cutover: journal {} — {}; anchor {}",
            closed.path.display(),
            crate::terminal_text::counted(closed.entries, "entry", "entries"),
            closed.anchor.unwrap_or("none yet")
        ),
    }
}
