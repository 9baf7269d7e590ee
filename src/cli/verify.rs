//! `cutover verify JOURNAL`: VALID (0), INCOMPLETE (3, warnings only) or TAMPERED (4).

use super::args::{ExpectMode, TrustArgs, VerifyArgs};
use crate::engine::events::Mode;
use crate::exit::{Failure, Outcome};
use crate::journal::verify::check::VerifyOptions;
use crate::journal::verify::facts::fact_lines;
use crate::journal::verify::report::Verdict;
use crate::journal::verify::trust::{TrustError, TrustInput, verify_journal};

pub(crate) fn verify_options(
    args: &TrustArgs,
    expect_mode: Option<ExpectMode>,
) -> Result<VerifyOptions, TrustError> {
    crate::journal::verify::trust::verify_options(&TrustInput {
        allowed_signers: args.allowed_signers.as_deref(),
        anchors: &args.anchors,
        expect_mode: expect_mode.map(|mode| match mode {
            ExpectMode::Production => Mode::Production,
            ExpectMode::Drill => Mode::Drill,
        }),
    })
}

pub(crate) fn verify(args: &VerifyArgs) -> Result<Outcome, Failure> {
    let options = verify_options(&args.trust, args.expect_mode)?;
    let verification = verify_journal(&args.journal, &options)?;
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
        for line in fact_lines(&verification) {
            out.push_str(&format!("{line}\n"));
        }
    }
    print!("{}", crate::terminal_text::plain(&out));
    Ok(verdict_outcome(verification.verdict))
}

/// The exit a verdict gives, for verify, review and report alike.
pub(crate) fn verdict_outcome(verdict: Verdict) -> Outcome {
    match verdict {
        Verdict::Valid => Outcome::Done,
        Verdict::Incomplete => Outcome::Suspended,
        Verdict::Tampered => Outcome::Tampered,
    }
}
