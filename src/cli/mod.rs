//! The command line: clap definitions and one file per subcommand wiring the parts together.

pub mod args;
pub mod check;
pub mod dispatch;
pub mod unavailable;
