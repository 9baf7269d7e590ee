//! The run as recorded: a journal's verified entries folded into sessions, steps, decisions and
//! a timeline, for `review` and `report`.

pub(crate) mod build;
pub(crate) mod load;
pub(crate) mod model;
pub(crate) mod timeline_line;
