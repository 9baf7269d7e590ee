//! The one place where engine events become durable journal entries, on the engine's own thread
//! (`inline_writer.rs`): records that arrive together are written as one group commit — each
//! line its own `write`, one `fdatasync` for all — and nothing of a batch counts as recorded
//! unless that sync returned. After the first failure every record fails: the run stops rather
//! than carry on unrecorded.

use std::sync::Arc;

use super::event_entries::append_event;
use super::file::{JournalError, JournalFile};
use crate::engine::emitter::RecordError;
use crate::engine::events::Event;

/// A journal file and the first failure it met, committing batches of events.
pub(crate) struct GroupCommit {
    journal: JournalFile,
    failure: Option<Arc<JournalError>>,
}

impl GroupCommit {
    pub(crate) fn new(journal: JournalFile) -> Self {
        Self {
            journal,
            failure: None,
        }
    }

    /// Starts a batch; [`Self::record`] adds to it, [`Self::end`] makes it durable.
    pub(crate) fn begin(&mut self) {
        self.journal.begin_batch();
    }

    /// Writes one event's entries into the batch (not yet synced). A failure is kept and
    /// answered by [`Self::end`], for this batch and every later one.
    pub(crate) fn record(&mut self, event: &Event) {
        if self.failure.is_none()
            && let Err(err) = append_event(&mut self.journal, event)
        {
            self.failure = Some(Arc::new(err));
        }
    }

    /// Syncs the batch: `Ok` only if every record of it, and of every batch before, is on disk.
    pub(crate) fn end(&mut self) -> Result<(), RecordError> {
        if self.failure.is_none()
            && let Err(err) = self.journal.end_batch()
        {
            self.failure = Some(Arc::new(err));
        }
        match &self.failure {
            Some(first) => Err(RecordError::Consumer(first.clone())),
            None => Ok(()),
        }
    }

    pub(crate) fn journal(&self) -> &JournalFile {
        &self.journal
    }

    /// The journal file, once the run is over.
    pub(crate) fn into_journal(self) -> JournalFile {
        self.journal
    }
}
