//! Opening a past run for `review` and `report`: verify the journal first, build the history
//! from what verify trusted, and look at `runbook.toml` — only when its bytes are the ones the
//! header names does it say which steps the run never reached.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::build::build_history;
use super::model::RunHistory;
use crate::journal::verify::check::{VerifyOptions, verify_bytes};
use crate::journal::verify::report::{Finding, Verification};
use crate::protocol::encoding::hex;
use crate::protocol::exit_codes::FailureKind;
use crate::runbook::model::Runbook;

/// What the run folder's `runbook.toml` says about the runbook that ran.
#[derive(Debug)]
pub enum RunbookFile {
    /// Its SHA-256 is the header's: the runbook that ran.
    Matches(Box<Runbook>),
    /// Changed since the run: not used.
    Differs {
        actual: String,
    },
    Missing,
}

pub struct LoadedRun {
    pub journal: PathBuf,
    pub run_dir: PathBuf,
    pub history: RunHistory,
    pub runbook: RunbookFile,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("read the journal {} (give a run folder or its journal.log)", journal.display())]
    Unreadable {
        journal: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not even the header verified: nothing in the file can be shown as the run.
    #[error("show {}: TAMPERED — {finding}; nothing in it can be shown as the run", journal.display())]
    Untrusted { journal: PathBuf, finding: Finding },
}

impl LoadError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Unreadable { .. } => FailureKind::Usage,
            Self::Untrusted { .. } => FailureKind::Tampered,
        }
    }
}

/// A run folder or its `journal.log` → (journal, run folder).
pub(crate) fn journal_paths(path: &Path) -> (PathBuf, PathBuf) {
    if path.is_dir() {
        return (path.join("journal.log"), path.to_path_buf());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    (path.to_path_buf(), dir)
}

pub fn load_run(path: &Path, options: &VerifyOptions) -> Result<LoadedRun, LoadError> {
    let (journal, run_dir) = journal_paths(path);
    let bytes = std::fs::read(&journal).map_err(|source| LoadError::Unreadable {
        journal: journal.clone(),
        source,
    })?;
    let verification = verify_bytes(&bytes, &run_dir, options);
    let total_lines = memchr::memchr_iter(b'\n', &bytes).count()
        + usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
    let history =
        build_history(&verification, total_lines).ok_or_else(|| LoadError::Untrusted {
            journal: journal.clone(),
            finding: first_error(&verification),
        })?;
    let runbook = runbook_file(&run_dir, &history.header);
    Ok(LoadedRun {
        journal,
        run_dir,
        history,
        runbook,
    })
}

fn first_error(verification: &Verification) -> Finding {
    verification.error.clone().unwrap_or(Finding {
        code: "E_HEADER",
        line: Some(1),
        seq: None,
        kind: None,
        message: "no header could be verified".into(),
    })
}

fn runbook_file(run_dir: &Path, header: &crate::journal::entry::HeaderBody) -> RunbookFile {
    let expected = &header.runbook.sha256;
    let path = run_dir.join("runbook.toml");
    let Ok(bytes) = std::fs::read(&path) else {
        return RunbookFile::Missing;
    };
    let actual = hex(&Sha256::digest(&bytes));
    if &actual != expected {
        return RunbookFile::Differs { actual };
    }
    let copies = header
        .includes
        .iter()
        .map(|i| (i.path.clone(), run_dir.join(&i.file), i.sha256.clone()))
        .collect();
    let loader = crate::runbook::include::from_run_folder(copies);
    match crate::runbook::load::check_bytes_with(&path, bytes, &loader).runbook {
        Some(runbook) => RunbookFile::Matches(Box::new(runbook)),
        // The bytes that ran no longer check (a newer cutover is stricter): the journal still
        // stands on its own.
        None => RunbookFile::Missing,
    }
}

impl LoadedRun {
    /// Steps of the runbook that have no entry in the journal, in runbook order, with their
    /// phase (`None` for rollback steps). Empty when `runbook.toml` is not the one that ran.
    pub fn not_reached(&self) -> Vec<(Option<String>, String, String)> {
        let RunbookFile::Matches(runbook) = &self.runbook else {
            return Vec::new();
        };
        let seen = |id: &str| self.history.step(id).is_some();
        let mut missing: Vec<(Option<String>, String, String)> = runbook
            .steps()
            .filter(|(_, step)| !seen(&step.id.value))
            .map(|(phase, step)| {
                (
                    Some(phase.id.value.clone()),
                    step.id.value.clone(),
                    step.title.clone(),
                )
            })
            .collect();
        missing.extend(
            runbook
                .rollback
                .iter()
                .filter(|step| !seen(&step.id.value))
                .map(|step| (None, step.id.value.clone(), step.title.clone())),
        );
        missing
    }
}
