//! Why a run could not start or resume. Each variant says what was refused and how to fix it;
//! `exit.rs` alone decides which exit code each one is.

use std::path::PathBuf;

use super::run_folder::RunFolderError;
use super::variables::VariableProblems;
use crate::journal::file::JournalError;
use crate::journal::open::ReopenError;
use crate::keys::operator::KeyError;
use crate::protocol::exit_codes::FailureKind;
use crate::runbook::load::ReadError;

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(transparent)]
    ReadRunbook(#[from] ReadError),
    /// Its diagnostics were printed first.
    #[error("start {}: it has errors; `cutover check {}` lists them", path.display(), path.display())]
    InvalidRunbook { path: PathBuf },
    #[error("fill in `{name}` of target `{target}`: {problem}")]
    TargetValue {
        target: String,
        name: String,
        problem: String,
    },
    #[error("find a free loopback port for the run")]
    FreePort {
        #[source]
        source: std::io::Error,
    },
    #[error("find the stand-ins of the target: {} is not a folder (a target's `tools` are found from the runbook's folder)", path.display())]
    ToolsFolder { path: PathBuf },
    #[error("start the run: --drill and --dry-run are different runs; choose one")]
    DrillAndDryRun,
    #[error("start the run: --inject-failure is for drills; add --drill")]
    InjectOutsideDrill,
    #[error("start the run: --time-scale is for drills (a production wait is real); add --drill")]
    TimeScaleOutsideDrill,
    #[error("start the run: --time-scale {0} is not a factor above 0 (0.01 makes an hour 36 s)")]
    BadTimeScale(f64),
    #[error(
        "start the run: --environment {given} does not match the runbook's environment `{declared}`"
    )]
    EnvironmentMismatch { given: String, declared: String },
    #[error("start {}: it is a production runbook; repeat `--environment production` to run it headless, or rehearse it with --drill", path.display())]
    ProductionNotConfirmed { path: PathBuf },
    #[error("start the run: {flag} {step}: the runbook has no step `{step}`{close}")]
    UnknownStep {
        flag: &'static str,
        step: String,
        /// "; did you mean `x`?", or nothing.
        close: String,
    },
    #[error("start {}: it changed between the start screen and the start; start again to see what it says now", path.display())]
    ChangedSinceStartScreen { path: PathBuf },
    #[error("read the start request of the run's engine process: {0}")]
    EngineOrder(#[source] serde_json::Error),
    #[error("start the run: --target {given}: the runbook has no such target ({known}){close}")]
    UnknownTarget {
        given: String,
        known: String,
        /// "; did you mean `x`?", or nothing.
        close: String,
    },
    #[error(
        "start the run: --fail {0}=NOTE answers a manual step with `can_fail = true`, and `{0}` is not one"
    )]
    CannotFail(String),
    #[error(
        "start the run: --input {0}=VALUE answers an input step's variable, and no input step sets `{0}`"
    )]
    NoSuchInput(String),
    #[error(
        "start the run: `{0}` is a secret input: it is typed at the terminal, never given on a command line where `ps` shows it"
    )]
    SecretInput(String),
    #[error("start the run: --input {variable}: {problem}")]
    BadInput { variable: String, problem: String },
    #[error("read your notification channels {}: {problem}", path.display())]
    NotifyConfig {
        path: PathBuf,
        #[source]
        problem: crate::runbook::notify::PersonalChannelsError,
    },
    #[error("start the run: --share-with {group}: {problem}")]
    ShareWith {
        group: String,
        #[source]
        problem: crate::live::shared_socket::SharingError,
    },
    #[error("find where run folders go: pass --log-dir DIR or set $CUTOVER_LOG_DIR")]
    NoLogDir,
    #[error("make {} an absolute path", path.display())]
    LogDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    TrustRoot(#[from] crate::keys::trust_root::TrustRootError),
    #[error("start the run as {principal}: {refusal}")]
    OperatorNotAllowed {
        principal: String,
        #[source]
        refusal: Box<crate::keys::trust_root::NotAdmitted>,
    },
    #[error(
        "start {}: step `{step}` requires approvals, and a production run that needs approvals is held to a list of who may approve: give it an OpenSSH allowed_signers file (`[runbook] allowed_signers`, --allowed-signers FILE or $XDG_CONFIG_HOME/cutover/allowed_signers)",
        path.display()
    )]
    ApprovalsWithoutTrustRoot { path: PathBuf, step: String },
    #[error("resume with the allowed signers {}: {problem}", path.display())]
    TrustRootOfRun {
        path: PathBuf,
        #[source]
        problem: crate::keys::trust_root::TrustRootError,
    },
    #[error(
        "resume with the allowed signers {}: {}; who may act is decided once, for the whole run",
        given.display(),
        match kept {
            Some(copy) => format!("it is not the file the run started with ({} keeps that one)", copy.display()),
            None => "the run started without allowed signers".to_string(),
        }
    )]
    OtherTrustRoot {
        given: PathBuf,
        kept: Option<PathBuf>,
    },
    #[error(transparent)]
    Hosts(#[from] super::hosts::HostsError),
    #[error(transparent)]
    ReleaseLock(#[from] super::release_lock::ReleaseLockError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Variables(#[from] VariableProblems),
    #[error(transparent)]
    RunFolder(#[from] RunFolderError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Setup(#[from] SetupError),

    #[error(transparent)]
    Reopen(#[from] ReopenError),
    #[error("resume {}: it does not verify, so nothing was appended: {finding}", journal.display())]
    Tampered { journal: PathBuf, finding: String },
    #[error("resume {}: the journal has no header", journal.display())]
    NoHeader { journal: PathBuf },
    #[error("resume {}: the run is already finished; there is nothing to resume", run_dir.display())]
    Finished { run_dir: PathBuf },
    #[error("read the runbook that ran, {}", path.display())]
    ReadRunCopy {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("resume with {}: it changed since the run started (SHA-256 {recorded} in the journal, {actual} now); a run resumes only with the exact runbook that ran", path.display())]
    RunbookChanged {
        path: PathBuf,
        recorded: String,
        actual: String,
    },
    #[error("resume with {}: it no longer checks clean with this version of cutover", path.display())]
    RunCopyInvalid { path: PathBuf },
    #[error("resume: choose one of --rerun, --mark-done and --skip")]
    SeveralDecisions,
    #[error("resume: step `{0}` was not interrupted; there is nothing to decide")]
    NothingToDecide(String),
    /// Not a mistake: the run waits for the operator's decision (exit 3).
    #[error("resume: step `{step}` {}; choose: --rerun {step}, --mark-done {step}=EVIDENCE, --skip {step}=REASON or --rollback", if *failed { "failed and nobody has decided what follows" } else { "was running when the run stopped and may have half-happened" })]
    NeedsDecision { step: String, failed: bool },
    #[error(
        "resume --rollback: there is no failed, interrupted or suspended step to roll back from (or the rollback already started)"
    )]
    NothingToRollBack,
    #[error("resume: the interrupted step is `{interrupted}`, not `{named}`")]
    WrongStep { interrupted: String, named: String },
    #[error("resume: step `{0}` is required and cannot be skipped")]
    RequiredStep(String),
    #[error("resume: a skip needs a reason and a mark-done needs evidence")]
    EmptyReason,
    #[error(
        "resume: secret `{0}` is not the value the run started with; set the same one before resuming"
    )]
    SecretChanged(String),
}

