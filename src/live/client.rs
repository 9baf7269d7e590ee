//! A client's end of a run's socket: say hello, receive the run as it is, then its events —
//! as the channels the TUI already reads, so that a watcher's screen is the operator's.

use std::path::Path;
use std::time::Duration;

use tokio::net::UnixStream;
use tokio::sync::{mpsc, watch};

use super::frame::{FrameError, read_frame, write_frame};
use super::protocol::{ClientMessage, LiveStatus, Origin, Role, ServerMessage, VERSION};
use super::socket_path::socket_path;
use crate::engine::events::Event;
use crate::journal::writer::JournalStatus;
use crate::tui::state::RunInfo;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "reach the engine of {run_dir} through its socket ({source}); `cutover ls` says whether the run is live"
    )]
    Connect {
        run_dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("attach: the engine refused: {0}")]
    Refused(String),
    #[error("talk to the engine of {run_dir}: {source}")]
    Protocol {
        run_dir: String,
        #[source]
        source: FrameError,
    },
    #[error("talk to the engine of {run_dir}: it answered {what} first")]
    Unexpected { run_dir: String, what: &'static str },
}

/// What a watcher gets: the run's steps, how long it has run, then its events and the
/// journal's status as they come. The event channel closes when the engine goes away.
pub(crate) struct Watching {
    pub info: RunInfo,
    pub elapsed: Duration,
    pub journal: watch::Receiver<JournalStatus>,
    pub events: mpsc::UnboundedReceiver<Event>,
}

async fn hello(run_dir: &Path, role: Role) -> Result<UnixStream, ConnectError> {
    let shown = run_dir.display().to_string();
    let at = socket_path(run_dir).map_err(|source| ConnectError::Connect {
        run_dir: shown.clone(),
        source,
    })?;
    let mut stream =
        UnixStream::connect(&at.path)
            .await
            .map_err(|source| ConnectError::Connect {
                run_dir: shown.clone(),
                source,
            })?;
    let hello = ClientMessage::Hello {
        version: VERSION,
        role,
        origin: Origin::here(),
    };
    write_frame(&mut stream, &hello)
        .await
        .map_err(|source| ConnectError::Protocol {
            run_dir: shown,
            source,
        })?;
    Ok(stream)
}

/// Attaches read-only.
pub(crate) async fn watch(run_dir: &Path) -> Result<Watching, ConnectError> {
    let shown = run_dir.display().to_string();
    let mut stream = hello(run_dir, Role::Watch).await?;
    let protocol = |source| ConnectError::Protocol {
        run_dir: shown.clone(),
        source,
    };
    let (info, elapsed_ms, status) = match read_frame(&mut stream).await.map_err(protocol)? {
        ServerMessage::Welcome {
            info,
            elapsed_ms,
            journal,
        } => (info, elapsed_ms, journal),
        ServerMessage::Refused { reason } => return Err(ConnectError::Refused(reason)),
        _ => {
            return Err(ConnectError::Unexpected {
                run_dir: shown,
                what: "something else than a welcome",
            });
        }
    };
    let (events_tx, events) = mpsc::unbounded_channel();
    let (journal_tx, journal) = watch::channel(status);
    tokio::spawn(async move {
        // Until the engine goes away: then the channels close and the screen says so.
        while let Ok(message) = read_frame::<_, ServerMessage>(&mut stream).await {
            let delivered = match message {
                ServerMessage::Event(event) => events_tx.send(*event).is_ok(),
                ServerMessage::Journal(status) => journal_tx.send(status).is_ok(),
                _ => true,
            };
            // The screen is gone: nobody to tell.
            if !delivered {
                break;
            }
        }
    });
    Ok(Watching {
        info: *info,
        elapsed: Duration::from_millis(elapsed_ms),
        journal,
        events,
    })
}

/// What a live run is doing, asked of its engine (for `cutover ls`); `None` when it does not
/// answer within `timeout`.
pub(crate) async fn status(run_dir: &Path, timeout: Duration) -> Option<LiveStatus> {
    let ask = async {
        let mut stream = hello(run_dir, Role::Status).await.ok()?;
        match read_frame(&mut stream).await.ok()? {
            ServerMessage::Status(status) => Some(status),
            _ => None,
        }
    };
    tokio::time::timeout(timeout, ask).await.ok().flatten()
}
