//! `cutover verify JOURNAL`: VALID (0), INCOMPLETE (3, warnings only) or TAMPERED (4).

use super::args::{ExpectMode, TrustArgs, VerifyArgs};
use crate::exit::{Failure, Outcome};
use crate::journal::verify::check::VerifyOptions;
use crate::journal::verify::facts::verification_text;
use crate::journal::verify::trust::{TrustError, TrustInput, verify_journal};
use crate::protocol::mode::Mode;

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
    crate::stdout::write_stdout(&crate::terminal_text::plain(&verification_text(
        &verification,
    )))
    .map_err(|source| Failure::Stdout {
        what: "the verdict",
        source,
    })?;
    Ok(Outcome::of_verdict(verification.verdict))
}
