//! The run as recorded: a journal's verified entries folded into sessions, steps, decisions and
//! a timeline, for `review` and `report`.

pub mod build;
pub mod describe;
pub mod load;
pub mod model;
