//! The command line: clap definitions, and one file per subcommand mapping its arguments onto
//! the part that does the work.

pub mod args;
pub mod check;
pub mod dispatch;
pub mod report;
pub mod resume;
pub mod review;
pub mod run;
pub mod sandbox;
pub mod verify;
