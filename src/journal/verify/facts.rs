//! The summary verify prints: what the journal is, who signed it, how the run ended, and the
//! anchor to paste into the change ticket.

use std::collections::BTreeSet;

use super::report::{Verdict, Verification};
use crate::journal::entry::Body;

pub(crate) fn fact_lines(verification: &Verification) -> Vec<String> {
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
    if let (Some(anchor), Verdict::Valid | Verdict::Incomplete) =
        (&verification.anchor, verification.verdict)
    {
        lines.push(format!(
            "anchor: {anchor}   (paste into the change ticket; verify later with --anchor {anchor})"
        ));
    }
    lines
}
