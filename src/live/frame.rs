//! Frames on a run's socket: a 4-byte big-endian length, then that many bytes of JSON. A frame
//! over its limit is refused before it is read — [`MAX_CLIENT_FRAME`] for what a client sends
//! the engine, [`MAX_FRAME`] for what the engine sends — and a frame's buffer grows with the
//! bytes that arrive, never to the length it announced: a client that announces a large frame
//! and stalls costs the engine what it sent. A peer that stops mid-frame is a closed
//! connection, not a partial message.
//!
//! Written by hand: tokio-util's codec would do the length prefix, but not the typed JSON or
//! the refusal of a frame by its announced size, which is the part that matters here.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The largest frame either side accepts: a replay of a long run's events is sent one event
/// per frame, so no frame needs to be large.
pub(crate) const MAX_FRAME: u32 = 4 << 20;

/// The largest frame a client may send the engine: a hello, a control, a signature, an
/// approval's statement — a few kilobytes, with room for a long statement.
pub(crate) const MAX_CLIENT_FRAME: u32 = 128 << 10;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the connection closed")]
    Closed,
    #[error("a frame of {0} bytes is over the limit")]
    TooLarge(u32),
    #[error("a frame is not a message: {0}")]
    Garbage(serde_json::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// One message as the bytes of one frame: encoded once, it can be written to any number of
/// clients.
pub(crate) fn encode_frame<T: Serialize>(message: &T) -> Result<Vec<u8>, FrameError> {
    let json = serde_json::to_vec(message).map_err(FrameError::Garbage)?;
    let length = u32::try_from(json.len())
        .ok()
        .filter(|length| *length <= MAX_FRAME)
        .ok_or(FrameError::TooLarge(u32::MAX))?;
    let mut frame = Vec::with_capacity(4 + json.len());
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(&json);
    Ok(frame)
}

/// Writes one message as one frame.
pub(crate) async fn write_frame<W, T>(writer: &mut W, message: &T) -> Result<(), FrameError>
where
    W: AsyncWriteExt + Unpin,
    T: Serialize,
{
    writer.write_all(&encode_frame(message)?).await?;
    Ok(())
}

/// Reads one frame the engine sent and parses it. A connection closed between frames or
/// inside one is [`FrameError::Closed`].
pub(crate) async fn read_frame<R, T>(reader: &mut R) -> Result<T, FrameError>
where
    R: AsyncReadExt + Unpin,
    T: DeserializeOwned,
{
    read_frame_within(reader, MAX_FRAME).await
}

/// Reads one frame of at most `limit` bytes and parses it.
pub(crate) async fn read_frame_within<R, T>(reader: &mut R, limit: u32) -> Result<T, FrameError>
where
    R: AsyncReadExt + Unpin,
    T: DeserializeOwned,
{
    let mut length = [0u8; 4];
    read_exact(reader, &mut length).await?;
    let length = u32::from_be_bytes(length);
    if length > limit {
        return Err(FrameError::TooLarge(length));
    }
    // Grown as bytes come: an announced length costs nothing until it is sent.
    let mut json = Vec::with_capacity((length as usize).min(8 << 10));
    let read = (&mut *reader)
        .take(u64::from(length))
        .read_to_end(&mut json)
        .await?;
    if read < length as usize {
        return Err(FrameError::Closed);
    }
    serde_json::from_slice(&json).map_err(FrameError::Garbage)
}

async fn read_exact<R: AsyncReadExt + Unpin>(
    reader: &mut R,
    buffer: &mut [u8],
) -> Result<(), FrameError> {
    match reader.read_exact(buffer).await {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => Err(FrameError::Closed),
        Err(err) => Err(FrameError::Io(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::Event;
    use crate::protocol::output::Stream;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn frames_round_trip() {
        runtime().block_on(async {
            let (mut a, mut b) = tokio::io::duplex(1 << 16);
            let events = vec![
                Event::Output {
                    step: "migrate".into(),
                    stream: Stream::Stdout,
                    text: "line 1\nline 2 — é\n".into(),
                },
                Event::PhaseStarted {
                    phase: "p".into(),
                    title: "Phase".into(),
                },
            ];
            for event in &events {
                write_frame(&mut a, event).await.unwrap();
            }
            for event in &events {
                let read: Event = read_frame(&mut b).await.unwrap();
                assert_eq!(&read, event);
            }
        });
    }

    #[test]
    fn a_peer_that_stops_mid_frame_is_a_closed_connection() {
        runtime().block_on(async {
            let (mut a, mut b) = tokio::io::duplex(1 << 16);
            a.write_all(&100u32.to_be_bytes()).await.unwrap();
            a.write_all(b"{\"half\":").await.unwrap();
            drop(a);
            let read: Result<serde_json::Value, _> = read_frame(&mut b).await;
            assert!(matches!(read, Err(FrameError::Closed)), "{read:?}");
        });
    }

    #[test]
    fn garbage_and_oversized_frames_are_refused_without_reading_them() {
        runtime().block_on(async {
            let (mut a, mut b) = tokio::io::duplex(1 << 16);
            let junk = b"\x00\x00\x00\x05hello";
            a.write_all(junk).await.unwrap();
            let read: Result<Event, _> = read_frame(&mut b).await;
            assert!(matches!(read, Err(FrameError::Garbage(_))), "{read:?}");
            a.write_all(&u32::MAX.to_be_bytes()).await.unwrap();
            let read: Result<Event, _> = read_frame(&mut b).await;
            assert!(
                matches!(read, Err(FrameError::TooLarge(u32::MAX))),
                "{read:?}"
            );
        });
    }
}
