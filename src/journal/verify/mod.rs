//! `cutover verify`: the journal checked as bytes against LOG-FORMAT.md.

pub(crate) mod approvals;
#[cfg(test)]
mod approvals_test;
pub(crate) mod check;
pub(crate) mod facts;
pub(crate) mod folder;
mod lines;
pub(crate) mod report;
pub(crate) mod signatures;
pub(crate) mod trust;
