//! Sentences the Markdown and HTML reports share, so that both say the same thing. Plain
//! text: each format escapes and dresses it its own way.

use super::build::{Report, RunbookFileState};
use crate::journal::verify::report::Verdict;
use crate::runbook::duration::{format_duration, human_ms};

/// `12.3s`, `12.3s (planned 10s, over)`, `—` when not measured. The plan is written as the
/// runbook wrote it.
pub(crate) fn duration_against(duration: Option<u64>, expected: Option<u64>) -> String {
    let planned = |ms: u64| format_duration(std::time::Duration::from_millis(ms));
    match (duration, expected) {
        (None, _) => "—".into(),
        (Some(ms), None) => human_ms(ms),
        (Some(ms), Some(plan)) if ms > plan => {
            format!("{} (planned {}, over)", human_ms(ms), planned(plan))
        }
        (Some(ms), Some(plan)) => format!("{} (planned {})", human_ms(ms), planned(plan)),
    }
}

/// What the verdict means for whoever reads the report.
pub(crate) struct VerdictWords {
    /// `VALID`, `INCOMPLETE`, `TAMPERED`.
    pub headline: &'static str,
    pub meaning: String,
    /// The first error, as verify prints it.
    pub error: Option<String>,
    /// On TAMPERED: where trust ends.
    pub trust_limit: Option<String>,
    pub anchor: Option<String>,
    pub signers: &'static str,
    /// Which key signed how many entries, and which closed the journal.
    pub signed: String,
    pub runbook_file: Option<&'static str>,
}

pub(crate) fn verdict_words(report: &Report) -> VerdictWords {
    let verification = &report.verification;
    let meaning = match verification.verdict {
        Verdict::Valid => {
            "Every signature, the hash chain, every checkpoint and every output file verified; \
             the journal was closed by its footer."
        }
        Verdict::Incomplete => {
            "What is recorded verified, but the journal has no footer or ends with a torn write: \
             the run was suspended or interrupted, and truncation cannot be ruled out without an \
             anchor taken earlier."
        }
        Verdict::Tampered => "The journal does not verify: it was altered after it was written.",
    };
    VerdictWords {
        headline: verification.verdict.word(),
        meaning: meaning.to_string(),
        error: verification.error.clone(),
        trust_limit: (verification.verdict == Verdict::Tampered).then(|| {
            format!(
                "Everything in this report comes from the {} entries before the first error; \
                 nothing from there on ({} lines in the file) can be trusted.",
                verification.trusted_entries, verification.total_lines
            )
        }),
        anchor: verification.anchor.clone(),
        signers: if verification.signers_checked {
            "The operator keys were checked against an allowed_signers file."
        } else {
            "The operator keys were not checked against an allowed_signers file \
             (--allowed-signers): the key fingerprints say who signed."
        },
        signed: format!("Signed: {}.", verification.signatures.sentence()),
        runbook_file: match verification.runbook_file {
            RunbookFileState::Differs => Some(
                "runbook.toml in the run folder is not the runbook that ran (its SHA-256 differs \
                 from the header's): steps never reached cannot be listed.",
            ),
            RunbookFileState::Missing => Some(
                "runbook.toml is missing from the run folder: steps never reached cannot be listed.",
            ),
            RunbookFileState::Matches => None,
        },
    }
}

/// The run against its earlier runs, one sentence each: how many it is compared with, the
/// steps past their usual time, a drill's time to roll back.
pub(crate) fn against_history_lines(
    against: &crate::forecast::against_history::AgainstHistory,
) -> Vec<String> {
    let mut lines = vec![format!(
        "Compared with {} earlier run{} of the same kind and target in this log dir.",
        against.earlier_runs,
        if against.earlier_runs == 1 { "" } else { "s" }
    )];
    if against.slower.is_empty() {
        lines.push("No step took far longer than it usually does (past its p90).".into());
    }
    for slower in &against.slower {
        lines.push(format!(
            "Step {} took {}: past its p90 of {} (p50 {}, over {} earlier runs).",
            slower.step,
            human_ms(slower.took_ms),
            human_ms(slower.p90_ms),
            human_ms(slower.p50_ms),
            slower.runs
        ));
    }
    if let Some(rollback) = &against.rollback {
        lines.push(match (rollback.earlier_p50_ms, rollback.earlier_p90_ms) {
            (Some(p50), Some(p90)) => format!(
                "From the first failure to the rollback's end: {}, against {} at p50 and {} at p90 over {} earlier rollback{}.",
                human_ms(rollback.took_ms),
                human_ms(p50),
                human_ms(p90),
                rollback.earlier_rollbacks,
                if rollback.earlier_rollbacks == 1 { "" } else { "s" }
            ),
            _ => format!(
                "From the first failure to the rollback's end: {}; no earlier run rolled back to compare with.",
                human_ms(rollback.took_ms)
            ),
        });
    }
    lines
}

/// The people who confirmed a step, then those who approved what it ran: `alice; approved by
/// bob@corp (SHA256:…)`.
pub(crate) fn confirmed_and_approved(step: &super::build::StepPart) -> String {
    let mut said = step
        .confirmed_by
        .iter()
        .map(crate::journal::history::model::Actor::described)
        .collect::<Vec<_>>()
        .join(", ");
    if !step.approved_by.is_empty() {
        let approvers: Vec<String> = step
            .approved_by
            .iter()
            .map(|a| format!("{} ({})", a.principal, a.fingerprint))
            .collect();
        if !said.is_empty() {
            said.push_str("; ");
        }
        said.push_str(&format!("approved by {}", approvers.join(", ")));
    }
    said
}
