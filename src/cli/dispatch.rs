//! Routes a parsed command line to its subcommand.

use super::approve::approve;
use super::args::{Cli, Command};
use super::attach::attach;
use super::check::check;
use super::history::history;
use super::ls::ls;
use super::report::report;
use super::resume::resume;
use super::review::review;
use super::run::run;
use super::sandbox::sandbox;
use super::verify::verify;
use crate::exit::{Failure, Outcome};

pub fn dispatch(cli: Cli) -> Result<Outcome, Failure> {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Run(args) => run(&args),
        Command::Resume(args) => resume(&args),
        Command::Verify(args) => verify(&args),
        Command::Ls(args) => ls(&args),
        Command::Attach(args) => attach(&args),
        Command::Approve(args) => approve(&args),
        Command::History(args) => history(&args),
        Command::Review(args) => review(&args),
        Command::Report(args) => report(&args),
        Command::Sandbox(args) => sandbox(&args),
        Command::Engine(_) => crate::launch::engine_process::engine_process()
            .map(Outcome::of_run)
            .map_err(Failure::from),
    }
}
