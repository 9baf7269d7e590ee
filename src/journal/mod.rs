//! The journal: the signed, hash-chained record of a run (docs/journal.md), its writers, verify,
//! and the replay that rebuilds a run's state for resume and review.

pub mod entry;
pub mod event_entries;
pub mod file;
pub mod group_commit;
pub mod header;
pub mod history;
pub mod identity;
pub mod inline_writer;
pub mod keys;
pub mod line;
pub mod open;
pub mod output_sync;
pub mod replay;
pub mod run_lock;
pub mod secret_fingerprint;
#[cfg(test)]
pub mod test_journal;
pub mod verify;
pub mod writer;
