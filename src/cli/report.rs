//! `cutover report RUN`: the run rendered as Markdown, HTML or JSON from its verified journal.
//! The report is written whatever the verdict — a TAMPERED journal's report says so at its top
//! and shows only what precedes the first error — and the exit code is verify's.

use std::io::Write;

use super::args::{ReportArgs, ReportFormat};
use super::verify::{verdict_outcome, verify_options};
use crate::exit::{Failure, Outcome};
use crate::journal::history::load::{LoadError, LoadedRun, load_run};
use crate::report::html::render_html;
use crate::report::json::render_json;
use crate::report::markdown::render_markdown;
use crate::report::summary::build_report;

pub fn report(args: &ReportArgs) -> Result<Outcome, Failure> {
    let options = verify_options(&args.trust, None)?;
    let run = open_run(&args.run, &options)?;
    let report = build_report(&run, options.allowed_signers.is_some());
    let text = match args.format {
        ReportFormat::Md => render_markdown(&report),
        ReportFormat::Html => render_html(&report),
        ReportFormat::Json => render_json(&report),
    };
    match &args.output {
        Some(path) => write_private(path, text.as_bytes()).map_err(|err| {
            Failure::Input(format!(
                "cannot write the report to {}: {err}",
                path.display()
            ))
        })?,
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is the reader's choice, not a failure of the report.
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
        }
    }
    Ok(verdict_outcome(run.history.trust.verdict))
}

/// Opens a run for review or report; a journal whose header cannot be trusted is TAMPERED.
pub fn open_run(
    path: &std::path::Path,
    options: &crate::journal::verify::check::VerifyOptions,
) -> Result<LoadedRun, Failure> {
    load_run(path, options).map_err(|err| match err {
        LoadError::Unreadable(message) => Failure::Input(message),
        LoadError::Untrusted(finding) => Failure::Tampered(format!(
            "{}: TAMPERED — {finding}; nothing in it can be shown as the run",
            path.display()
        )),
    })
}

/// Writes the report readable by its owner only (0600), whatever the umask: it names the
/// operator and the host and quotes the tails of the run's output. An existing file is
/// truncated and narrowed to 0600 too.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}
