//! `cutover review RUN`: verify the journal, then show the run read-only in the terminal. The
//! exit code is verify's: 0 VALID, 3 INCOMPLETE, 4 TAMPERED.

use super::args::ReviewArgs;
use super::verify::verify_options;
use crate::exit::{Failure, Outcome};
use crate::journal::history::load::load_run;
use crate::tui::review::on_terminal::review_on_terminal;

pub(crate) fn review(args: &ReviewArgs) -> Result<Outcome, Failure> {
    let options = verify_options(&args.trust, None)?;
    let run = load_run(&args.run, &options)?;
    let verdict = run.history.trust.verdict;
    review_on_terminal(run, &args.run, args.ascii)?;
    Ok(Outcome::of_verdict(verdict))
}
