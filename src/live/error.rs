//! Why `cutover attach` could not attach: the run could not be found or is not live, its engine
//! could not be reached, or there is no terminal to show it on.

use std::path::PathBuf;

use super::client::ConnectError;
use super::find_run::FindRunError;

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(transparent)]
    Find(#[from] FindRunError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("take the controls of {}: the terminal that started the run holds them (its engine runs in that process); watch it with `cutover attach {} --watch`", run_dir.display(), run_dir.display())]
    ControlsHeld { run_dir: PathBuf },
    #[error("show {}: `cutover attach` needs a terminal; `cutover ls` says what the run is doing", run_dir.display())]
    NeedsTerminal { run_dir: PathBuf },
    #[error("use the terminal")]
    Terminal(#[source] std::io::Error),
}
