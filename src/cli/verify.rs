//! `cutover verify JOURNAL`: VALID (0), INCOMPLETE (3, warnings only) or TAMPERED (4).

use std::path::Path;

use super::args::{ExpectMode, TrustArgs, VerifyArgs};
use crate::engine::events::Mode;
use crate::exit::{Failure, Outcome};
use crate::journal::history::load::journal_paths;
use crate::journal::verify::allowed_signers::AllowedSigners;
use crate::journal::verify::check::{VerifyOptions, parse_anchor, verify_bytes};
use crate::journal::verify::report::{Verdict, Verification};
use crate::journal::verify::summary::summary_lines;

pub fn verify_options(
    args: &TrustArgs,
    expect_mode: Option<ExpectMode>,
) -> Result<VerifyOptions, Failure> {
    let allowed_signers = match &args.allowed_signers {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|err| {
                Failure::Input(format!(
                    "cannot read allowed signers {}: {err}",
                    path.display()
                ))
            })?;
            Some(
                AllowedSigners::parse(&text)
                    .map_err(|err| Failure::Input(format!("{}: {err}", path.display())))?,
            )
        }
        None => None,
    };
    let anchors = args
        .anchors
        .iter()
        .map(|a| parse_anchor(a))
        .collect::<Result<_, _>>()
        .map_err(Failure::Input)?;
    let expect_mode = expect_mode.map(|mode| match mode {
        ExpectMode::Production => Mode::Production,
        ExpectMode::Drill => Mode::Drill,
    });
    Ok(VerifyOptions {
        allowed_signers,
        anchors,
        expect_mode,
    })
}

/// Reads and verifies a journal.
pub fn verify_journal(path: &Path, options: &VerifyOptions) -> Result<Verification, Failure> {
    let (journal, run_dir) = journal_paths(path);
    let bytes = std::fs::read(&journal).map_err(|err| {
        Failure::Input(format!("cannot read journal {}: {err}", journal.display()))
    })?;
    Ok(verify_bytes(&bytes, &run_dir, options))
}

pub fn verify(args: &VerifyArgs) -> Result<Outcome, Failure> {
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
        for line in summary_lines(&verification) {
            out.push_str(&format!("{line}\n"));
        }
    }
    print!("{}", crate::terminal_text::plain(&out));
    Ok(verdict_outcome(verification.verdict))
}

/// The exit a verdict gives, for verify, review and report alike.
pub fn verdict_outcome(verdict: Verdict) -> Outcome {
    match verdict {
        Verdict::Valid => Outcome::Done,
        Verdict::Incomplete => Outcome::Suspended,
        Verdict::Tampered => Outcome::Tampered,
    }
}
