//! What `cutover check` prints: for people, each diagnostic with its source line and a summary
//! line per file; for tools, one JSON document.

use std::io::Write;

use serde::Serialize;

use super::load::Checked;
use super::render::{JsonDiagnostic, render_text, to_json};

pub(crate) fn print_text(out: &mut impl Write, results: &[Checked]) -> std::io::Result<()> {
    for checked in results {
        for diagnostic in &checked.diagnostics {
            // The diagnostic quotes the file: escape bytes in it must not reach the terminal.
            let text = render_text(checked.source_of(&diagnostic.span), diagnostic);
            writeln!(out, "{}", crate::terminal_text::plain(&text))?;
        }
        let path = checked.source.path.display().to_string();
        let path = crate::terminal_text::plain(&path);
        match &checked.runbook {
            Some(runbook) => writeln!(
                out,
                "{path}: ok — {}, {}, {}{}",
                counted(runbook.phases.len(), "phase"),
                counted(runbook.step_count(), "step"),
                counted(runbook.rollback.len(), "rollback step"),
                plural_warnings(checked.warning_count)
            )?,
            None => writeln!(
                out,
                "{path}: {} error{}{}",
                checked.error_count,
                if checked.error_count == 1 { "" } else { "s" },
                plural_warnings(checked.warning_count)
            )?,
        }
    }
    Ok(())
}

/// `1 phase`, `3 phases`.
fn counted(count: usize, what: &str) -> String {
    format!("{count} {what}{}", if count == 1 { "" } else { "s" })
}

fn plural_warnings(count: usize) -> String {
    match count {
        0 => String::new(),
        1 => ", 1 warning".into(),
        n => format!(", {n} warnings"),
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: String,
    ok: bool,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Each secret and the steps that receive it (when the file has no error).
    #[serde(skip_serializing_if = "Option::is_none")]
    secrets: Option<std::collections::BTreeMap<String, Vec<String>>>,
}

pub(crate) fn print_json(out: &mut impl Write, results: &[Checked]) -> std::io::Result<()> {
    let report = JsonReport {
        files: results
            .iter()
            .map(|checked| JsonFile {
                file: checked.source.path.display().to_string(),
                ok: checked.error_count == 0,
                errors: checked.error_count,
                warnings: checked.warning_count,
                secrets: checked
                    .runbook
                    .as_ref()
                    .map(super::secret_use::secret_receivers),
                diagnostics: checked
                    .diagnostics
                    .iter()
                    .map(|d| to_json(checked.source_of(&d.span), d))
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}
