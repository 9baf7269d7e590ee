//! Why a run stops without a status: what it did could not be recorded (exit 5). Everything
//! else that goes wrong during a run is a step's result, journaled, not an error.

use super::emitter::RecordError;
use crate::protocol::exit_codes::FailureKind;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    RunFolder(#[from] RunFolderWriteError),
    /// The random value that names an approval wait could not be drawn: no wait could be
    /// told from another, so none is opened.
    #[error("draw the random value that names an approval wait")]
    Randomness(#[source] std::io::Error),
}

impl EngineError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Record(_) | Self::RunFolder(_) => FailureKind::JournalWrite,
            Self::Randomness(_) => FailureKind::Setup,
        }
    }
}

/// A file of the run folder (a step's output, a service's log) could not be written: what the
/// step printed would go unrecorded.
#[derive(Debug, thiserror::Error)]
#[error("{what} in the run folder")]
pub struct RunFolderWriteError {
    pub what: String,
    #[source]
    pub source: std::io::Error,
}

impl RunFolderWriteError {
    pub fn new(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self { what, source }
    }
}
