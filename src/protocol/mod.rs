//! The words more than one area speaks: the bottom layer. Nothing here imports another area
//! of cutover; every area may import these.

pub(crate) mod approval;
pub(crate) mod decision;
pub(crate) mod delivery;
pub(crate) mod encoding;
pub(crate) mod exit_codes;
pub(crate) mod limits;
pub(crate) mod live_status;
pub(crate) mod mode;
pub(crate) mod on_deadline;
pub(crate) mod output;
pub(crate) mod principal;
pub(crate) mod run_info;
pub(crate) mod status;
pub(crate) mod step_kind;
pub(crate) mod time;

#[cfg(test)]
mod words_test;
