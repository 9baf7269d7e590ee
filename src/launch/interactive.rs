//! `cutover run` on a terminal: the start screen, then the run's engine as a process of its own
//! (`launch/background.rs`) and this terminal's TUI attached to it as the controller. Losing
//! the terminal, `d`, or a takeover leaves the run going; the terminal is restored before
//! anything is printed.

use crossterm::event::EventStream;

use super::background::start_engine;
use super::error::{SetupError, block_on_client};
use super::failure::RunFailure;
use super::prepare::Prepared;
use super::request::{ResumeRequest, StartRequest};
use crate::live::client::{ActSigning, control};
use crate::live::error::AttachError;
use crate::protocol::mode::Mode;
use crate::protocol::run_info::RunInfo;
use crate::protocol::status::RunStatus;
use crate::stdout::say;
use crate::tui::attached::{ControlLink, attached_screen};
use crate::tui::colors::color_wanted;
use crate::tui::run_loop::{Ending, Leave, start_screen};
use crate::tui::start::{Missing, StartScreen};
use crate::tui::terminal::TerminalGuard;

pub(crate) fn run_info(prepared: &Prepared, run_dir: String) -> RunInfo {
    super::run_info::run_info(
        &prepared.runbook,
        prepared.mode,
        &prepared.principal,
        &super::run_info::key_shown(&prepared.operator),
        run_dir,
    )
}

