//! What verify checks beside the journal's own lines: that `runbook.toml` is the runbook that
//! ran (E_RUNBOOK), and what in the run folder the journal does not account for (notices).

use std::path::Path;

use sha2::{Digest, Sha256};

use super::check::finding;
use super::report::{Finding, VerifiedEntry};
use crate::engine::output_file::hex;
use crate::journal::entry::{Body, HeaderBody};

/// `runbook.toml` beside the journal, and every file it included, must be the bytes the
/// header names (E_RUNBOOK).
pub(crate) fn check_runbook(run_dir: &Path, header: &HeaderBody) -> Option<Finding> {
    check_runbook_file(run_dir, header).or_else(|| {
        header
            .includes
            .iter()
            .find_map(|include| check_included(run_dir, include))
    })
}

fn check_included(run_dir: &Path, include: &crate::journal::entry::IncludeRef) -> Option<Finding> {
    let problem = match std::fs::read(run_dir.join(&include.file)) {
        Err(err) => format!(
            "{}, the copy of the included `{}`, cannot be read ({err}): a file that ran is not here",
            include.file, include.path
        ),
        Ok(bytes) => {
            let actual = hex(&Sha256::digest(&bytes));
            if actual == include.sha256 {
                return None;
            }
            format!(
                "{} (the included `{}`) has SHA-256 {actual}; the header recorded {}: it is not the file that ran",
                include.file, include.path, include.sha256
            )
        }
    };
    Some(finding(
        "E_RUNBOOK",
        Some(1),
        Some(0),
        Some("header"),
        problem,
    ))
}

fn check_runbook_file(run_dir: &Path, header: &HeaderBody) -> Option<Finding> {
    let path = run_dir.join("runbook.toml");
    let problem = match std::fs::read(&path) {
        Err(err) => format!(
            "runbook.toml beside the journal cannot be read ({err}): the runbook that ran is not here"
        ),
        Ok(bytes) => {
            let actual = hex(&Sha256::digest(&bytes));
            if actual == header.runbook.sha256 {
                return None;
            }
            format!(
                "runbook.toml has SHA-256 {actual}; the header recorded {}: it is not the runbook that ran",
                header.runbook.sha256
            )
        }
    };
    Some(finding(
        "E_RUNBOOK",
        Some(1),
        Some(0),
        Some("header"),
        problem,
    ))
}

/// What is in the run folder that the journal does not account for. Not evidence of tampering
/// (a copy may be renamed; a file may be dropped in `output/` by hand), but worth a look.
pub(crate) fn folder_notices(
    run_dir: &Path,
    header: &HeaderBody,
    entries: &[VerifiedEntry],
) -> Vec<Finding> {
    let mut notices = Vec::new();
    if let Some(name) = run_dir.file_name().and_then(|n| n.to_str())
        && name != header.run_id
    {
        notices.push(finding(
            "N_RUN_DIR",
            None,
            None,
            None,
            format!(
                "the run folder is named `{name}`, but the journal is run `{}` (renamed or copied?)",
                header.run_id
            ),
        ));
    }
    let named: std::collections::BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| match &e.entry.body {
            Body::StepResult(result) => result.output.as_ref().map(|o| o.path.as_str()),
            _ => None,
        })
        .collect();
    let Ok(files) = std::fs::read_dir(run_dir.join("output")) else {
        return notices;
    };
    let mut unnamed: Vec<String> = files
        .flatten()
        .filter_map(|f| f.file_name().to_str().map(|n| format!("output/{n}")))
        .filter(|path| !named.contains(path.as_str()))
        .collect();
    unnamed.sort();
    if !unnamed.is_empty() {
        notices.push(finding(
            "N_UNNAMED_OUTPUT",
            None,
            None,
            None,
            format!(
                "no entry names {} (a service's log, a step that was running when the run stopped, or a file put there by hand)",
                unnamed.join(", ")
            ),
        ));
    }
    notices
}
