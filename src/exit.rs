//! How every command ends: its outcome, or the error of the area where it failed. Each area
//! says what its errors mean to a script (`kind()` beside each error type) and
//! `protocol/exit_codes.rs` gives each meaning its number; here they meet, once, and the
//! process ends.

use std::process::ExitCode;

use crate::error_chain::error_chain;
use crate::journal::history::load::LoadError;
use crate::journal::verify::report::Verdict;
use crate::journal::verify::trust::TrustError;
use crate::launch::failure::RunFailure;
use crate::protocol::exit_codes::{self, FailureKind};
use crate::protocol::status::RunStatus;
use crate::report::write::ReportWriteError;
use crate::runbook::load::ReadError;
use crate::sandbox::error::SandboxError;
use crate::stdout::say;
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

    fn code(&self) -> u8 {
        match self {
            Self::Done => exit_codes::DONE,
            Self::RunFailed => exit_codes::RUN_FAILED,
            Self::Suspended => exit_codes::SUSPENDED,
            Self::Tampered => exit_codes::TAMPERED,
        }
    }
}

/// How a command failed: the error of the area where it happened.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Starting, running, resuming or attaching to a run.
    #[error(transparent)]
    Run(#[from] RunFailure),
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
    /// `cutover approve` approved nothing.
    #[error(transparent)]
    Approve(#[from] crate::live::approve_error::ApproveError),
    #[error("write {what} to standard output")]
    Stdout {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// The errors of a run's areas become a failure of the command through the run's failure.
macro_rules! through_the_run {
    ($($error:ty),*) => {
        $(impl From<$error> for Failure {
            fn from(err: $error) -> Self {
                Self::Run(RunFailure::from(err))
            }
        })*
    };
}
through_the_run!(
    crate::launch::error::LaunchError,
    crate::launch::error::SetupError,
    crate::launch::background::BackgroundError,
    crate::engine::error::EngineError,
    crate::live::error::AttachError,
    crate::journal::file::JournalError
);

impl Failure {
    /// What it means to a script: each area's own word for its error.
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Run(err) => err.kind(),
            Self::Load(err) => err.kind(),
            Self::Review(err) => err.kind(),
            Self::ReportWrite(err) => err.kind(),
            Self::Sandbox(err) => err.kind(),
            Self::ReadRunbook(_) | Self::RunbookErrors(_) | Self::Trust(_) => FailureKind::Usage,
            // Nothing was approved: the approver acts again, differently.
            Self::Approve(_) => FailureKind::Usage,
            Self::Stdout { .. } => FailureKind::Setup,
        }
    }

    /// The exit code of the failure.
    pub fn code(&self) -> u8 {
        self.kind().code()
    }

    /// What to print, if anything: the diagnostics of `check` were printed already.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::RunbookErrors(_) => None,
            Self::Run(err) => err.message(),
            _ => Some(format!("failed to {}", error_chain(self))),
        }
    }
}

