//! The run as recorded: a journal's verified entries folded into sessions, steps, decisions and
//! a timeline, for `review` and `report`.

pub mod build;
pub mod load;
pub mod model;
pub mod timeline_line;
