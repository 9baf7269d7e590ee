//! The journal as the engine's durable consumer: its own thread records each event, and
//! acknowledges only once the entry is on disk. After the first failure every record fails:
//! the run stops rather than carry on unrecorded.

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
            while let Some(Record { event, ack }) = records.blocking_recv() {
                let result = match &failure {
                    Some(first) => Err(RecordError(first.clone())),
                    None => record(&mut journal, &event).map_err(|err| {
                        failure = Some(err.to_string());
                        RecordError(err.to_string())
                    }),
                };
                let _ = ack.send(result);
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