impl LaunchError {
    /// What it means to a script.
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::RunFolder(err) => err.kind(),
            Self::Reopen(err) => err.kind(),
            Self::NeedsDecision { .. } => FailureKind::Suspended,
            Self::Tampered { .. } => FailureKind::Tampered,
            Self::Journal(_) => FailureKind::JournalWrite,
            Self::Setup(_) | Self::EngineOrder(_) | Self::FreePort { .. } => FailureKind::Setup,
            Self::ReadRunbook(_)
            | Self::InvalidRunbook { .. }
            | Self::DrillAndDryRun
            | Self::InjectOutsideDrill
            | Self::TimeScaleOutsideDrill
            | Self::BadTimeScale(_)
            | Self::EnvironmentMismatch { .. }
            | Self::ProductionNotConfirmed { .. }
            | Self::UnknownStep { .. }
            | Self::UnknownTarget { .. }
            | Self::TargetValue { .. }
            | Self::ToolsFolder { .. }
            | Self::ChangedSinceStartScreen { .. }
            | Self::ShareWith { .. }
            | Self::NotifyConfig { .. }
            | Self::NoLogDir
            | Self::CannotFail(_)
            | Self::NoSuchInput(_)
            | Self::SecretInput(_)
            | Self::BadInput { .. }
            | Self::LogDir { .. }
            | Self::Key(_)
            | Self::Hosts(_)
            | Self::TrustRoot(_)
            | Self::OperatorNotAllowed { .. }
            | Self::ApprovalsWithoutTrustRoot { .. }
            | Self::TrustRootOfRun { .. }
            | Self::OtherTrustRoot { .. }
            | Self::ReleaseLock(_)
            | Self::Variables(_)
            | Self::NoHeader { .. }
            | Self::Finished { .. }
            | Self::ReadRunCopy { .. }
            | Self::RunbookChanged { .. }
            | Self::RunCopyInvalid { .. }
            | Self::SeveralDecisions
            | Self::NothingToRollBack
            | Self::NothingToDecide(_)
            | Self::WrongStep { .. }
            | Self::RequiredStep(_)
            | Self::EmptyReason
            | Self::SecretChanged(_) => FailureKind::Usage,
        }
    }

    /// It asks the operator to decide, or says another process runs the run: said as it is,
    /// not as a failure to do something.
    pub fn says_what_to_do(&self) -> bool {
        match self {
            Self::NeedsDecision { .. } => true,
            Self::Reopen(err) => err.is_in_progress(),
            _ => false,
        }
    }
}

/// What cutover needs from the machine to run anything: not a problem of the input.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error("watch the signals Ctrl-C, SIGTERM and SIGHUP")]
    Signals(#[source] std::io::Error),
    #[error("use the terminal")]
    Terminal(#[source] std::io::Error),
    #[error("serve the run's socket, through which its terminal attaches")]
    Socket(#[source] std::io::Error),
}

/// Runs a client's `future` (a screen attached to a run) to its end, then leaves without
/// waiting for a blocking task still out — a person's key that never answered a signing
/// request: the screen has said what happened, and the process must end.
pub(crate) fn block_on_client<F: std::future::Future>(future: F) -> Result<F::Output, SetupError> {
    let runtime = runtime()?;
    let output = runtime.block_on(future);
    runtime.shutdown_background();
    Ok(output)
}

/// The single-threaded runtime every command runs on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, SetupError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(SetupError::Runtime)
}
