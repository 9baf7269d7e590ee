//! The engine's end of a run's socket: every event the journal has recorded goes to every
//! client attached, after a replay that draws the screen as it is; `cutover ls` asks what the
//! run is doing; one controller at a time acts on it (`live/seat.rs`). Each client is served
//! by `live/connection.rs`.
//!
//! The server runs on a thread of its own: the engine's thread only hands each event to a
//! channel, and each event is encoded once, whatever the number of watchers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::sync::watch;

use super::admission::SeatRules;
use super::client_queue::Queues;
use super::connection::connection;
use super::doorway::Doorway;
use super::frame::encode_frame;
use super::history::History;
use super::protocol::ServerMessage;
use super::seat::{ControllerSeat, EngineControls};
use super::shared_socket::SharedSocket;
use super::socket_path::{SOCKET_NAME, socket_path};
use crate::engine::emitter::BoundedEvents;
use crate::engine::events::Event;
use crate::journal::status::JournalStatus;
use crate::protocol::live_status::LiveStatus;
use crate::protocol::run_info::RunInfo;

/// Output waiting for the socket's thread, at most: past it, watchers miss output (and are
/// told how much) rather than the engine holding a flood in memory for them.
pub(crate) const OUTPUT_WAITING: usize = 2 << 20;

/// How long events gather before they go to the clients, in one frame burst each: well under
/// what a person notices, and a tenth of the 50 ms an event may take to reach a watcher.
const GATHER: Duration = Duration::from_millis(5);

/// At the end of the run, how long the watchers' queued frames may take to go out.
const FLUSH_AT_THE_END: Duration = Duration::from_secs(1);

pub(super) struct Hub {
    pub(super) info: RunInfo,
    pub(super) started: std::time::Instant,
    pub(super) history: History,
    pub(super) journal: JournalStatus,
    /// Each client's queue of encoded frames (`live/client_queue.rs`).
    pub(super) clients: Queues,
    waiting_since: Option<String>,
    /// `None` for a run that takes no controls over its socket (headless).
    pub(super) seat: Option<ControllerSeat>,
    /// `--share-with`: the group, and the folder of its socket.
    shared_with: Option<(String, std::path::PathBuf)>,
    /// Where `cutover approve` offers approvals to the engine.
    pub(super) approvals: crate::approval::desk::ApprovalDesk,
    /// What people who take the controls are checked against (`live/admission.rs`).
    pub(super) rules: Arc<SeatRules>,
}

/// Said in the output of a screen that fell behind, where output was left out for it.
const OUTPUT_LEFT_OUT: &str = "\n[… output left out here: this screen fell behind the run; the run folder's output file has every line]\n";

/// The hub, whatever a client that panicked left behind: its state is a list of queues and
/// the run's history, which stay whole.
pub(super) fn locked(hub: &Arc<Mutex<Hub>>) -> std::sync::MutexGuard<'_, Hub> {
    crate::locked::locked(hub)
}

impl Hub {
    fn record(&mut self, event: &Event) {
        self.history.record(event);
        match event {
            Event::Waiting(_) => {
                self.waiting_since = Some(crate::protocol::time::timestamp());
            }
            Event::StepStarted { .. } | Event::StepResult { .. } | Event::RunFinished { .. } => {
                self.waiting_since = None;
            }
            _ => {}
        }
        match event {
            // Live output may be left out for a screen that is behind: it is told so once.
            Event::Output { step, .. } => {
                let message = ServerMessage::Event(Box::new(event.clone()));
                let marker = || {
                    encode_frame(&ServerMessage::Event(Box::new(Event::Output {
                        step: step.clone(),
                        stream: crate::protocol::output::Stream::Stdout,
                        text: OUTPUT_LEFT_OUT.into(),
                    })))
                    .unwrap_or_default()
                };
                if self.clients.is_empty() {
                    return;
                }
                if let Ok(frame) = encode_frame(&message) {
                    self.clients.send(frame, Some(&marker));
                }
            }
            _ => self.send(ServerMessage::Event(Box::new(event.clone()))),
        }
    }

    /// To every client that keeps up; the others are let go.
    fn send(&mut self, message: ServerMessage) {
        if self.clients.is_empty() {
            return;
        }
        let Ok(frame) = encode_frame(&message) else {
            return;
        };
        self.clients.send(frame, None);
    }

