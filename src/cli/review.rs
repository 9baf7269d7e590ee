//! `cutover review RUN`: verify the journal, then show the run read-only in the terminal. The
//! exit code is verify's: 0 VALID, 3 INCOMPLETE, 4 TAMPERED.

use std::io::IsTerminal;

use super::args::ReviewArgs;
use super::interactive::color_wanted;
use super::report::open_run;
use super::verify::{verdict_outcome, verify_options};
use crate::exit::{Failure, Outcome};
use crate::tui::review::run_loop::review_loop;
use crate::tui::review::state::ReviewApp;
use crate::tui::terminal::TerminalGuard;

pub fn review(args: &ReviewArgs) -> Result<Outcome, Failure> {
    let options = verify_options(&args.trust, None)?;
    let run = open_run(&args.run, &options)?;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(Failure::Input(format!(
            "`cutover review` needs a terminal; for a file or a pipe use `cutover report {} --format md|html|json`",
            args.run.display()
        )));
    }
    let verdict = run.history.trust.verdict;
    let env = |name: &str| std::env::var(name).ok();
    let app = ReviewApp::new(run.history, run.run_dir, args.ascii, color_wanted(&env));
    let mut guard = TerminalGuard::enter()
        .map_err(|err| Failure::Input(format!("cannot use the terminal: {err}")))?;
    let shown = review_loop(&mut guard, app);
    drop(guard);
    shown.map_err(|err| Failure::Input(format!("the terminal failed: {err}")))?;
    Ok(verdict_outcome(verdict))
}
