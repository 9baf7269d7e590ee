//! Why `cutover attach` could not attach: the run could not be found or is not live, its engine
//! could not be reached, or there is no terminal to show it on.

use std::path::PathBuf;

use super::client::ConnectError;
use super::find_run::FindRunError;
use crate::protocol::exit_codes::FailureKind;

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(transparent)]
    Find(#[from] FindRunError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("show {}: `cutover attach` needs a terminal; `cutover ls` says what the run is doing", run_dir.display())]
    NeedsTerminal { run_dir: PathBuf },
    #[error("use the terminal")]
    Terminal(#[source] std::io::Error),
    /// The engine's own failure, with its own code: said as it said it.
    #[error("{message}")]
    EngineFailed { code: u8, message: String },
    #[error("follow the run: its engine ended without a word (killed?); `cutover ls` says where it stands, and `cutover resume {}` continues it", run_dir.display())]
    EngineGone { run_dir: PathBuf },
    #[error("sign for the engine of {}: {reason}. Nothing was signed and the connection is closed; check who serves that socket (`cutover ls`)", run_dir.display())]
    RefusedToSign { run_dir: PathBuf, reason: String },
}

impl AttachError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Find(_)
            | Self::Connect(_)
            | Self::NeedsTerminal { .. }
            | Self::RefusedToSign { .. } => FailureKind::Usage,
            Self::Terminal(_) => FailureKind::Setup,
            // Decided by the engine process, in its own process, by the same rules.
            Self::EngineFailed { code, .. } => FailureKind::Reported(*code),
            // The run is interrupted: it waits for `cutover resume`.
            Self::EngineGone { .. } => FailureKind::Suspended,
        }
    }
}
