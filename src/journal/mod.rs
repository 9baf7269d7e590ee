//! The journal: the signed, hash-chained record of a run (docs/journal.md), its writers, verify,
//! and the replay that rebuilds a run's state for resume and review.

pub(crate) mod entry;
pub(crate) mod event_entries;
pub(crate) mod file;
pub(crate) mod group_commit;
pub(crate) mod header;
pub(crate) mod history;
pub(crate) mod identity;
pub(crate) mod inline_writer;
pub(crate) mod line;
pub(crate) mod listing;
pub(crate) mod listing_output;
pub(crate) mod open;
pub(crate) mod output_sync;
pub(crate) mod proven_person;
#[cfg(test)]
mod proven_person_test;
pub(crate) mod replay;
pub(crate) mod run_facts;
pub(crate) mod run_lock;
pub(crate) mod secret_fingerprint;
pub(crate) mod status;
#[cfg(test)]
pub(crate) mod test_journal;
pub(crate) mod verify;
