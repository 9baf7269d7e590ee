//! What one client sends the engine, frame by frame, read on a task of its own. Reading a
//! frame inside `select!` beside the client's outgoing queue would lose a frame half read
//! whenever the other branch won; here the read keeps its state in its own task, and the
//! connection waits on a channel, which is cancel-safe. The task goes with the connection:
//! a client that stops sending holds no task and no descriptor once it is let go.

use tokio::net::unix::OwnedReadHalf;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::frame::{FrameError, MAX_CLIENT_FRAME, read_frame_within};
use super::protocol::ClientMessage;

/// The frames of one client, in order; the first error (garbage, an oversized frame, the
/// connection closed) ends them.
pub(super) struct ClientFrames {
    frames: mpsc::Receiver<Result<ClientMessage, FrameError>>,
    reader: JoinHandle<()>,
}

impl ClientFrames {
    pub(super) fn read_from(mut reader: OwnedReadHalf) -> Self {
        // A few frames ahead at most: a client that floods waits on its own socket.
        let (sender, frames) = mpsc::channel(4);
        let reader = tokio::spawn(async move {
            loop {
                let frame = read_frame_within(&mut reader, MAX_CLIENT_FRAME).await;
                let ended = frame.is_err();
                if sender.send(frame).await.is_err() || ended {
                    return;
                }
            }
        });
        Self { frames, reader }
    }

    /// The next frame; `Err` once the client sent something that is not one, or left.
    pub(super) async fn next(&mut self) -> Result<ClientMessage, FrameError> {
        self.frames.recv().await.unwrap_or(Err(FrameError::Closed))
    }
}

impl Drop for ClientFrames {
    fn drop(&mut self) {
        self.reader.abort();
    }
}
