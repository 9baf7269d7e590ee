//! The command line: clap definitions and one file per subcommand wiring the parts together.

pub mod args;
pub mod check;
pub mod dispatch;
pub mod drive;
pub mod headless_answers;
pub mod interactive;
pub mod process_setup;
pub mod report;
pub mod resume;
pub mod review;
pub mod run;
pub mod sandbox;
pub mod signals;
pub mod verify;
