//! A terminal run's engine as a process of its own: `cutover run` on a terminal shows the start
//! screen, then starts `cutover engine` in a new session (no controlling terminal, so a hang-up
//! never reaches it) and hands it the start request and what was typed on a pipe — never on a
//! command line, where `ps` would show a typed secret. The engine answers on another pipe once
//! its socket is served (or why it could not start, with the exit code its failure has); the
//! TUI then attaches to it like any controller.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::prepare::Prepared;
use super::request::StartRequest;
use crate::protocol::exit_codes::FailureKind;

/// What the engine process is told to run.
#[derive(Serialize, Deserialize)]
pub(crate) struct EngineOrder {
    /// A run to continue instead of a new one: `cutover resume` on a terminal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<super::request::ResumeRequest>,
    #[serde(default)]
    pub request: StartRequest,
    /// What the operator typed at the start screen.
    #[serde(default)]
    pub typed: Vec<(String, String)>,
    /// The runbook and its includes as the start screen showed them: the engine refuses to
    /// run other bytes (the file changed in between).
    #[serde(default)]
    pub digest: String,
}

/// The engine's one answer on its standard output.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Handshake {
    /// The run folder exists, its journal holds its header, its socket is served; the
    /// operator's principal, as the engine admitted it (a resumed run's screen attaches as them).
    Ready {
        run_dir: PathBuf,
        pid: u32,
        #[serde(default)]
        principal: String,
    },
    /// The run could not start: what its failure says, and the exit code it has.
    Failed { code: u8, message: Option<String> },
}

/// Why the engine process could not be started or did not start the run.
#[derive(Debug, thiserror::Error)]
pub enum BackgroundError {
    #[error("start the run's engine process ({program})")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("hand the start request to the run's engine process")]
    Order(#[source] std::io::Error),
    #[error("start the run: its engine process ended without a word (exit {status})")]
    Silent { status: String },
    /// The engine's own failure, with its own code: said as it said it.
    #[error("{}", message.as_deref().unwrap_or("start the run"))]
    Refused { code: u8, message: Option<String> },
}

impl BackgroundError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Spawn { .. } | Self::Order(_) | Self::Silent { .. } => FailureKind::Setup,
            // The engine process decided its own failure's code, in its own process.
            Self::Refused { code, .. } => FailureKind::Reported(*code),
        }
    }
}

/// The SHA-256 over the runbook's bytes and its includes', in order.
pub(crate) fn plan_digest(
    bytes: &[u8],
    included: &[crate::runbook::include::IncludedFile],
) -> String {
    let mut hash = Sha256::new();
    hash.update(bytes);
    for file in included {
        hash.update(file.written.as_bytes());
        hash.update(&file.bytes);
    }
    format!("{:x}", hash.finalize())
}

/// Starts the engine process and waits for its handshake: the run folder and the engine's PID.
pub(crate) fn start_engine(
    request: &StartRequest,
    prepared: &Prepared,
    typed: &[(String, String)],
) -> Result<(PathBuf, u32), BackgroundError> {
    let order = EngineOrder {
        resume: None,
        request: request.clone(),
        typed: typed.to_vec(),
        digest: plan_digest(&prepared.bytes, &prepared.included),
    };
    // Absolute, so that `ps` tells which run this engine is from anywhere.
    let shown = std::path::absolute(&request.runbook).unwrap_or_else(|_| request.runbook.clone());
    spawn_engine(&shown, &order).map(|(run_dir, pid, _)| (run_dir, pid))
}

/// `cutover resume` on a terminal: the run's engine continues it as a process of its own, as
/// a new run's does. The run folder, the engine's pid, and the principal it admitted.
pub(crate) fn start_resumed_engine(
    request: &super::request::ResumeRequest,
) -> Result<(PathBuf, u32, String), BackgroundError> {
    let order = EngineOrder {
        resume: Some(request.clone()),
        request: StartRequest::default(),
        typed: Vec::new(),
        digest: String::new(),
    };
    let shown = std::path::absolute(&request.run).unwrap_or_else(|_| request.run.clone());
    spawn_engine(&shown, &order)
}

fn spawn_engine(
    shown: &std::path::Path,
    order: &EngineOrder,
) -> Result<(PathBuf, u32, String), BackgroundError> {
    let program = std::env::current_exe().map_err(|source| BackgroundError::Spawn {
        program: "cutover".into(),
        source,
    })?;
    let mut command = Command::new(&program);
    command
        .arg("engine")
        .arg(shown)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // What it says before its handshake (the drill key note, again) is the start
        // screen's, already said; after it, it writes to its run folder's engine.log.
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|source| BackgroundError::Spawn {
        program: program.display().to_string(),
        source,
    })?;
    {
        let mut stdin = child.stdin.take().expect("piped");
        serde_json::to_writer(&mut stdin, order)
            .map_err(std::io::Error::from)
            .and_then(|()| stdin.flush())
            .map_err(BackgroundError::Order)?;
        // Dropped: the engine reads to the end.
    }
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped");
    let read = BufReader::new(stdout).read_line(&mut line);
    let answer = read
        .ok()
        .and_then(|_| serde_json::from_str::<Handshake>(line.trim_end()).ok());
    // The engine lives on after this process; a thread reaps it when it ends, so that it never
    // lingers as a zombie while this process still runs.
    let mut reap = move || {
        let status = child.wait();
        status.map(|status| status.to_string()).unwrap_or_default()
    };
    match answer {
        Some(Handshake::Ready {
            run_dir,
            pid,
            principal,
        }) => {
            std::thread::spawn(reap);
            Ok((run_dir, pid, principal))
        }
        Some(Handshake::Failed { code, message }) => {
            reap();
            Err(BackgroundError::Refused { code, message })
        }
        None => Err(BackgroundError::Silent { status: reap() }),
    }
}
