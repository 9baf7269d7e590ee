//! Loading a runbook: read the bytes, parse, run every rule, keep the diagnostics.

use std::path::{Path, PathBuf};

use super::check::check_runbook;
use super::diagnostic::{Diagnostic, Diagnostics};
use super::model::Runbook;
use super::parse::parse_document;
use super::source::SourceFile;

/// A runbook file and everything `check` found in it.
#[derive(Debug)]
pub struct Checked {
    pub source: SourceFile,
    /// Present when the file has no error (warnings allowed).
    pub runbook: Option<Runbook>,
    pub diagnostics: Vec<Diagnostic>,
    pub error_count: usize,
    pub warning_count: usize,
}

/// Why a runbook could not even be read.
#[derive(Debug, thiserror::Error)]
#[error("read the runbook {}", path.display())]
pub struct ReadError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

pub fn read_and_check(path: &Path) -> Result<Checked, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(check_bytes(path, bytes))
}

/// Checks runbook bytes as if read from `path`.
pub fn check_bytes(path: &Path, bytes: Vec<u8>) -> Checked {
    let source = SourceFile::from_bytes(path, bytes);
    let mut diags = Diagnostics::default();
    let runbook = parse_document(&source, &mut diags);
    if let Some(runbook) = &runbook {
        check_runbook(runbook, &mut diags);
    }
    let error_count = diags.error_count();
    let warning_count = diags.warning_count();
    let has_errors = diags.has_errors();
    Checked {
        source,
        runbook: if has_errors { None } else { runbook },
        diagnostics: diags.into_sorted(),
        error_count,
        warning_count,
    }
}
