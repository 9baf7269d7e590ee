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
use tokio::sync::{mpsc, watch};

use super::connection::connection;
use super::frame::encode_frame;
use super::history::History;
use super::protocol::{LiveStatus, ServerMessage};
use super::seat::{ControllerSeat, EngineControls};
use super::shared_socket::SharedSocket;
use super::socket_path::{SOCKET_NAME, socket_path};
use crate::engine::events::Event;
use crate::journal::status::JournalStatus;
use crate::tui::state::RunInfo;

/// Messages queued for one client; one that falls this far behind is let go (it can attach
/// again) rather than held in the engine's memory.
pub(super) const CLIENT_QUEUE: usize = 1 << 16;

/// How long events gather before they go to the clients, in one frame burst each: well under
/// what a person notices, and a tenth of the 50 ms an event may take to reach a watcher.
const GATHER: Duration = Duration::from_millis(5);

/// At the end of the run, how long the watchers' queued frames may take to go out.
const FLUSH_AT_THE_END: Duration = Duration::from_secs(1);

/// A client has this long to say hello.
pub(super) const HELLO_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct Hub {
    pub(super) info: RunInfo,
    pub(super) started: std::time::Instant,
    pub(super) history: History,
    pub(super) journal: JournalStatus,
    /// Each client's queue of encoded frames.
    pub(super) clients: Vec<mpsc::Sender<Arc<Vec<u8>>>>,
    waiting_since: Option<String>,
    /// `None` for a run that takes no controls over its socket (headless).
    pub(super) seat: Option<ControllerSeat>,
    /// `--share-with`: the group, and the folder of its socket.
    shared_with: Option<(String, std::path::PathBuf)>,
    /// Where `cutover approve` offers approvals to the engine.
    pub(super) approvals: crate::approval::desk::ApprovalDesk,
}

impl Hub {
    fn record(&mut self, event: &Event) {
        self.history.record(event);
        match event {
            Event::Waiting(_) => {
                self.waiting_since = Some(crate::journal::identity::timestamp());
            }
            Event::StepStarted { .. } | Event::StepResult { .. } | Event::RunFinished { .. } => {
                self.waiting_since = None;
            }
            _ => {}
        }
        self.send(ServerMessage::Event(Box::new(event.clone())));
    }

    /// To every client that keeps up; the others are let go.
    fn send(&mut self, message: ServerMessage) {
        if self.clients.is_empty() {
            return;
        }
        let Ok(frame) = encode_frame(&message) else {
            return;
        };
        let frame = Arc::new(frame);
        self.clients
            .retain(|client| client.try_send(frame.clone()).is_ok());
    }

