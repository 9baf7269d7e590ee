//! What verify prints: the verdict, the first error and where trust ends, warnings and
//! notices, then what the journal is, who signed it, how the run ended, and the anchor to
//! paste into the change ticket.

use std::collections::BTreeSet;

use super::report::{Verdict, Verification};
use crate::journal::entry::Body;

/// The whole text `cutover verify` prints (not yet made printable).
pub(crate) fn verification_text(verification: &Verification) -> String {
    let mut out = String::new();
    out.push_str(verification.verdict.word());
    out.push('\n');
    if let Some(error) = &verification.error {
        out.push_str(&format!("{error}\n"));
        if let Some(last) = verification.entries.last() {
            out.push_str(&format!(
                "trusted: lines 1 to {} (up to seq {})\n",
                last.line, last.entry.seq
            ));
        }
    }
    for warning in &verification.warnings {
        out.push_str(&format!("{warning}\n"));
    }
    for notice in &verification.notices {
        out.push_str(&format!("{notice}\n"));
    }
    if verification.error.is_none() {
        for line in fact_lines(verification) {
            out.push_str(&format!("{line}\n"));
        }
    }
    out
}

fn fact_lines(verification: &Verification) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(header) = &verification.header else {
        return lines;
    };
    lines.push(format!(
        "runbook: {} — {} (sha256 {})",
        header.runbook.name, header.runbook.title, header.runbook.sha256
    ));
    lines.push(format!(
        "mode: {} (namespace {})",
        header.mode.as_str(),
        header.namespace
    ));
    if let Some(target) = &header.target {
        lines.push(format!("target: {target}"));
    }
    lines.push(format!(
        "operator: {} — key {} ({})",
        header.operator.principal, header.operator.fingerprint, header.operator.source
    ));
    if !verification.keys_checked {
        lines.push(
            "keys: not checked — the signatures hold, but who holds these keys was not checked (pass --allowed-signers FILE)"
                .into(),
        );
    }
    let steps: BTreeSet<&str> = verification
        .entries
        .iter()
        .filter_map(|e| match &e.entry.body {
            Body::StepResult(r) if r.stage.is_none() => Some(r.step.as_str()),
            _ => None,
        })
        .collect();
    let status = verification
        .entries
        .iter()
        .rev()
        .find_map(|e| match &e.entry.body {
            Body::Footer(f) => Some(f.status.as_str().to_string()),
            Body::Suspend(s) => Some(format!("suspended ({})", s.reason)),
            _ => None,
        })
        .unwrap_or_else(|| "no footer: interrupted".into());
    lines.push(format!(
        "entries: {} · steps: {} · final status: {status}",
        verification.entries.len(),
        steps.len()
    ));
    lines.push(format!(
        "signed: {}",
        verification.signature_counts().sentence()
    ));
    if let (Some(anchor), Verdict::Valid | Verdict::Incomplete) =
        (&verification.anchor, verification.verdict)
    {
        lines.push(format!(
            "anchor: {anchor}   (paste into the change ticket; verify later with --anchor {anchor})"
        ));
    }
    lines
}
