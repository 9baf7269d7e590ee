//! The two keys of a journal: the operator's SSH key and the per-process session key.

pub mod choose;
pub mod operator;
pub mod random;
pub mod session;