    pub(super) fn status(&self) -> LiveStatus {
        let (current_step, waiting) = self.history.current();
        LiveStatus {
            pid: std::process::id(),
            watchers: self.clients.len() as u32,
            current_step,
            waiting_since: waiting.as_ref().and(self.waiting_since.clone()),
            waiting,
            controller: self
                .seat
                .as_ref()
                .and_then(|seat| seat.holder())
                .map(|seat| seat.describe()),
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
        self.hub
            .lock()
            .expect("never poisoned")
            .send(ServerMessage::Failed { code, message });
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

/// Serves `RUN_DIR/engine.sock` (mode 0600) from a thread of its own: `events` are the
/// emitter's (recorded before they come), `journal` the writer's status when it has one,
/// `controls` the engine's end for a run a controller attaches to, `shared` a second socket
/// for a group (`--share-with`).
pub(crate) fn serve(
    run_dir: &Path,
    info: RunInfo,
    mut events: mpsc::UnboundedReceiver<Event>,
    mut journal: Option<watch::Receiver<JournalStatus>>,
    controls: Option<EngineControls>,
    shared: Option<SharedSocket>,
    approvals: crate::approval::desk::ApprovalDesk,
) -> std::io::Result<LiveServer> {
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
    let hub = Arc::new(Mutex::new(Hub {
        info,
        started: std::time::Instant::now(),
        history: History::default(),
        journal: journal
            .as_ref()
            .map(|status| status.borrow().clone())
            .unwrap_or_default(),
        clients: Vec::new(),
        waiting_since: None,
        seat: controls.map(ControllerSeat::new),
        shared_with: shared
            .as_ref()
            .map(|shared| (shared.group.clone(), shared.dir.clone())),
        approvals,
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
                let shared_accept = async {
                    match shared {
                        Some(listener) => accept(listener, hub.clone(), connections.clone()).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = stopped => {}
                    _ = fan_out(hub.clone(), &mut events, &mut journal) => {}
                    _ = accept(listener, hub.clone(), connections.clone()) => {}
                    _ = shared_accept => {}
                }
                // The run is over: its last events (they come together, within the last
                // milliseconds) go to every watcher with what was queued for it, then its
                // connection closes; one that does not read is not waited for long.
                {
                    let mut hub = hub.lock().expect("never poisoned");
                    while let Ok(event) = events.try_recv() {
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
    events: &mut mpsc::UnboundedReceiver<Event>,
    journal: &mut Option<watch::Receiver<JournalStatus>>,
) {
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => hub.lock().expect("never poisoned").record(&event),
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
            let mut hub = hub.lock().expect("never poisoned");
            while let Ok(event) = events.try_recv() {
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
async fn accept(listener: UnixListener, hub: Arc<Mutex<Hub>>, connections: Arc<()>) {
    while let Ok((stream, _)) = listener.accept().await {
        let (hub, alive) = (hub.clone(), connections.clone());
        tokio::spawn(async move {
            connection(stream, hub).await;
            drop(alive);
        });
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;
    use crate::engine::controller_change::Seat;
    use crate::engine::events::Mode;
    use crate::live::frame::{read_frame, write_frame};
    use crate::live::protocol::{ClientMessage, Role, VERSION};
    use tokio::net::UnixStream;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    fn info() -> RunInfo {
        RunInfo {
            title: "T".into(),
            runbook: "t".into(),
            description: String::new(),
            environment: None,
            mode: Mode::Drill,
            operator: "alice".into(),
            key_fingerprint: "SHA256:x".into(),
            run_dir: String::new(),
            expected: None,
            steps: Vec::new(),
            rollback_ms: None,
            estimates_from: None,
        }
    }

    /// The socket of a headless run: watchers only.
    fn watched(run_dir: &Path, events: mpsc::UnboundedReceiver<Event>) -> LiveServer {
        serve(
            run_dir,
            info(),
            events,
            None,
            None,
            None,
            Default::default(),
        )
        .unwrap()
    }

    fn phase(n: usize) -> Event {
        Event::PhaseStarted {
            phase: format!("p{n}"),
            title: String::new(),
        }
    }

    async fn watcher(run_dir: &Path) -> UnixStream {
        let mut stream = UnixStream::connect(run_dir.join(SOCKET_NAME))
            .await
            .unwrap();
        let hello = ClientMessage::Hello {
            version: VERSION,
            role: Role::Watch,
            origin: Seat::default(),
            takeover: false,
            person: None,
        };
        write_frame(&mut stream, &hello).await.unwrap();
        stream
    }

    /// Reads frames until `n` phase events have come (after the welcome).
    async fn phases(stream: &mut UnixStream, n: usize) -> Vec<String> {
        let mut seen = Vec::new();
        while seen.len() < n {
            match read_frame::<_, ServerMessage>(stream).await.unwrap() {
                ServerMessage::Event(event) => {
                    if let Event::PhaseStarted { phase, .. } = *event {
                        seen.push(phase);
                    }
                }
                ServerMessage::Welcome { .. } | ServerMessage::Journal(_) => {}
                other => panic!("{other:?}"),
            }
        }
        seen
    }

    #[test]
    fn bad_clients_lose_their_own_connection_and_nothing_else() {
        block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let (events, receiver) = mpsc::unbounded_channel();
            let _server = watched(dir.path(), receiver);
            events.send(phase(0)).unwrap();
            let mut good = watcher(dir.path()).await;

            // Garbage instead of a hello; a hello cut in the middle; a flood of frames after
            // a hello; a watcher that never reads.
            let mut garbage = UnixStream::connect(dir.path().join(SOCKET_NAME))
                .await
                .unwrap();
            garbage
                .write_all(b"\x00\x00\x00\x04junkGET / HTTP/1.1\r\n\r\n")
                .await
                .unwrap();
            let mut cut = UnixStream::connect(dir.path().join(SOCKET_NAME))
                .await
                .unwrap();
            cut.write_all(&200u32.to_be_bytes()).await.unwrap();
            cut.write_all(b"{\"frame\":\"hel").await.unwrap();
            drop(cut);
            let mut flood = watcher(dir.path()).await;
            let flooding = tokio::spawn(async move {
                let note = ClientMessage::Hello {
                    version: VERSION,
                    role: Role::Watch,
                    origin: Seat::default(),
                    takeover: false,
                    person: None,
                };
                for _ in 0..10_000 {
                    if write_frame(&mut flood, &note).await.is_err() {
                        break;
                    }
                }
            });
            let _silent = watcher(dir.path()).await;
            let old = ClientMessage::Hello {
                version: VERSION + 1,
                role: Role::Watch,
                origin: Seat::default(),
                takeover: false,
                person: None,
            };
            let mut newer = UnixStream::connect(dir.path().join(SOCKET_NAME))
                .await
                .unwrap();
            write_frame(&mut newer, &old).await.unwrap();
            match read_frame::<_, ServerMessage>(&mut newer).await.unwrap() {
                ServerMessage::Refused { reason } => {
                    assert!(reason.contains("protocol"), "{reason}")
                }
                other => panic!("{other:?}"),
            }

            for n in 1..=200 {
                events.send(phase(n)).unwrap();
            }
            let seen = phases(&mut good, 201).await;
            let expected: Vec<String> = (0..=200).map(|n| format!("p{n}")).collect();
            assert_eq!(seen, expected, "every event, once, in order");
            flooding.abort();
            drop(garbage);
        });
    }

    #[test]
    fn the_last_events_reach_the_watchers_when_the_run_ends() {
        block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let (events, receiver) = mpsc::unbounded_channel();
            let server = watched(dir.path(), receiver);
            let mut first = watcher(dir.path()).await;
            let mut second = watcher(dir.path()).await;
            // Both attached (each got its welcome), then the run's last events and its end.
            for stream in [&mut first, &mut second] {
                assert!(matches!(
                    read_frame::<_, ServerMessage>(stream).await.unwrap(),
                    ServerMessage::Welcome { .. }
                ));
            }
            for n in 0..50 {
                events.send(phase(n)).unwrap();
            }
            drop(server);
            let expected: Vec<String> = (0..50).map(|n| format!("p{n}")).collect();
            assert_eq!(phases(&mut first, 50).await, expected);
            assert_eq!(phases(&mut second, 50).await, expected);
        });
    }

    #[test]
    fn a_newcomer_gets_what_happened_before_it_then_the_rest() {
        block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let (events, receiver) = mpsc::unbounded_channel();
            let server = watched(dir.path(), receiver);
            for n in 0..3 {
                events.send(phase(n)).unwrap();
            }
            tokio::task::yield_now().await;
            let mut late = watcher(dir.path()).await;
            for n in 3..5 {
                events.send(phase(n)).unwrap();
            }
            assert_eq!(phases(&mut late, 5).await, ["p0", "p1", "p2", "p3", "p4"]);
            let socket = dir.path().join(SOCKET_NAME);
            let mode = std::fs::metadata(&socket).unwrap().permissions();
            assert_eq!(
                std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
                0o600
            );
            drop(server);
            assert!(!socket.exists(), "the socket goes with the server");
        });
    }

    #[test]
    fn a_controller_that_floods_controls_is_let_go_and_a_watcher_cannot_act() {
        block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let (events, receiver) = mpsc::unbounded_channel();
            let (controller, mut intake, presence) =
                crate::engine::controller::attachable_control_channel();
            let _server = serve(
                dir.path(),
                info(),
                receiver,
                None,
                Some(EngineControls {
                    controller,
                    presence,
                    signing: Default::default(),
                }),
                None,
                Default::default(),
            )
            .unwrap();
            let mut good = watcher(dir.path()).await;
            // A watcher's controls reach nothing.
            write_frame(
                &mut good,
                &ClientMessage::Control(crate::engine::control::Control::Proceed),
            )
            .await
            .unwrap();
            let mut flood = UnixStream::connect(dir.path().join(SOCKET_NAME))
                .await
                .unwrap();
            let hello = ClientMessage::Hello {
                version: VERSION,
                role: Role::Control,
                origin: Seat::default(),
                takeover: false,
                person: None,
            };
            write_frame(&mut flood, &hello).await.unwrap();
            let proceed = ClientMessage::Control(crate::engine::control::Control::Proceed);
            for _ in 0..10_000 {
                if write_frame(&mut flood, &proceed).await.is_err() {
                    break;
                }
            }
            drop(flood);
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut proceeds = 0;
            let mut seats = Vec::new();
            while let Ok(control) = intake.answers.try_recv() {
                match control {
                    crate::engine::control::Control::Proceed => proceeds += 1,
                    crate::engine::control::Control::Controller { change } => {
                        seats.push(change.action)
                    }
                    other => panic!("{other:?}"),
                }
            }
            assert!(proceeds <= 50, "{proceeds} controls got through");
            use crate::engine::controller_change::SeatAction;
            assert_eq!(seats, [SeatAction::Attach, SeatAction::Detach]);
            assert!(!*intake.presence.as_ref().unwrap().borrow());
            // The watcher still follows the run.
            events.send(phase(1)).unwrap();
            assert_eq!(phases(&mut good, 1).await, ["p1"]);
        });
    }
}
