//! `cutover check RUNBOOK...`: every problem of every file, at once.

use super::args::{CheckArgs, CheckFormat};
use crate::exit::{Failure, Outcome};
use crate::runbook::check_output::{print_json, print_text};
use crate::runbook::load::read_and_check;

pub(crate) fn check(args: &CheckArgs) -> Result<Outcome, Failure> {
    let mut results = Vec::new();
    for path in &args.runbooks {
        results.push(read_and_check(path)?);
    }
    let mut stdout = std::io::stdout().lock();
    let printed = match args.format {
        CheckFormat::Text => print_text(&mut stdout, &results),
        CheckFormat::Json => print_json(&mut stdout, &results),
    };
    // A closed pipe (`| head`) is the reader's choice; the exit code still says the verdict.
    match printed {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.map_err(|source| Failure::Stdout {
            what: "the diagnostics",
            source,
        })?,
    }
    let errors: usize = results.iter().map(|checked| checked.error_count).sum();
    if errors > 0 {
        Err(Failure::RunbookErrors(errors))
    } else {
        Ok(Outcome::Done)
    }
}
