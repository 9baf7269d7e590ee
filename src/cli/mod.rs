//! The command line: clap definitions, and one file per subcommand mapping its arguments onto
//! the part that does the work.

pub(crate) mod approve;
pub(crate) mod args;
pub(crate) mod attach;
pub(crate) mod check;
pub(crate) mod dispatch;
pub(crate) mod history;
pub(crate) mod ls;
pub(crate) mod report;
pub(crate) mod resume;
pub(crate) mod review;
pub(crate) mod run;
pub(crate) mod sandbox;
pub(crate) mod verify;
