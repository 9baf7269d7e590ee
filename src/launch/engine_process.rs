//! `cutover engine`, the other end of `launch/background.rs`: reads the start request from its
//! standard input, starts the run (run folder, journal, release lock), serves the run's socket
//! with the controller's seat, says so on its standard output, then runs the engine to its
//! end with nobody's terminal: its standard streams go to the run folder's `engine.log`. The
//! engine holds the journal's lock for its whole life; no step starts while nobody holds the
//! controls (`engine/run/presence.rs`).

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::background::{EngineOrder, Handshake, plan_digest};
use super::drive::{Driven, Front, drive};
use super::error::{LaunchError, SetupError, runtime};
use super::failure::RunFailure;
use super::prepare::prepare;
use super::start::{Launched, start};
use crate::engine::emitter::{Emitter, InlineRecorder};
use crate::engine::run::RunPlan;
use crate::journal::inline_writer::InlineJournal;
use crate::live::seat_signer::{SeatSigner, SharedLink};
use crate::protocol::status::RunStatus;

/// Runs one terminal run's engine, as ordered on standard input.
pub(crate) fn engine_process() -> Result<RunStatus, RunFailure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(SetupError::Terminal)?;
    let order: EngineOrder = match serde_json::from_str(&text) {
        Ok(order) => order,
        Err(err) => {
            let failure = RunFailure::from(LaunchError::EngineOrder(err));
            return handshake_failed(failure);
        }
    };
    let launched = match &order.resume {
        Some(request) => super::resume::resume(request).map_err(RunFailure::from),
        None => launch(&order),
    };
    let launched = match launched {
        Ok(launched) => launched,
        Err(failure) => return handshake_failed(failure),
    };
    run_attachable(launched)
}

/// Prepares and starts the run exactly as the start screen showed it.
fn launch(order: &EngineOrder) -> Result<Launched, RunFailure> {
    let prepared = prepare(&order.request, true)?;
    let digest = plan_digest(&prepared.bytes, &prepared.included);
    if digest != order.digest {
        return Err(LaunchError::ChangedSinceStartScreen {
            path: order.request.runbook.clone(),
        }
        .into());
    }
    let log_dir = prepared.log_dir.clone();
    let mut launched = start(&order.request, prepared, &order.typed)?;
    // The screen's forecast: what earlier runs of the same kind and target took.
    super::run_info::learn_from_history(
        &mut launched.info,
        &log_dir,
        launched.plan.mode,
        launched.plan.runbook.target.as_deref(),
    );
    Ok(launched)
}

fn handshake_failed(failure: RunFailure) -> Result<RunStatus, RunFailure> {
    say_handshake(&failed(&failure));
    Err(failure)
}

/// A failure as the starting terminal is told it: its message and the exit code it has.
fn failed(failure: &RunFailure) -> Handshake {
    Handshake::Failed {
        code: failure.kind().code(),
        message: failure.message(),
    }
}

fn say_handshake(answer: &Handshake) {
    let mut stdout = std::io::stdout().lock();
    if let Ok(line) = serde_json::to_string(answer) {
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
    }
}

/// From here on, nothing this process says goes to a terminal or to the pipes of the process
/// that started it (gone, maybe): standard input reads nothing, and what is printed goes to
/// `engine.log` in the run folder.
fn leave_the_pipes(run_dir: &Path) {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(run_dir.join("engine.log"));
    let null = std::fs::File::open("/dev/null");
    // SAFETY: dup2 on descriptors this process owns; the files stay open as 0, 1 and 2.
    unsafe {
        if let Ok(null) = &null {
            libc::dup2(null.as_raw_fd(), 0);
        }
        if let Ok(log) = &log {
            libc::dup2(log.as_raw_fd(), 1);
            libc::dup2(log.as_raw_fd(), 2);
        }
    }
}

/// Runs the engine to its end with the run's socket as its only front end.
fn run_attachable(launched: Launched) -> Result<RunStatus, RunFailure> {
    let Launched {
        plan,
        journal,
        info,
        shared,
        trust_root,
    } = launched;
    let principal = info.operator.clone();
    runtime()?.block_on(async {
        // The person at the controls signs their acts through their own client.
        let signing = SharedLink::default();
        let mut journal = journal;
        let session = journal.sid.clone();
        journal.sign_acts_with(Box::new(SeatSigner {
            link: signing.clone(),
        }));
        let journal = InlineJournal::new(journal);
        let emitter = Emitter::default().with_inline_durable(Box::new(journal.clone()));
        let run = Driven {
            plan,
            emitter,
            info: Some(info),
            journal: Some(journal.status()),
            session,
            shared,
            trust_root,
        };
        let ready = Box::new(|run_dir: &Path| {
            say_handshake(&Handshake::Ready {
                run_dir: run_dir.to_path_buf(),
                pid: std::process::id(),
                principal,
            });
            leave_the_pipes(run_dir);
        });
        let status = drive(run, Front::Seat { signing, ready }).await;
        // The socket could not be served: the starting terminal still waits for a word.
        if let Err(failure @ RunFailure::Setup(SetupError::Socket(_))) = &status {
            say_handshake(&failed(failure));
        }
        let _ = journal.finish();
        status
    })
}

/// The engine of a terminal run with another durable consumer than the journal, and the same
/// socket, seat and presence gate: the engine's own benchmark (`benches/engine_headless.rs`).
pub async fn drive_attachable(
    plan: RunPlan,
    principal: &str,
    recorder: Box<dyn InlineRecorder>,
) -> Result<RunStatus, RunFailure> {
    let info = super::run_info::run_info(
        &plan.runbook,
        plan.mode,
        principal,
        "",
        plan.run_dir.display().to_string(),
    );
    let run = Driven {
        plan,
        emitter: Emitter::default().with_inline_durable(recorder),
        info: Some(info),
        journal: None,
        session: String::new(),
        shared: None,
        trust_root: None,
    };
    let ready = Box::new(|_: &Path| {});
    drive(
        run,
        Front::Seat {
            signing: SharedLink::default(),
            ready,
        },
    )
    .await
}
