//! The journal: the signed, hash-chained record of a run (docs/journal.md), its writer, verify,
//! and the replay that rebuilds a run's state for resume and review.

pub mod entry;
pub mod file;
pub mod header;
pub mod history;
pub mod identity;
pub mod keys;
pub mod line;
pub mod record;
pub mod replay;
pub mod verify;
pub mod writer;
