//! Why a run could not be started, run, resumed or attached to: the error of the area where
//! it happened, with what it means to a script (`kind`) and the words a person reads
//! (`message`). The engine process tells its starting terminal both; `exit.rs` ends the
//! process with them.

use super::background::BackgroundError;
use super::error::{LaunchError, SetupError};
use crate::engine::error::EngineError;
use crate::error_chain::error_chain;
use crate::journal::file::JournalError;
use crate::live::error::AttachError;
use crate::protocol::exit_codes::FailureKind;

#[derive(Debug, thiserror::Error)]
pub enum RunFailure {
    #[error(transparent)]
    Launch(#[from] LaunchError),
    /// The run stopped because what it did could not be recorded.
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Attach(#[from] AttachError),
    /// A terminal run's engine process could not start, or did not start the run.
    #[error(transparent)]
    Background(#[from] BackgroundError),
}

impl From<JournalError> for RunFailure {
    fn from(err: JournalError) -> Self {
        Self::Launch(LaunchError::Journal(err))
    }
}

impl RunFailure {
    /// What it means to a script.
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Launch(err) => err.kind(),
            Self::Engine(err) => err.kind(),
            Self::Setup(_) => FailureKind::Setup,
            Self::Attach(err) => err.kind(),
            Self::Background(err) => err.kind(),
        }
    }

    /// What to print, if anything. A refusal that asks the operator to decide is said as it
    /// is; what another process decided is said in its words; everything else failed to do
    /// something, and says what and why.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::Background(BackgroundError::Refused { message, .. }) => message.clone(),
            Self::Attach(AttachError::EngineFailed { message, .. }) => Some(message.clone()),
            Self::Engine(err) => Some(format!(
                "failed to {}; the run stopped so that nothing goes unrecorded",
                error_chain(err)
            )),
            Self::Launch(err) if err.says_what_to_do() => Some(error_chain(err)),
            _ => Some(format!("failed to {}", error_chain(self))),
        }
    }
}