/// Variables the operator must type: required (or secret) ones with no value from `--var`,
/// the environment or a default.
fn missing_variables(
    prepared: &Prepared,
    given: &[(String, String)],
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Missing> {
    prepared
        .runbook
        .vars
        .iter()
        .filter(|var| var.required || var.secret)
        .filter(|var| !given.iter().any(|(name, _)| name == &var.name.value))
        .filter(|var| var.env.as_deref().and_then(env).is_none() && var.default.is_none())
        .map(|var| Missing {
            name: var.name.value.clone(),
            description: var.description.clone(),
            secret: var.secret,
            pattern: var.pattern.as_ref().map(|p| p.value.clone()),
        })
        .collect()
}

/// Runs on the terminal: the start screen, then the run. `None` when the operator left at the
/// start screen and nothing ran, or left the run going (detached).
pub(crate) fn run_interactive(
    request: &StartRequest,
    prepared: Prepared,
    ascii: bool,
) -> Result<Option<RunStatus>, RunFailure> {
    // A release held by another run is refused before the start screen asks for anything.
    if prepared.mode == Mode::Production
        || (prepared.mode == Mode::Drill && prepared.runbook.shares_production)
    {
        super::release_lock::check_free(
            &prepared.log_dir,
            &prepared.runbook.lock,
            request.break_lock.as_deref(),
        )
        .map_err(super::error::LaunchError::from)?;
    }
    let env = |name: &str| std::env::var(name).ok();
    let color = color_wanted(&env);
    let missing = missing_variables(&prepared, &request.vars, &env);
    let word = (prepared.runbook.is_production() && prepared.mode == Mode::Production)
        .then(|| "production".to_string());
    let info = run_info(
        &prepared,
        format!(
            "{}/{}/",
            prepared.log_dir.display(),
            prepared.runbook.name.value
        ),
    );
    block_on_client(async move {
        let mut guard = TerminalGuard::enter().map_err(SetupError::Terminal)?;
        let mut keys = EventStream::new();
        let screen = StartScreen::new(info, missing, word, ascii, color);
        let typed = start_screen(&mut guard, screen, &mut keys)
            .await
            .map_err(SetupError::Terminal)?;
        let Some(typed) = typed else {
            drop(guard);
            say!("cutover: left at the start screen; nothing ran");
            return Ok(None);
        };
        // Typed at the start screen, a secret never was on a command line: it reaches the
        // engine on a pipe, and is used masked.
        let started = start_engine(request, &prepared, &typed);
        let (run_dir, pid) = match started {
            Ok(started) => started,
            Err(err) => {
                drop(guard);
                return Err(err.into());
            }
        };
        let signing = ActSigning {
            key: prepared.operator,
            principal: prepared.principal,
        };
        on_the_screen(guard, keys, &run_dir, pid, signing, ascii).await
    })?
}

/// `cutover resume` on a terminal: the run's engine continues it as a process of its own and
/// this terminal's screen attaches to it, as for a new run (nothing to type: the run has its
/// variables).
pub(crate) fn resume_interactive(
    request: &ResumeRequest,
    ascii: bool,
) -> Result<Option<RunStatus>, RunFailure> {
    let mut request = request.clone();
    request.on_terminal = true;
    // The key the screen signs the operator's acts with: the one the engine resumes with.
    let mode = super::resume::recorded_mode(&request.run)?;
    let env = |name: &str| std::env::var(name).ok();
    let (key, _) = crate::keys::choose::choose_operator_key(request.key.as_deref(), mode, &env)
        .map_err(super::error::LaunchError::from)?;
    let (run_dir, pid, principal) = super::background::start_resumed_engine(&request)?;
    block_on_client(async move {
        let guard = TerminalGuard::enter().map_err(SetupError::Terminal)?;
        let keys = EventStream::new();
        let signing = ActSigning { key, principal };
        on_the_screen(guard, keys, &run_dir, pid, signing, ascii).await
    })?
}

/// The screen attached to a run's engine as its controller, until it leaves; then how it
/// ended, said on the restored terminal.
async fn on_the_screen(
    mut guard: TerminalGuard,
    mut keys: EventStream,
    run_dir: &std::path::Path,
    pid: u32,
    signing: ActSigning,
    ascii: bool,
) -> Result<Option<RunStatus>, RunFailure> {
    let attached = match control(
        run_dir,
        crate::live::client::WhenHeld::Refuse,
        Some(signing),
    )
    .await
    {
        Ok(attached) => attached,
        Err(err) => {
            drop(guard);
            return Err(AttachError::from(err).into());
        }
    };
    let link = ControlLink {
        controls: attached.controls,
    };
    let ending = attached_screen(&mut guard, &mut keys, attached.watching, Some(link), ascii).await;
    drop(guard);
    let ending = ending.map_err(|err| {
        say!("cutover: the terminal went away ({err}); the run goes on");
        SetupError::Terminal(err)
    })?;
    Ok(say_how_it_ended(&ending, run_dir, Some(pid))?)
}

/// After the screen is gone: where the journal is when the run ended, or how to come back to
/// the run that goes on. The run's status, when it ended; the engine's failure, when it
/// stopped on one or vanished.
pub(crate) fn say_how_it_ended(
    ending: &Ending,
    run_dir: &std::path::Path,
    pid: Option<u32>,
) -> Result<Option<RunStatus>, AttachError> {
    match &ending.leave {
        Leave::EngineFailed { code, message } => {
            return Err(AttachError::EngineFailed {
                code: *code,
                message: message.clone(),
            });
        }
        Leave::EngineGone => {
            return Err(AttachError::EngineGone {
                run_dir: run_dir.to_path_buf(),
            });
        }
        Leave::RefusedToSign(reason) => {
            return Err(AttachError::RefusedToSign {
                run_dir: run_dir.to_path_buf(),
                reason: reason.clone(),
            });
        }
        _ => {}
    }
    if let Some(status) = ending.status {
        // What the journal holds is read from the journal itself, once the engine has closed
        // it: the screen's last word on it may be older than the footer.
        if let Some(pid) = pid {
            wait_for_exit(pid, std::time::Duration::from_secs(5));
        }
        let path = run_dir.join("journal.log");
        let read = std::fs::read(&path).ok().map(|bytes| {
            crate::journal::verify::check::verify_bytes(
                &bytes,
                run_dir,
                &crate::journal::verify::check::VerifyOptions::default(),
            )
        });
        let (entries, anchor) = match &read {
            Some(verification) => (
                verification.entries.len() as u64,
                verification.anchor.clone(),
            ),
            None => (ending.journal.entries, ending.journal.anchor.clone()),
        };
        super::closing_words::say_how_it_ended(
            status,
            run_dir,
            &super::closing_words::JournalClosed {
                path: &path,
                entries,
                anchor: anchor.as_deref(),
            },
        );
        return Ok(Some(status));
    }
    let why = match &ending.leave {
        Leave::TakenOver(by) => format!("{} took the controls over", by.describe()),
        Leave::TerminalLost => "the terminal went away".into(),
        Leave::LetGo(reason) => reason.clone(),
        _ => "detached".into(),
    };
    let engine = pid
        .map(|pid| format!(" (engine PID {pid})"))
        .unwrap_or_default();
    say!(
        "cutover: {why}; the run goes on{engine}. Come back with `cutover attach {}`, or watch it with --watch",
        run_dir.display()
    );
    Ok(None)
}

/// Waits, at most `bound`, for process `pid` to end.
fn wait_for_exit(pid: u32, bound: std::time::Duration) {
    let until = std::time::Instant::now() + bound;
    // SAFETY: kill with signal 0 sends nothing; it only asks whether the process exists.
    while unsafe { libc::kill(pid as i32, 0) } == 0 && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
