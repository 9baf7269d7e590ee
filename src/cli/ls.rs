//! `cutover ls`: maps the flags to a listing of the log dir.

use super::args::{CheckFormat, LsArgs};
use crate::exit::{Failure, Outcome};
use std::time::Duration;

use crate::journal::listing::{RunState, list_runs};
use crate::journal::listing_output::{listing_json, listing_text};
use crate::launch::error::LaunchError;
use crate::launch::error::runtime;
use crate::launch::run_folder::default_log_dir;
use crate::live::client::status;

pub(crate) fn ls(args: &LsArgs) -> Result<Outcome, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let log_dir = default_log_dir(args.log_dir.as_deref(), &env).ok_or(LaunchError::NoLogDir)?;
    let mut runs = list_runs(&log_dir, args.all);
    ask_live_runs(&mut runs)?;
    let text = match args.format {
        CheckFormat::Text => crate::terminal_text::plain(&listing_text(&runs)).into_owned(),
        CheckFormat::Json => listing_json(&runs),
    };
    crate::stdout::write_stdout(&text).map_err(|source| Failure::Stdout {
        what: "the listing",
        source,
    })?;
    Ok(Outcome::Done)
}

/// What each live run's engine says it is doing; an engine that does not answer within half
/// a second is listed from its journal alone.
fn ask_live_runs(runs: &mut [crate::journal::listing::ListedRun]) -> Result<(), Failure> {
    if !runs.iter().any(|run| run.state == RunState::Live) {
        return Ok(());
    }
    runtime()?.block_on(async {
        for run in runs.iter_mut().filter(|run| run.state == RunState::Live) {
            run.live = status(&run.run_dir, Duration::from_millis(500)).await;
        }
    });
    Ok(())
}
