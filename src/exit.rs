//! The one place where outcomes and errors become exit codes (SPEC §1), the same for every
//! command. Every error keeps its type up to here; `Failure::code` is the single match that
//! decides what each kind means to a script.

use crate::live::error::AttachError;
use crate::stdout::say;
use std::process::ExitCode;

use crate::engine::error::EngineError;
use crate::error_chain::error_chain;
use crate::journal::file::JournalError;
use crate::journal::history::load::LoadError;
use crate::journal::open::ReopenError;
use crate::journal::run_lock::LockError;
use crate::journal::verify::report::Verdict;
use crate::journal::verify::trust::TrustError;
use crate::launch::background::BackgroundError;
use crate::launch::error::{LaunchError, SetupError};
use crate::launch::run_folder::RunFolderError;
use crate::protocol::status::RunStatus;
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
    #[error(transparent)]
    Attach(#[from] AttachError),
    /// `cutover approve` approved nothing.
    #[error(transparent)]
    Approve(#[from] crate::live::approve_error::ApproveError),
    /// A terminal run's engine process could not start, or did not start the run.
    #[error(transparent)]
    Background(#[from] BackgroundError),
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
                LaunchError::NeedsDecision { .. } => SUSPENDED,
                LaunchError::Tampered { .. } => TAMPERED,
                LaunchError::Journal(_)
                | LaunchError::RunFolder(RunFolderError::Create { .. })
                | LaunchError::Reopen(ReopenError::Lock(LockError::Io { .. })) => JOURNAL_WRITE,
                LaunchError::Setup(_)
                | LaunchError::EngineOrder(_)
                | LaunchError::FreePort { .. } => SETUP,
                LaunchError::ReadRunbook(_)
                | LaunchError::InvalidRunbook { .. }
                | LaunchError::DrillAndDryRun
                | LaunchError::InjectOutsideDrill
                | LaunchError::TimeScaleOutsideDrill
                | LaunchError::BadTimeScale(_)
                | LaunchError::EnvironmentMismatch { .. }
                | LaunchError::ProductionNotConfirmed { .. }
                | LaunchError::UnknownStep { .. }
                | LaunchError::UnknownTarget { .. }
                | LaunchError::TargetValue { .. }
                | LaunchError::ToolsFolder { .. }
                | LaunchError::ChangedSinceStartScreen { .. }
                | LaunchError::ShareWith { .. }
                | LaunchError::NotifyConfig { .. }
                | LaunchError::NoLogDir
                | LaunchError::CannotFail(_)
                | LaunchError::NoSuchInput(_)
                | LaunchError::SecretInput(_)
                | LaunchError::BadInput { .. }
                | LaunchError::LogDir { .. }
                | LaunchError::Key(_)
                | LaunchError::Hosts(_)
                | LaunchError::TrustRoot(_)
                | LaunchError::OperatorNotAllowed { .. }
                | LaunchError::ApprovalsWithoutTrustRoot { .. }
                | LaunchError::TrustRootOfRun { .. }
                | LaunchError::ReleaseLock(_)
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
                | LaunchError::NothingToRollBack
                | LaunchError::NothingToDecide(_)
                | LaunchError::WrongStep { .. }
                | LaunchError::RequiredStep(_)
                | LaunchError::EmptyReason
                | LaunchError::SecretChanged(_) => USAGE,
            },
            Self::Engine(EngineError::Record(_) | EngineError::RunFolder(_)) => JOURNAL_WRITE,
            Self::Engine(EngineError::Randomness(_)) => SETUP,
            Self::Setup(_) | Self::Review(ReviewError::Terminal(_)) | Self::Stdout { .. } => SETUP,
            Self::Load(LoadError::Untrusted { .. }) => TAMPERED,
            Self::ReadRunbook(_)
            | Self::RunbookErrors(_)
            | Self::Trust(_)
            | Self::Load(LoadError::Unreadable { .. })
            | Self::Review(ReviewError::NeedsTerminal { .. })
            | Self::ReportWrite(ReportWriteError::File { .. })
            | Self::Sandbox(SandboxError::Serve { .. })
            | Self::Sandbox(SandboxError::Method(_))
            | Self::Sandbox(SandboxError::Unreachable { .. })
            | Self::Sandbox(SandboxError::State(_))
            | Self::Sandbox(SandboxError::Stack(_))
            | Self::Sandbox(SandboxError::Client(_)) => USAGE,
            Self::Sandbox(SandboxError::Stdout(_))
            | Self::ReportWrite(ReportWriteError::Stdout(_))
            | Self::Attach(AttachError::Terminal(_)) => SETUP,
            // The engine process decided its own failure's code, here, in its own process.
            Self::Background(BackgroundError::Refused { code, .. }) => *code,
            Self::Background(
                BackgroundError::Spawn { .. }
                | BackgroundError::Order(_)
                | BackgroundError::Silent { .. },
            ) => SETUP,
            // Decided by the engine process, in its own process, by this same match.
            Self::Attach(AttachError::EngineFailed { code, .. }) => *code,
            // The run is interrupted: it waits for `cutover resume`.
            Self::Attach(AttachError::EngineGone { .. }) => SUSPENDED,
            Self::Attach(
                AttachError::Find(_)
                | AttachError::Connect(_)
                | AttachError::NeedsTerminal { .. }
                | AttachError::RefusedToSign { .. },
            ) => USAGE,
            // Nothing was approved: the approver acts again, differently.
            Self::Approve(_) => USAGE,
        }
    }

    /// What to print, if anything: the diagnostics of `check` were printed already. A refusal
    /// that asks the operator to decide is said as it is; everything else failed to do
    /// something, and says what and why.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::RunbookErrors(_) => None,
            Self::Background(BackgroundError::Refused { message, .. }) => message.clone(),
            Self::Attach(AttachError::EngineFailed { message, .. }) => Some(message.clone()),
            Self::Engine(err) => Some(format!(
                "failed to {}; the run stopped so that nothing goes unrecorded",
                error_chain(err)
            )),
            Self::Launch(LaunchError::NeedsDecision { .. })
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
    use crate::engine::error::RunFolderWriteError;
    use crate::journal::verify::report::Finding;
    use crate::keys::operator::KeyError;
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
        let launch = |err: LaunchError| Failure::Launch(err);
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
                Failure::Engine(EngineError::Record(RecordError::WriterStopped)),
                5,
            ),
            (
                Failure::Engine(EngineError::RunFolder(RunFolderWriteError {
                    what: "write the output of `x`".into(),
                    source: io(),
                })),
                5,
            ),
            (Failure::Engine(EngineError::Randomness(io())), 6),
            (Failure::Setup(SetupError::Signals(io())), 6),
            (Failure::Setup(SetupError::Terminal(io())), 6),
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
        let failed = Failure::Launch(LaunchError::Journal(JournalError::Write {
            path: PathBuf::from("/runs/r/journal.log"),
            source: std::io::Error::other("No space left on device"),
        }));
        assert_eq!(
            failed.message().unwrap(),
            "failed to write the journal /runs/r/journal.log: No space left on device"
        );
        let decide = Failure::Launch(LaunchError::NeedsDecision {
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
