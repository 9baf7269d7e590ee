//! `cutover report RUN`: the run rendered as Markdown, HTML or JSON from its verified journal.
//! The report is written whatever the verdict — a TAMPERED journal's report says so at its top
//! and shows only what precedes the first error — and the exit code is verify's.

use super::args::{ReportArgs, ReportFormat};
use super::verify::verify_options;
use crate::exit::{Failure, Outcome};
use crate::journal::history::load::load_run;
use crate::report::build::build_report;
use crate::report::html::render_html;
use crate::report::json::render_json;
use crate::report::markdown::render_markdown;
use crate::report::write::write_report;

pub(crate) fn report(args: &ReportArgs) -> Result<Outcome, Failure> {
    let options = verify_options(&args.trust, None)?;
    let run = load_run(&args.run, &options)?;
    let report = build_report(&run, options.allowed_signers.is_some());
    let text = match args.format {
        ReportFormat::Md => render_markdown(&report),
        ReportFormat::Html => render_html(&report),
        ReportFormat::Json => render_json(&report),
    };
    write_report(args.output.as_deref(), &text)?;
    Ok(Outcome::of_verdict(run.history.trust.verdict))
}
