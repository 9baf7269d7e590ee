//! The two keys of a journal: the operator's SSH key and the per-process session key.

pub(crate) mod choose;
pub mod operator;
pub mod person;
#[cfg(test)]
mod person_test;
pub(crate) mod random;
pub(crate) mod session;
pub mod sshsig;
