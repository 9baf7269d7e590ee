//! What verify checks beside the journal's own lines: that `runbook.toml` is the runbook that
//! ran (E_RUNBOOK), and what in the run folder the journal does not account for (notices).

use std::path::Path;

use sha2::{Digest, Sha256};

use super::check::finding;
use super::report::{Finding, VerifiedEntry};
use crate::journal::entry::{Body, HeaderBody};
use crate::protocol::encoding::hex;

/// `runbook.toml` beside the journal, every file it included and the allowed signers the run
/// was held to must be the bytes the header names (E_RUNBOOK).
pub(crate) fn check_runbook(run_dir: &Path, header: &HeaderBody) -> Option<Finding> {
    let runbook = (
        "runbook.toml".to_string(),
        "runbook.toml".to_string(),
        header.runbook.sha256.clone(),
    );
    let included = header.includes.iter().map(|include| {
        (
            include.file.clone(),
            format!("{} (the included `{}`)", include.file, include.path),
            include.sha256.clone(),
        )
    });
    let trust_root = header.trust_root.iter().map(|root| {
        (
            root.file.clone(),
            format!("{} (the allowed signers `{}`)", root.file, root.path),
            root.sha256.clone(),
        )
    });
    std::iter::once(runbook)
        .chain(included)
        .chain(trust_root)
        .find_map(|(file, named, recorded)| differs(run_dir, &file, &named, &recorded))
        .map(|problem| finding("E_RUNBOOK", Some(1), Some(0), Some("header"), problem))
}

/// Why the run folder's `file` (as `named`) is not the bytes with SHA-256 `recorded`.
fn differs(run_dir: &Path, file: &str, named: &str, recorded: &str) -> Option<String> {
    match std::fs::read(run_dir.join(file)) {
        Err(err) => Some(format!(
            "{named} beside the journal cannot be read ({err}): a file that ran is not here"
        )),
        Ok(bytes) => {
            let actual = hex(&Sha256::digest(&bytes));
            (actual != recorded).then(|| {
                format!(
                    "{named} has SHA-256 {actual}; the header recorded {recorded}: it is not the file that ran"
                )
            })
        }
    }
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