    pub(super) fn status(&self) -> LiveStatus {
        let (current_step, waiting) = self.history.current();
        LiveStatus {
            pid: std::process::id(),
            watchers: self.clients.len() as u32,
            current_step,
            waiting_since: waiting.as_ref().and(self.waiting_since.clone()),
            waiting,
            controller: self.seat.as_ref().and_then(|seat| seat.holder_described()),
            takes_controls: self.seat.is_some(),
            shared: self
                .shared_with
                .as_ref()
                .map(|(group, dir)| format!("{group}: cutover attach {}", dir.display())),
        }
    }
}

/// The socket being served; dropping it stops serving and removes the socket file.
pub(crate) struct LiveServer {
    hub: Arc<Mutex<Hub>>,
    shared: Option<SharedSocket>,
    socket: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LiveServer {
    /// Tells every client the run stopped on an error, before the socket closes: the
    /// controller's terminal then says it and exits with the same code as this process.
    pub(crate) fn say_failed(&self, code: u8, message: String) {
        locked(&self.hub).send(ServerMessage::Failed { code, message });
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.socket);
        if let Some(shared) = &self.shared {
            shared.remove();
        }
    }
}

/// What a run's socket serves.
pub(crate) struct Serving {
    pub info: RunInfo,
    /// The emitter's events, recorded before they come (`Emitter::observe_bounded`: a flood
    /// of output the socket cannot keep up with is not held in memory for it).
    pub events: BoundedEvents,
    /// The journal writer's status, when it has one.
    pub journal: Option<watch::Receiver<JournalStatus>>,
    /// The engine's end, for a run a controller attaches to.
    pub controls: Option<EngineControls>,
    /// `--share-with`: a second socket, for a group.
    pub shared: Option<SharedSocket>,
    pub approvals: crate::approval::desk::ApprovalDesk,
    /// The journal's session id: a person's acts are signed in it.
    pub session: String,
    pub trust_root: Option<Arc<crate::keys::trust_root::TrustRoot>>,
}

/// Serves `RUN_DIR/engine.sock` (mode 0600) from a thread of its own.
pub(crate) fn serve(run_dir: &Path, serving: Serving) -> std::io::Result<LiveServer> {
    let Serving {
        info,
        mut events,
        mut journal,
        controls,
        shared,
        approvals,
        session,
        trust_root,
    } = serving;
    let at = socket_path(run_dir)?;
    // One engine per run folder (it holds the journal's lock), so a socket file here is a
    // dead engine's.
    let _ = std::fs::remove_file(&at.path);
    let listener = std::os::unix::net::UnixListener::bind(&at.path)?;
    listener.set_nonblocking(true)?;
    std::fs::set_permissions(
        run_dir.join(SOCKET_NAME),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )?;
    let shared_listener = match &shared {
        Some(shared) => {
            let path = shared.prepare()?;
            let _ = std::fs::remove_file(&path);
            let listener = std::os::unix::net::UnixListener::bind(&path)?;
            listener.set_nonblocking(true)?;
            shared.open_to_group()?;
            Some(listener)
        }
        None => None,
    };
    // The paths a client names when it proves its key: the run folder's socket, the group's.
    let mut sockets = vec![
        std::fs::canonicalize(run_dir)?
            .join(SOCKET_NAME)
            .display()
            .to_string(),
    ];
    if let Some(shared) = &shared {
        sockets.push(
            std::fs::canonicalize(&shared.dir)?
                .join(SOCKET_NAME)
                .display()
                .to_string(),
        );
    }
    approvals.hold_to(trust_root.clone());
    let rules = Arc::new(SeatRules {
        run_id: run_dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        session,
        namespace: crate::journal::entry::namespace_for(info.mode),
        sockets,
        trust_root,
        journal: run_dir.join("journal.log"),
    });
    let hub = Arc::new(Mutex::new(Hub {
        info,
        started: std::time::Instant::now(),
        history: History::default(),
        journal: journal
            .as_ref()
            .map(|status| status.borrow().clone())
            .unwrap_or_default(),
        clients: Queues::default(),
        waiting_since: None,
        seat: controls.map(ControllerSeat::new),
        shared_with: shared
            .as_ref()
            .map(|shared| (shared.group.clone(), shared.dir.clone())),
        approvals,
        rules,
    }));
    let hub_kept = hub.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("live-socket".into())
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = UnixListener::from_std(listener) else {
                    return;
                };
                let shared = shared_listener.and_then(|l| UnixListener::from_std(l).ok());
                let connections = Arc::new(());
                // One doorway for both sockets: the limits are the engine's, not a socket's.
                let doorway = Arc::new(Doorway::default());
                let shared_accept = async {
                    match shared {
                        Some(listener) => {
                            accept(listener, hub.clone(), connections.clone(), doorway.clone())
                                .await
                        }
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = stopped => {}
                    _ = fan_out(hub.clone(), &mut events, &mut journal) => {}
                    _ = accept(listener, hub.clone(), connections.clone(), doorway.clone()) => {}
                    _ = shared_accept => {}
                }
                // The run is over: its last events (they come together, within the last
                // milliseconds) go to every watcher with what was queued for it, then its
                // connection closes; one that does not read is not waited for long.
                {
                    let mut hub = locked(&hub);
                    while let Some(event) = events.try_recv() {
                        hub.record(&event);
                    }
                    if let Some(status) = &journal {
                        let status = status.borrow().clone();
                        hub.send(ServerMessage::Journal(status));
                    }
                    hub.clients.clear();
                }
                let give_up = tokio::time::Instant::now() + FLUSH_AT_THE_END;
                while Arc::strong_count(&connections) > 1 && tokio::time::Instant::now() < give_up {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            });
            // Dropping the runtime here ends every connection.
        })?;
    Ok(LiveServer {
        hub: hub_kept,
        shared,
        socket: run_dir.join(SOCKET_NAME),
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// Every event and journal status to the hub, until the engine's emitter is gone; then the
/// server stays up (clients see the end of the run) until it is dropped.
async fn fan_out(
    hub: Arc<Mutex<Hub>>,
    events: &mut BoundedEvents,
    journal: &mut Option<watch::Receiver<JournalStatus>>,
) {
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => locked(&hub).record(&event),
                None => break,
            },
            changed = async { journal.as_mut()?.changed().await.ok() }, if journal.is_some() => {
                if changed.is_none() {
                    *journal = None;
                }
            }
        }
        // Everything queued meanwhile, then the journal's count once.
        {
            let mut hub = locked(&hub);
            while let Some(event) = events.try_recv() {
                hub.record(&event);
            }
            if let Some(status) = journal.as_mut()
                && status.has_changed().unwrap_or(false)
            {
                let status = status.borrow_and_update().clone();
                hub.journal = status.clone();
                hub.send(ServerMessage::Journal(status));
            }
        }
        // Then rest: while this thread rests, the engine's events and the journal's updates
        // queue without waking it, so a step costs the engine's thread no wake-up of this one
        // (four to six events a step would be as many context switches on a busy machine).
        tokio::time::sleep(GATHER).await;
    }
    std::future::pending::<()>().await;
}

