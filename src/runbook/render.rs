//! Diagnostics as people read them (`FILE:LINE:COL: error: …`, the line, a caret, a hint) and
//! as tools read them (JSON).

use serde::Serialize;

use super::diagnostic::{Diagnostic, Severity};
use super::source::SourceFile;

/// Renders one diagnostic in the compiler style editors and terminals understand.
pub fn render_text(source: &SourceFile, diagnostic: &Diagnostic) -> String {
    let (line, column) = source.line_col(diagnostic.span.start);
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!(
        "{}:{line}:{column}: {severity}: {}\n",
        source.path.display(),
        diagnostic.message
    );
    let text = source.line_text(line);
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    let shown: String = text
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let underline_len = underline_length(source, diagnostic, line, column);
    out.push_str(&format!("{gutter} | {shown}\n"));
    out.push_str(&format!(
        "{pad} | {}{}\n",
        " ".repeat(column - 1),
        "^".repeat(underline_len)
    ));
    if let Some(hint) = &diagnostic.hint {
        out.push_str(&format!("{pad} = hint: {hint}\n"));
    }
    out
}

/// The caret covers the span, cut at the end of its first line, and is at least one wide.
fn underline_length(
    source: &SourceFile,
    diagnostic: &Diagnostic,
    line: usize,
    column: usize,
) -> usize {
    let line_chars = source.line_text(line).chars().count();
    let span_chars = source
        .slice(&diagnostic.span)
        .chars()
        .take_while(|&c| c != '\n')
        .count();
    span_chars.min(line_chars.saturating_sub(column - 1)).max(1)
}

#[derive(Serialize)]
pub(crate) struct JsonDiagnostic<'a> {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub severity: Severity,
    pub message: &'a str,
    pub hint: Option<&'a str>,
    pub source_line: &'a str,
}

pub(crate) fn to_json<'a>(
    source: &'a SourceFile,
    diagnostic: &'a Diagnostic,
) -> JsonDiagnostic<'a> {
    let (line, column) = source.line_col(diagnostic.span.start);
    let (end_line, end_column) = source.line_col(diagnostic.span.end.max(diagnostic.span.start));
    JsonDiagnostic {
        file: source.path.display().to_string(),
        line,
        column,
        end_line,
        end_column,
        severity: diagnostic.severity,
        message: &diagnostic.message,
        hint: diagnostic.hint.as_deref(),
        source_line: source.line_text(line),
    }
}
