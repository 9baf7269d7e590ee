//! Who is who: the operator's SSH key and the per-process session key, a person's key at the
//! controls, SSHSIG signatures, and the allowed signers a run is held to.

pub(crate) mod allowed_signers;
pub(crate) mod choose;
pub(crate) mod operator;
pub(crate) mod person;
pub(crate) mod random;
pub(crate) mod session;
pub(crate) mod sshsig;
pub(crate) mod trust_root;
