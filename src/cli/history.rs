//! `cutover history RUNBOOK`: the runbook's name (or its file's `[runbook] name`), its runs
//! under the log dir, their figures.

use super::args::{HistoryArgs, HistoryFormat};
use crate::exit::{Failure, Outcome};
use crate::forecast::collect::past_runs;
use crate::forecast::figures::figures;
use crate::forecast::output::{history_json, history_text};
use crate::launch::error::LaunchError;
use crate::launch::run_folder::default_log_dir;

pub(crate) fn history(args: &HistoryArgs) -> Result<Outcome, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let log_dir = default_log_dir(args.log_dir.as_deref(), &env).ok_or(LaunchError::NoLogDir)?;
    let name = runbook_name(&args.runbook)?;
    let runs = past_runs(&log_dir, &name);
    let groups = figures(&runs);
    let text = match args.format {
        HistoryFormat::Text => {
            crate::terminal_text::plain(&history_text(&name, &runs, &groups)).into_owned()
        }
        HistoryFormat::Json => history_json(&name, &runs, &groups),
        HistoryFormat::Html => crate::forecast::history_html::history_html(&name, &runs, &groups),
    };
    crate::stdout::write_stdout(&text).map_err(|source| Failure::Stdout {
        what: "the history",
        source,
    })?;
    Ok(Outcome::Done)
}

/// A runbook file gives its name; anything else is taken as the name.
fn runbook_name(given: &str) -> Result<String, Failure> {
    let path = std::path::Path::new(given);
    if !path.is_file() {
        return Ok(given.to_string());
    }
    let checked = crate::runbook::load::read_and_check(path)?;
    match checked.runbook {
        Some(runbook) => Ok(runbook.name.value),
        None => Err(LaunchError::InvalidRunbook {
            path: path.to_path_buf(),
        }
        .into()),
    }
}
