//! Who is who: the operator's SSH key and the per-process session key, a person's key at the
//! controls, SSHSIG signatures, and the allowed signers a run is held to.

pub mod allowed_signers;
pub(crate) mod choose;
pub mod operator;
pub mod person;
pub(crate) mod random;
pub(crate) mod session;
pub mod sshsig;
pub mod trust_root;
