//! Which run `cutover attach RUN` means: a run folder, its journal, a run id, or a runbook name
//! (its live run); with none, the only live run under the log dir.

use std::path::{Path, PathBuf};

use crate::journal::listing::{ListedRun, RunState, list_runs};

#[derive(Debug, thiserror::Error)]
pub enum FindRunError {
    #[error("find a live run: none under {log_dir}; `cutover ls --all` lists the runs there")]
    NoLiveRun { log_dir: PathBuf },
    #[error(
        "choose a run: {count} are live under {log_dir} ({runs}); name one: `cutover attach RUN`"
    )]
    SeveralLive {
        log_dir: PathBuf,
        count: usize,
        runs: String,
    },
    #[error(
        "find run `{given}`: it is not a run folder, a journal, a run id, or a runbook with a live run under {log_dir}; `cutover ls` lists them"
    )]
    NotFound { given: String, log_dir: PathBuf },
    #[error("attach to {run_dir}: the run is {state}, not live{hint}")]
    NotLive {
        run_dir: PathBuf,
        state: &'static str,
        hint: String,
    },
}

/// The run folder of the live run `given` names under `log_dir`.
pub(crate) fn find_live_run(given: Option<&str>, log_dir: &Path) -> Result<PathBuf, FindRunError> {
    let runs = list_runs(log_dir, true);
    let chosen: ListedRun = match given {
        None => {
            let live: Vec<&ListedRun> = runs.iter().filter(|r| r.state == RunState::Live).collect();
            match live.as_slice() {
                [] => {
                    return Err(FindRunError::NoLiveRun {
                        log_dir: log_dir.to_path_buf(),
                    });
                }
                [one] => (*one).clone(),
                many => return Err(several(log_dir, many)),
            }
        }
        // A folder holding only a run's socket, as `--share-with` serves it to a group: what
        // its engine says is all there is to know.
        Some(given) if is_shared_socket_folder(given) => return Ok(PathBuf::from(given)),
        Some(given) => match as_run_folder(given) {
            Some(run_dir) => {
                let absolute = std::path::absolute(&run_dir).unwrap_or(run_dir.clone());
                match runs.iter().find(|r| r.run_dir == absolute) {
                    Some(run) => run.clone(),
                    // A run folder under another log dir: its own listing says what it is.
                    None => crate::journal::listing::listed_run(&run_dir).ok_or_else(|| {
                        FindRunError::NotFound {
                            given: given.to_string(),
                            log_dir: log_dir.to_path_buf(),
                        }
                    })?,
                }
            }
            None => {
                if let Some(run) = runs.iter().find(|r| r.run_id == given) {
                    run.clone()
                } else {
                    let live: Vec<&ListedRun> = runs
                        .iter()
                        .filter(|r| r.runbook == given && r.state == RunState::Live)
                        .collect();
                    match live.as_slice() {
                        [one] => (*one).clone(),
                        [] => {
                            return Err(FindRunError::NotFound {
                                given: given.to_string(),
                                log_dir: log_dir.to_path_buf(),
                            });
                        }
                        many => return Err(several(log_dir, many)),
                    }
                }
            }
        },
    };
    if chosen.state != RunState::Live {
        let hint = chosen
            .continue_with
            .as_ref()
            .map(|command| format!(": `{command}` continues it"))
            .unwrap_or_else(|| format!(": `cutover review {}` shows it", chosen.run_dir.display()));
        return Err(FindRunError::NotLive {
            run_dir: chosen.run_dir,
            state: chosen.state.as_str(),
            hint,
        });
    }
    Ok(chosen.run_dir)
}

/// `LOG_DIR/.shared/RUN_ID`: whether the socket in it may be reached is the kernel's to say.
fn is_shared_socket_folder(given: &str) -> bool {
    let path = Path::new(given);
    path.is_dir()
        && path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|name| name == ".shared")
}

/// `given` as a run folder: the folder itself, or the folder of a journal — as `review` and
/// `report` read them.
fn as_run_folder(given: &str) -> Option<PathBuf> {
    let path = Path::new(given);
    if !path.exists() {
        return None;
    }
    let (journal, run_dir) = crate::journal::history::load::journal_paths(path);
    journal.is_file().then_some(run_dir)
}

fn several(log_dir: &Path, many: &[&ListedRun]) -> FindRunError {
    FindRunError::SeveralLive {
        log_dir: log_dir.to_path_buf(),
        count: many.len(),
        runs: many
            .iter()
            .map(|r| r.run_id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}
