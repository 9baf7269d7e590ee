//! The review screen on the operator's terminal: refused without one (a file or a pipe gets
//! `cutover report`), and the terminal restored whatever happens.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::run_loop::review_loop;
use super::state::ReviewApp;
use crate::journal::history::load::LoadedRun;
use crate::protocol::exit_codes::FailureKind;
use crate::tui::colors::color_wanted;
use crate::tui::terminal::TerminalGuard;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("show {}: `cutover review` needs a terminal; for a file or a pipe use `cutover report {} --format md|html|json`", run.display(), run.display())]
    NeedsTerminal { run: PathBuf },
    #[error("use the terminal")]
    Terminal(#[source] std::io::Error),
}

impl ReviewError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::NeedsTerminal { .. } => FailureKind::Usage,
            Self::Terminal(_) => FailureKind::Setup,
        }
    }
}

pub(crate) fn review_on_terminal(
    run: LoadedRun,
    given: &Path,
    ascii: bool,
) -> Result<(), ReviewError> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(ReviewError::NeedsTerminal {
            run: given.to_path_buf(),
        });
    }
    let env = |name: &str| std::env::var(name).ok();
    let app = ReviewApp::new(run.history, run.run_dir, ascii, color_wanted(&env));
    let mut guard = TerminalGuard::enter().map_err(ReviewError::Terminal)?;
    let shown = review_loop(&mut guard, app);
    drop(guard);
    shown.map_err(ReviewError::Terminal)
}
