//! `cutover ls`: maps the flags to a listing of the log dir.

use super::args::{CheckFormat, LsArgs};
use crate::exit::{Failure, Outcome};
use crate::journal::listing::list_runs;
use crate::journal::listing_output::{listing_json, listing_text};
use crate::launch::error::LaunchError;
use crate::launch::run_folder::default_log_dir;

pub(crate) fn ls(args: &LsArgs) -> Result<Outcome, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let log_dir = default_log_dir(args.log_dir.as_deref(), &env).ok_or(LaunchError::NoLogDir)?;
    let runs = list_runs(&log_dir, args.all);
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
