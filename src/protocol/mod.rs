//! The words more than one area speaks: the bottom layer. Nothing here imports another area
//! of cutover; every area may import these.

pub mod approval;
pub mod decision;
pub mod delivery;
pub mod encoding;
pub mod exit_codes;
pub mod limits;
pub mod live_status;
pub mod mode;
pub mod output;
pub mod principal;
pub mod run_info;
pub mod status;
pub mod step_kind;
pub mod time;

#[cfg(test)]
mod words_test;
