//! `cutover verify`: the journal checked as bytes against LOG-FORMAT.md.

pub mod allowed_signers;
pub mod check;
pub mod facts;
pub mod folder;
pub mod report;
pub mod signatures;
pub mod trust;
