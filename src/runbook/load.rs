//! Loading a runbook: read the bytes, parse, run every rule, keep the diagnostics.

use std::path::{Path, PathBuf};

use super::check::check_runbook;
use super::diagnostic::{Diagnostic, Diagnostics};
use super::include::{IncludeLoader, IncludedFile, Includes, beside};
use super::model::Runbook;
use super::parse::parse_document;
use super::source::{SourceFile, Span};

/// A runbook file and everything `check` found in it.
#[derive(Debug)]
pub struct Checked {
    pub source: SourceFile,
    /// The files it includes, each once, as read: their bytes go to the run folder.
    pub included: Vec<IncludedFile>,
    /// Each use of an included file as parsed, for diagnostics inside it.
    pub included_sources: Vec<SourceFile>,
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
    let bytes = super::read_file::read_runbook_file(path).map_err(|source| ReadError {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(check_bytes(path, bytes))
}

/// Checks runbook bytes as if read from `path`; included files are read beside it.
pub fn check_bytes(path: &Path, bytes: Vec<u8>) -> Checked {
    check_bytes_with(path, bytes, &beside(path))
}

/// Checks runbook bytes, reading included files with `loader`.
pub(crate) fn check_bytes_with(path: &Path, bytes: Vec<u8>, loader: IncludeLoader<'_>) -> Checked {
    let source = SourceFile::from_bytes(path, bytes);
    let mut diags = Diagnostics::default();
    let mut includes = Includes::new(loader, &source);
    let runbook = parse_document(&source, &mut diags, &mut includes);
    if let Some(runbook) = &runbook {
        check_runbook(runbook, &mut diags);
    }
    let has_errors = diags.has_errors();
    let mut checked = Checked {
        source,
        included: includes.files,
        included_sources: includes.sources,
        runbook: if has_errors { None } else { runbook },
        diagnostics: diags.into_sorted(),
        error_count: 0,
        warning_count: 0,
    };
    // A block used twice is parsed twice: a problem inside it is said once.
    let mut seen = std::collections::HashSet::new();
    let diagnostics = std::mem::take(&mut checked.diagnostics);
    checked.diagnostics = diagnostics
        .into_iter()
        .filter(|d| {
            let source = checked.source_of(&d.span);
            seen.insert((
                source.path.clone(),
                source.line_col(d.span.start),
                d.message.clone(),
            ))
        })
        .collect();
    checked.error_count = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == super::diagnostic::Severity::Error)
        .count();
    checked.warning_count = checked.diagnostics.len() - checked.error_count;
    checked
}

impl Checked {
    /// The file a diagnostic's span is in: the runbook, or one use of an included file.
    pub fn source_of(&self, span: &Span) -> &SourceFile {
        self.included_sources
            .iter()
            .find(|source| source.holds(span))
            .unwrap_or(&self.source)
    }
}