/// Prints the failure, if it has something to say, and returns the process exit code.
pub fn exit_code(result: Result<Outcome, Failure>) -> ExitCode {
    match result {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(failure) => {
            if let Some(message) = failure.message() {
                say!("cutover: {}", crate::terminal_text::plain(&message));
            }
            ExitCode::from(failure.code())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::engine::emitter::RecordError;
    use crate::engine::error::EngineError;
    use crate::engine::error::RunFolderWriteError;
    use crate::journal::file::JournalError;
    use crate::journal::open::ReopenError;
    use crate::journal::run_lock::LockError;
    use crate::journal::verify::report::Finding;
    use crate::keys::operator::KeyError;
    use crate::launch::error::{LaunchError, SetupError};
    use crate::launch::run_folder::RunFolderError;
    use crate::launch::variables::VariableProblems;

    fn io() -> std::io::Error {
        std::io::Error::other("boom")
    }

    fn path() -> PathBuf {
        PathBuf::from("/runs/r")
    }

    /// Every kind of error and the code a script sees for it. A new variant fails to compile
    /// in `code`; a changed meaning fails here.
    #[test]
    fn every_error_kind_has_its_exit_code() {
        let launch = |err: LaunchError| Failure::from(err);
        let cases: Vec<(Failure, u8)> = vec![
            (
                launch(LaunchError::ReadRunbook(ReadError {
                    path: path(),
                    source: io(),
                })),
                2,
            ),
            (launch(LaunchError::InvalidRunbook { path: path() }), 2),
            (launch(LaunchError::DrillAndDryRun), 2),
            (launch(LaunchError::InjectOutsideDrill), 2),
            (launch(LaunchError::TimeScaleOutsideDrill), 2),
            (launch(LaunchError::BadTimeScale(0.0)), 2),
            (
                launch(LaunchError::EnvironmentMismatch {
                    given: "staging".into(),
                    declared: "production".into(),
                }),
                2,
            ),
            (
                launch(LaunchError::ProductionNotConfirmed { path: path() }),
                2,
            ),
            (
                launch(LaunchError::UnknownStep {
                    flag: "--confirm",
                    step: "x".into(),
                    close: String::new(),
                }),
                2,
            ),
            (launch(LaunchError::NoLogDir), 2),
            (launch(LaunchError::CannotFail("x".into())), 2),
            (launch(LaunchError::NoSuchInput("x".into())), 2),
            (launch(LaunchError::SecretInput("x".into())), 2),
            (
                launch(LaunchError::BadInput {
                    variable: "x".into(),
                    problem: "p".into(),
                }),
                2,
            ),
            (
                launch(LaunchError::LogDir {
                    path: path(),
                    source: io(),
                }),
                2,
            ),
            (launch(LaunchError::Key(KeyError::NoProductionKey)), 2),
            (
                launch(LaunchError::Variables(VariableProblems(vec!["x".into()]))),
                2,
            ),
            (
                launch(LaunchError::RunFolder(RunFolderError::NotPrivate {
                    folder: path(),
                    problem: "can be written by others (mode 777)".into(),
                })),
                2,
            ),
            (
                launch(LaunchError::RunFolder(RunFolderError::Create {
                    log_dir: path(),
                    source: io(),
                })),
                5,
            ),
            (
                launch(LaunchError::Journal(JournalError::Write {
                    path: path(),
                    source: io(),
                })),
                5,
            ),
            (launch(LaunchError::Setup(SetupError::Runtime(io()))), 6),
            (
                launch(LaunchError::Reopen(ReopenError::Lock(
                    LockError::InProgress {
                        run_dir: path(),
                        holder: None,
                    },
                ))),
                2,
            ),
            (
                launch(LaunchError::Reopen(ReopenError::Lock(LockError::Io {
                    path: path(),
                    source: io(),
                }))),
                5,
            ),
            (
                launch(LaunchError::Reopen(ReopenError::Read {
                    path: path(),
                    source: io(),
                })),
                2,
            ),
            (
                launch(LaunchError::Tampered {
                    journal: path(),
                    finding: "E_SIG".into(),
                }),
                4,
            ),
            (launch(LaunchError::NoHeader { journal: path() }), 2),
            (launch(LaunchError::Finished { run_dir: path() }), 2),
            (
                launch(LaunchError::ReadRunCopy {
                    path: path(),
                    source: io(),
                }),
                2,
            ),
            (
                launch(LaunchError::RunbookChanged {
                    path: path(),
                    recorded: "a".into(),
                    actual: "b".into(),
                }),
                2,
            ),
            (launch(LaunchError::RunCopyInvalid { path: path() }), 2),
            (launch(LaunchError::SeveralDecisions), 2),
            (launch(LaunchError::NothingToDecide("x".into())), 2),
            (
                launch(LaunchError::NeedsDecision {
                    step: "x".into(),
                    failed: false,
                }),
                3,
            ),
            (launch(LaunchError::NothingToRollBack), 2),
            (
                launch(LaunchError::WrongStep {
                    interrupted: "a".into(),
                    named: "b".into(),
                }),
                2,
            ),
            (launch(LaunchError::RequiredStep("x".into())), 2),
            (launch(LaunchError::EmptyReason), 2),
            (launch(LaunchError::SecretChanged("token".into())), 2),
            (
                Failure::from(EngineError::Record(RecordError::WriterStopped)),
                5,
            ),
            (
                Failure::from(EngineError::RunFolder(RunFolderWriteError {
                    what: "write the output of `x`".into(),
                    source: io(),
                })),
                5,
            ),
            (Failure::from(EngineError::Randomness(io())), 6),
            (Failure::from(SetupError::Signals(io())), 6),
            (Failure::from(SetupError::Terminal(io())), 6),
            (
                Failure::ReadRunbook(ReadError {
                    path: path(),
                    source: io(),
                }),
                2,
            ),
            (Failure::RunbookErrors(3), 2),
            (
                Failure::Trust(TrustError::BadAnchor {
                    given: "x".into(),
                    problem: "expected BYTES:SHA256",
                }),
                2,
            ),
            (
                Failure::Load(LoadError::Unreadable {
                    journal: path(),
                    source: io(),
                }),
                2,
            ),
            (
                Failure::Load(LoadError::Untrusted {
                    journal: path(),
                    finding: Finding {
                        code: "E_SIG",
                        line: Some(1),
                        seq: Some(0),
                        kind: None,
                        message: "bad".into(),
                    },
                }),
                4,
            ),
            (
                Failure::Review(ReviewError::NeedsTerminal { run: path() }),
                2,
            ),
            (Failure::Review(ReviewError::Terminal(io())), 6),
            (
                Failure::ReportWrite(ReportWriteError::File {
                    path: path(),
                    source: io(),
                }),
                2,
            ),
            (Failure::ReportWrite(ReportWriteError::Stdout(io())), 6),
            (Failure::Sandbox(SandboxError::Method("FETCH".into())), 2),
            (Failure::Sandbox(SandboxError::Stdout(io())), 6),
            (
                Failure::Stdout {
                    what: "the diagnostics",
                    source: io(),
                },
                6,
            ),
        ];
        for (failure, code) in cases {
            assert_eq!(failure.code(), code, "{failure:?}");
        }
    }

    #[test]
    fn a_failure_says_what_it_failed_to_do_and_why_and_a_refusal_says_what_to_decide() {
        let failed = Failure::from(LaunchError::Journal(JournalError::Write {
            path: PathBuf::from("/runs/r/journal.log"),
            source: std::io::Error::other("No space left on device"),
        }));
        assert_eq!(
            failed.message().unwrap(),
            "failed to write the journal /runs/r/journal.log: No space left on device"
        );
        let decide = Failure::from(LaunchError::NeedsDecision {
            step: "migrate".into(),
            failed: false,
        });
        assert!(
            decide
                .message()
                .unwrap()
                .starts_with("resume: step `migrate` was running when the run stopped"),
            "{:?}",
            decide.message()
        );
        assert_eq!(Failure::RunbookErrors(2).message(), None);
    }
}
