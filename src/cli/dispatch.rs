//! Routes a parsed command line to its subcommand.

use super::args::{Cli, Command};
use super::check::check;
use super::run::run;
use super::unavailable::not_yet;
use crate::exit::{Failure, Outcome};

pub fn dispatch(cli: Cli) -> Result<Outcome, Failure> {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Run(args) => run(&args),
        Command::Resume(_) => Err(not_yet("resume", "the signed journal")),
        Command::Verify(_) => Err(not_yet("verify", "the signed journal")),
        Command::Review(_) => Err(not_yet("review", "the audit review")),
        Command::Report(_) => Err(not_yet("report", "the audit review")),
        Command::Sandbox(_) => Err(not_yet("sandbox", "the drill sandbox")),
    }
}
