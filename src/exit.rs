//! The one place where outcomes and errors become exit codes (SPEC §1), the same for every
//! command. Every error keeps its type up to here; `Failure::code` is the single match that
//! decides what each kind means to a script.

use std::process::ExitCode;

use crate::engine::error::EngineError;
use crate::engine::events::RunStatus;
use crate::error_chain::error_chain;
use crate::journal::file::JournalError;
use crate::journal::history::load::LoadError;
use crate::journal::open::ReopenError;
use crate::journal::run_lock::LockError;
use crate::journal::verify::report::Verdict;
use crate::journal::verify::trust::TrustError;
use crate::launch::error::{LaunchError, SetupError};
use crate::launch::run_folder::RunFolderError;
use crate::report::write::ReportWriteError;
use crate::runbook::load::ReadError;
use crate::sandbox::error::SandboxError;
use crate::tui::review::on_terminal::ReviewError;

/// How a command that did its job ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 0: success, VALID.
    Done,
    /// 1: the run failed, was aborted or rolled back.
    RunFailed,
    /// 3: suspended, waiting for an operator (or INCOMPLETE).
    Suspended,
    /// 4: verify found a bad signature, chain, sequence or digest.
    Tampered,
}

impl Outcome {
    /// How a run that ended with `status` ends the command.
    pub fn of_run(status: RunStatus) -> Self {
        match status {
            RunStatus::Passed => Self::Done,
            RunStatus::Suspended => Self::Suspended,
            RunStatus::Failed | RunStatus::RolledBack | RunStatus::Aborted => Self::RunFailed,
        }
    }

    /// The exit a verdict gives, for verify, review and report alike.
    pub fn of_verdict(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Valid => Self::Done,
            Verdict::Incomplete => Self::Suspended,
            Verdict::Tampered => Self::Tampered,
        }
    }
}

/// How a command failed: the error of the area where it happened.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Launch(#[from] LaunchError),
    /// The run stopped because what it did could not be recorded.
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    ReadRunbook(#[from] ReadError),
    /// `check` found errors; they were printed.
    #[error("{0} errors in the runbooks")]
    RunbookErrors(usize),
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    ReportWrite(#[from] ReportWriteError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("write {what} to standard output")]
    Stdout {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// What a script may conclude from the code (SPEC §1, and 6 from the README's "Choices").
const USAGE: u8 = 2;
const SUSPENDED: u8 = 3;
const TAMPERED: u8 = 4;
const JOURNAL_WRITE: u8 = 5;
const SETUP: u8 = 6;

impl Failure {
    /// The exit code of every kind of error, decided here and nowhere else.
    pub fn code(&self) -> u8 {
        match self {
            Self::Launch(err) => match err {
                LaunchError::NeedsDecision(_) => SUSPENDED,
                LaunchError::Tampered { .. } => TAMPERED,
                LaunchError::Journal(_)
                | LaunchError::RunFolder(RunFolderError::Create { .. })
                | LaunchError::Reopen(ReopenError::Lock(LockError::Io { .. })) => JOURNAL_WRITE,
                LaunchError::Setup(_) => SETUP,
                LaunchError::ReadRunbook(_)
                | LaunchError::InvalidRunbook { .. }
                | LaunchError::DrillAndDryRun
                | LaunchError::InjectOutsideDrill
                | LaunchError::EnvironmentMismatch { .. }
                | LaunchError::ProductionNotConfirmed { .. }
                | LaunchError::UnknownStep { .. }
                | LaunchError::NoLogDir
                | LaunchError::Key(_)
                | LaunchError::Variables(_)
                | LaunchError::RunFolder(RunFolderError::NotPrivate { .. })
                | LaunchError::Reopen(ReopenError::Lock(LockError::InProgress { .. }))
                | LaunchError::Reopen(ReopenError::Read { .. })
                | LaunchError::NoHeader { .. }
                | LaunchError::Finished { .. }
                | LaunchError::ReadRunCopy { .. }
                | LaunchError::RunbookChanged { .. }
                | LaunchError::RunCopyInvalid { .. }
                | LaunchError::SeveralDecisions
                | LaunchError::NothingToDecide(_)
                | LaunchError::WrongStep { .. }
                | LaunchError::RequiredStep(_)
                | LaunchError::EmptyReason
                | LaunchError::SecretChanged(_) => USAGE,
            },
            Self::Engine(_) => JOURNAL_WRITE,
            Self::Setup(_) | Self::Review(ReviewError::Terminal(_)) | Self::Stdout { .. } => SETUP,
            Self::Load(LoadError::Untrusted { .. }) => TAMPERED,
            Self::ReadRunbook(_)
            | Self::RunbookErrors(_)
            | Self::Trust(_)
            | Self::Load(LoadError::Unreadable { .. })
            | Self::Review(ReviewError::NeedsTerminal { .. })
            | Self::ReportWrite(_)
            | Self::Sandbox(_) => USAGE,
        }
    }

    /// What to print, if anything: the diagnostics of `check` were printed already. A refusal
    /// that asks the operator to decide is said as it is; everything else failed to do
    /// something, and says what and why.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::RunbookErrors(_) => None,
            Self::Engine(err) => Some(format!(
                "failed to {}; the run stopped so that nothing goes unrecorded",
                error_chain(err)
            )),
            Self::Launch(LaunchError::NeedsDecision(_))
            | Self::Launch(LaunchError::Reopen(ReopenError::Lock(LockError::InProgress {
                ..
            }))) => Some(error_chain(self)),
            _ => Some(format!("failed to {}", error_chain(self))),
        }
    }
}

impl From<JournalError> for Failure {
    fn from(err: JournalError) -> Self {
        Self::Launch(LaunchError::Journal(err))
    }
}

/// Prints the failure, if it has something to say, and returns the process exit code.
pub fn exit_code(result: Result<Outcome, Failure>) -> ExitCode {
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::RunFailed) => ExitCode::from(1),
        Ok(Outcome::Suspended) => ExitCode::from(3),
        Ok(Outcome::Tampered) => ExitCode::from(4),
        Err(failure) => {
            if let Some(message) = failure.message() {
                eprintln!("cutover: {}", crate::terminal_text::plain(&message));
            }
            ExitCode::from(failure.code())
        }
    }
}
