//! The journal on its own thread, for runs whose engine shares its thread with the TUI: a
//! sync must never freeze the screen. The thread records each event and acknowledges it only
//! once it is on disk ([`GroupCommit`]); what arrives while a record is being written joins
//! its batch. Headless runs record on the engine's thread instead (`inline_writer`).

use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::file::JournalFile;
use super::group_commit::{GroupCommit, WriterResult};
use crate::engine::emitter::{DurableSender, Record};

/// What the header shows of the journal: entries written and the last anchor.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct JournalStatus {
    pub entries: u64,
    pub anchor: Option<String>,
}

impl JournalStatus {
    pub(crate) fn of(journal: &JournalFile) -> Self {
        Self {
            entries: journal.entries(),
            anchor: journal.last_anchor.clone(),
        }
    }
}

/// Records written under one sync at the most.
const MAX_BATCH: usize = 64;

pub(crate) fn spawn_writer(
    journal: JournalFile,
) -> (
    DurableSender,
    JoinHandle<WriterResult>,
    tokio::sync::watch::Receiver<JournalStatus>,
) {
    let (sender, mut records) = mpsc::unbounded_channel::<Record>();
    let (status_tx, status) = tokio::sync::watch::channel(JournalStatus::of(&journal));
    let handle = std::thread::Builder::new()
        .name("journal".into())
        .spawn(move || {
            let mut commit = GroupCommit::new(journal);
            while let Some(first) = records.blocking_recv() {
                commit.begin();
                let mut acks = Vec::new();
                let mut next = Some(first);
                // What arrives while a record is being written (the next step's start, while
                // a result's output file syncs) joins the batch.
                while let Some(Record { event, ack }) = next.take() {
                    commit.record(&event);
                    acks.push(ack);
                    if acks.len() < MAX_BATCH {
                        next = records.try_recv().ok();
                    }
                }
                let answer = commit.end();
                // The engine awaits the acknowledgements in order; answering the last first
                // means only the first answer wakes it, and it then finds all the others
                // already there: one wake-up per batch instead of one per record.
                for ack in acks.into_iter().rev() {
                    let _ = ack.send(answer.clone());
                }
                status_tx.send_replace(JournalStatus::of(commit.journal()));
            }
            commit.into_result()
        })
        .expect("the journal thread starts");
    (sender, handle, status)
}
