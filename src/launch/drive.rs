//! The one driver of a run's engine, headless or detached: signals forwarded, the run's socket
//! served, the notifier started, the engine run to its end, the last notices given their time.
//! What differs is who answers the engine (`Front`): the command line, with progress lines on
//! stderr, or the person at the socket's seat.

use std::path::Path;
use std::sync::Arc;

use super::error::SetupError;
use super::failure::RunFailure;
use super::headless_answers::HeadlessAnswers;
use super::signals::forward_signals;
use crate::engine::controller::{attachable_control_channel, control_channel};
use crate::engine::emitter::Emitter;
use crate::engine::run::{Engine, RunPlan};
use crate::journal::status::JournalStatus;
use crate::keys::trust_root::TrustRoot;
use crate::live::seat::EngineControls;
use crate::live::seat_signer::SharedLink;
use crate::live::server::{OUTPUT_WAITING, Serving, serve};
use crate::live::shared_socket::SharedSocket;
use crate::notify::notifier::spawn_notifier;
use crate::protocol::run_info::RunInfo;
use crate::protocol::status::RunStatus;
use crate::report::headless::{is_reported, print_progress};
use crate::stdout::say;

/// Who answers the engine's questions.
pub(crate) enum Front {
    /// Nobody's terminal: the answers given on the command line, progress lines on stderr.
    /// Others may watch and approve through the socket; the run goes on if it cannot be served.
    CommandLine(HeadlessAnswers),
    /// A terminal run's engine: the socket's seat is its only front, and it starts no step
    /// while nobody holds it. `signing` reaches the person at the controls; `ready` is called
    /// once the socket is served (the run cannot go on without it).
    Seat {
        signing: SharedLink,
        ready: Box<dyn FnOnce(&Path) + Send>,
    },
}

/// The run to drive and what its socket serves besides its events.
pub(crate) struct Driven {
    pub plan: RunPlan,
    /// Carries the durable consumer: the journal, or a benchmark's stand-in.
    pub emitter: Emitter,
    /// What the socket welcomes a client with; `None`: no socket (the engine's benchmark,
    /// headless).
    pub info: Option<RunInfo>,
    /// The journal writer's status, when there is a journal.
    pub journal: Option<tokio::sync::watch::Receiver<JournalStatus>>,
    /// The journal's session: a person's acts are signed in it.
    pub session: String,
    /// `--share-with`: a second socket, for a group.
    pub shared: Option<SharedSocket>,
    pub trust_root: Option<Arc<TrustRoot>>,
}

/// Drives the run to its end; its status, or why it stopped without one.
pub(crate) async fn drive(run: Driven, front: Front) -> Result<RunStatus, RunFailure> {
    let Driven {
        plan,
        mut emitter,
        info,
        journal,
        session,
        shared,
        trust_root,
    } = run;
    let (controller, intake, presence) = match &front {
        Front::CommandLine(_) => {
            let (controller, intake) = control_channel();
            (controller, intake, None)
        }
        Front::Seat { .. } => {
            let (controller, intake, presence) = attachable_control_channel();
            (controller, intake, Some(presence))
        }
    };
    // Approvals are judged against the run's journal as it is on disk.
    intake.approvals.judge_by(crate::journal::run_facts::reader(
        plan.run_dir.join("journal.log"),
    ));
    let signing = match &front {
        Front::Seat { signing, .. } => Some(signing.clone()),
        Front::CommandLine(_) => None,
    };
    let stopping = signing.clone();
    forward_signals(controller.clone(), move || {
        if let Some(link) = &stopping {
            crate::live::seat_signer::give_up(link);
        }
    })
    .map_err(SetupError::Signals)?;
    let served = match info {
        Some(info) => {
            let serving = Serving {
                info,
                events: emitter.observe_bounded(OUTPUT_WAITING),
                journal: journal.clone(),
                controls: presence
                    .zip(signing)
                    .map(|(presence, signing)| EngineControls {
                        controller: controller.clone(),
                        presence,
                        signing,
                    }),
                shared,
                approvals: intake.approvals.clone(),
                session,
                trust_root,
            };
            match (serve(&plan.run_dir, serving), &front) {
                (Ok(served), _) => Some(served),
                (Err(err), Front::CommandLine(_)) => {
                    say!("cutover: nobody can watch this run: cannot serve its socket: {err}");
                    None
                }
                (Err(err), Front::Seat { .. }) => return Err(SetupError::Socket(err).into()),
            }
        }
        None => None,
    };
    let progress = match front {
        Front::CommandLine(answers) => {
            let progress = tokio::spawn(print_progress(
                emitter.observe_only(is_reported),
                std::io::stderr(),
            ));
            let prompts = emitter.observe_only(HeadlessAnswers::wants);
            tokio::spawn(answers.serve(prompts, controller.clone()));
            Some(progress)
        }
        Front::Seat { ready, .. } => {
            ready(&plan.run_dir);
            None
        }
    };
    let notifier = spawn_notifier(
        plan.runbook.notify.clone(),
        emitter.observe(),
        controller,
        journal,
        plan.run_dir.clone(),
    );
    let status = Engine::new(plan, emitter, intake)
        .run()
        .await
        .map_err(RunFailure::from);
    if let Some(progress) = progress {
        let _ = progress.await;
    }
    // The last notices (the end, with its anchor) go out before the process does; each is
    // bounded in time.
    if let Some(notifier) = notifier {
        let _ = tokio::time::timeout(crate::notify::deliver::FINAL_WAIT, notifier).await;
    }
    // Whoever is attached hears how the run failed, from the socket's last frame.
    if let (Err(failure), Some(served)) = (&status, &served) {
        served.say_failed(failure.kind().code(), failure.message().unwrap_or_default());
    }
    drop(served);
    status
}

/// The engine's own benchmark, headless (`benches/engine_headless.rs`): `emitter` carries its
/// stand-in for the journal, and nothing is served.
pub async fn drive_headless(
    plan: RunPlan,
    answers: HeadlessAnswers,
    emitter: Emitter,
) -> Result<RunStatus, RunFailure> {
    let run = Driven {
        plan,
        emitter,
        info: None,
        journal: None,
        session: String::new(),
        shared: None,
        trust_root: None,
    };
    drive(run, Front::CommandLine(answers)).await
}