/// Serves each client on a task of its own; each holds a clone of `connections` while it lives.
/// The loop never ends while the run lives: an error (out of descriptors, say) is said in the
/// engine's log and tried again a little later, so nobody is shut out for the rest of the run.
async fn accept(
    listener: UnixListener,
    hub: Arc<Mutex<Hub>>,
    connections: Arc<()>,
    doorway: Arc<Doorway>,
) {
    let mut said_at: Option<std::time::Instant> = None;
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                if near_the_limit(Arc::strong_count(&connections)) {
                    raise_open_files();
                }
                let (hub, alive, doorway) = (hub.clone(), connections.clone(), doorway.clone());
                tokio::spawn(async move {
                    connection(stream, hub, doorway).await;
                    drop(alive);
                });
            }
            Err(err) => {
                let out_of_descriptors =
                    matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
                if out_of_descriptors && raise_open_files() {
                    continue;
                }
                // Said at most once a minute: a burst must not fill the log.
                if said_at.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                    crate::stdout::say_line(&format!(
                        "cutover: the run's socket could not take a connection ({err}); trying again"
                    ));
                    said_at = Some(std::time::Instant::now());
                }
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Whether `held` connections come near the limit on open files cutover was given: a
/// quarter of it, leaving the rest to the run's own files, pipes and services.
fn near_the_limit(held: usize) -> bool {
    crate::open_files::inherited().is_some_and(|limit| held as libc::rlim_t >= limit / 4)
}

/// Raises the process's limit on open files to the hard one, once; says so in the engine's
/// log. Whether it was raised now.
fn raise_open_files() -> bool {
    let Some(raised) = crate::open_files::raise_to_hard() else {
        return false;
    };
    crate::stdout::say_line(&format!(
        "cutover: many connections to the run's socket: the limit on open files is raised to {raised} (the run's processes keep {})",
        crate::open_files::inherited().unwrap_or(raised)
    ));
    true
}

/// After an accept error (out of descriptors): a pause, then again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

#[cfg(test)]
#[path = "server_test.rs"]
mod tests;
