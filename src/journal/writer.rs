//! The journal as the engine's durable consumer: its own thread records each event, and
//! acknowledges only once the entry is on disk. Records that arrive together are written as
//! one group commit — each line its own `write`, one `fdatasync` for all, every
//! acknowledgement after it — so a step's result and the next step's start cost one sync.
//! After the first failure every record fails: the run stops rather than carry on unrecorded.

use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::file::JournalFile;
use super::record::record;
use crate::engine::emitter::{DurableSender, Record, RecordError};

/// What the header shows of the journal: entries written and the last anchor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JournalStatus {
    pub entries: u64,
    pub anchor: Option<String>,
}

/// What the writer thread hands back when the run is over.
pub struct WriterResult {
    pub journal: JournalFile,
    pub failure: Option<String>,
}

/// Records written under one sync at the most.
const MAX_BATCH: usize = 64;

pub fn spawn_writer(
    journal: JournalFile,
) -> (
    DurableSender,
    JoinHandle<WriterResult>,
    tokio::sync::watch::Receiver<JournalStatus>,
) {
    let (sender, mut records) = mpsc::unbounded_channel::<Record>();
    let (status_tx, status) = tokio::sync::watch::channel(JournalStatus {
        entries: journal.entries(),
        anchor: journal.last_anchor.clone(),
    });
    let handle = std::thread::Builder::new()
        .name("journal".into())
        .spawn(move || {
            let mut journal = journal;
            let mut failure: Option<String> = None;
            while let Some(first) = records.blocking_recv() {
                journal.begin_batch();
                let mut acks = Vec::new();
                let mut next = Some(first);
                // What arrives while a record is being written (the next step's start, while
                // a result's output file syncs) joins the batch.
                while let Some(Record { event, ack }) = next.take() {
                    if failure.is_none()
                        && let Err(err) = record(&mut journal, &event)
                    {
                        failure = Some(err.to_string());
                    }
                    acks.push(ack);
                    if acks.len() < MAX_BATCH {
                        next = records.try_recv().ok();
                    }
                }
                if failure.is_none()
                    && let Err(err) = journal.end_batch()
                {
                    failure = Some(err.to_string());
                }
                // Nothing of the batch counts as recorded unless its sync returned.
                for ack in acks {
                    let _ = ack.send(match &failure {
                        Some(first) => Err(RecordError(first.clone())),
                        None => Ok(()),
                    });
                }
                status_tx.send_replace(JournalStatus {
                    entries: journal.entries(),
                    anchor: journal.last_anchor.clone(),
                });
            }
            WriterResult { journal, failure }
        })
        .expect("the journal thread starts");
    (sender, handle, status)
}
