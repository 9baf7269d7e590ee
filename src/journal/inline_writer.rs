//! The journal on the engine's own thread, for headless runs. Nothing there must stay
//! responsive while a record syncs — the engine waits for that record before its next side
//! effect either way — and handing each record to another thread and back cost two thread
//! wake-ups per step, a third of cutover's own time per step (BENCHMARKS.md). The durable
//! part is the same [`GroupCommit`] as the journal thread's.
//!
//! The price: while a record syncs, the thread's other tasks wait too — the signal watcher
//! (the engine would only act on a signal after the record anyway) and the log drains of
//! background services, whose pipes hold 64 KB before the service waits on its own writes.

use std::sync::{Arc, Mutex};

use super::file::JournalFile;
use super::group_commit::GroupCommit;
use super::status::JournalStatus;
use crate::engine::emitter::{InlineRecorder, RecordError};
use crate::engine::events::Event;

/// The journal as an [`InlineRecorder`]; a clone kept by the caller takes the journal back
/// once the run is over ([`Self::finish`]).
#[derive(Clone)]
pub(crate) struct InlineJournal {
    commit: Arc<Mutex<Option<GroupCommit>>>,
    /// Acts are signed by people's own clients (`journal/keys/person.rs`).
    signs_for_persons: bool,
    /// Entries written and the last anchor, for the screens of those watching the run.
    status: Arc<tokio::sync::watch::Sender<JournalStatus>>,
}

impl InlineJournal {
    pub(crate) fn new(journal: JournalFile) -> Self {
        let (status, _) = tokio::sync::watch::channel(JournalStatus::of(&journal));
        Self {
            signs_for_persons: journal.signs_for_persons(),
            commit: Arc::new(Mutex::new(Some(GroupCommit::new(journal)))),
            status: Arc::new(status),
        }
    }

    /// The journal's session id.
    pub(crate) fn session(&self) -> String {
        crate::locked::locked(&self.commit)
            .as_ref()
            .map(|commit| commit.journal().sid.clone())
            .unwrap_or_default()
    }

    /// The journal's status as batches are committed.
    pub(crate) fn status(&self) -> tokio::sync::watch::Receiver<JournalStatus> {
        self.status.subscribe()
    }

    /// The journal and its first failure, once the engine is done with it.
    pub(crate) fn finish(&self) -> Option<JournalFile> {
        crate::locked::locked(&self.commit)
            .take()
            .map(GroupCommit::into_journal)
    }
}

impl InlineRecorder for InlineJournal {
    fn waits_for_people(&self, events: &[&Event]) -> bool {
        self.signs_for_persons
            && events
                .iter()
                .any(|event| super::event_entries::may_be_a_persons(event))
    }

    fn record_batch(&mut self, events: &[&Event]) -> Result<(), RecordError> {
        let mut guard = crate::locked::locked(&self.commit);
        let commit = guard.as_mut().ok_or(RecordError::Closed)?;
        commit.begin();
        for event in events {
            commit.record(event);
        }
        commit.end()?;
        if self.status.receiver_count() > 0 {
            self.status
                .send_replace(JournalStatus::of(commit.journal()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::status::StepStatus;

    fn journal_in(dir: &std::path::Path) -> JournalFile {
        crate::journal::test_journal::drill_journal(dir)
    }

    fn phase(id: &str) -> Event {
        Event::PhaseStarted {
            phase: id.into(),
            title: String::new(),
        }
    }

    #[test]
    fn a_batch_is_in_the_file_when_it_is_answered_and_the_journal_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let journal = journal_in(dir.path());
        let path = journal.path().to_path_buf();
        let mut inline = InlineJournal::new(journal);
        let before = std::fs::read(&path).unwrap().len();
        inline.record_batch(&[&phase("a"), &phase("b")]).unwrap();
        let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        assert!(text.len() > before);
        assert!(text.contains("\"phase\":\"a\"") && text.contains("\"phase\":\"b\""));
        let journal = inline.clone().finish().expect("the journal comes back");
        assert_eq!(journal.path(), path);
        // Taken back, it records nothing more: the run is over.
        assert!(inline.record_batch(&[&phase("c")]).is_err());
    }

    #[test]
    fn after_a_failure_every_batch_fails_with_the_first_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut inline = InlineJournal::new(journal_in(dir.path()));
        // A result naming an output file that is not there cannot be recorded: its digest
        // would point at nothing.
        let missing_output = Event::StepResult {
            step: "s".into(),
            attempt: 1,
            status: StepStatus::Passed,
            duration_ms: 1,
            expected_ms: None,
            exit_code: Some(0),
            http_status: None,
            message: String::new(),
            output: Some(crate::protocol::output::OutputRecord {
                path: "output/missing.log".into(),
                sha256: "0".repeat(64),
                bytes: 1,
            }),
            tail: Vec::new(),
            captures: Vec::new(),
        };
        let first = inline.record_batch(&[&missing_output]).unwrap_err();
        let second = inline.record_batch(&[&phase("after")]).unwrap_err();
        // The same failure, the very same error: the first one is kept and answered again.
        assert_eq!(first, second);
        assert!(matches!(
            (&first, &second),
            (RecordError::Consumer(a), RecordError::Consumer(b)) if Arc::ptr_eq(a, b)
        ));
    }
}
