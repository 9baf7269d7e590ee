//! Reading a child's stdout and stderr in pieces the rest of the engine can handle: whole lines,
//! or, for a line longer than [`MAX_PIECE`], a piece of it, so that a 1 GB line never sits in
//! memory. Pieces leave the reader already scrubbed; a secret cut between two pieces of a long
//! line is still masked whole (see [`StreamScrubber`]).

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

use super::events::Stream;
use super::scrub::{Scrubber, StreamScrubber};

/// The longest piece handed on.
pub const MAX_PIECE: usize = 256 * 1024;

/// How many pieces may wait for the consumer: a flood waits in the pipe, not in memory.
const QUEUED_PIECES: usize = 64;

/// Starts reading both of a child's streams; the receiver yields their scrubbed pieces and
/// closes once both streams have ended.
pub fn read_output(
    stdout: impl AsyncRead + Unpin + Send + 'static,
    stderr: impl AsyncRead + Unpin + Send + 'static,
    scrubber: &Scrubber,
) -> mpsc::Receiver<(Stream, Vec<u8>)> {
    let (pieces_tx, pieces) = mpsc::channel(QUEUED_PIECES);
    tokio::spawn(read_pieces(
        stdout,
        Stream::Stdout,
        scrubber.clone(),
        pieces_tx.clone(),
    ));
    tokio::spawn(read_pieces(
        stderr,
        Stream::Stderr,
        scrubber.clone(),
        pieces_tx,
    ));
    pieces
}

/// Reads `stream` to its end, handing each scrubbed, non-empty piece to `pieces`.
async fn read_pieces(
    stream: impl AsyncRead + Unpin,
    which: Stream,
    scrubber: Scrubber,
    pieces: mpsc::Sender<(Stream, Vec<u8>)>,
) {
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut scrubbing = StreamScrubber::default();
    let mut carry: Vec<u8> = Vec::new();
    while let Ok(available) = reader.fill_buf().await {
        if available.is_empty() {
            break;
        }
        let length = available.len();
        match memchr::memrchr(b'\n', available) {
            Some(last_newline) => {
                carry.extend_from_slice(&available[..=last_newline]);
                reader.consume(last_newline + 1);
            }
            None => {
                carry.extend_from_slice(available);
                reader.consume(length);
                if carry.len() < MAX_PIECE {
                    continue;
                }
            }
        }
        // Without secrets the piece is handed on as is: a flood is not copied.
        let clean = scrubbing.push(&scrubber, std::mem::take(&mut carry));
        if !clean.is_empty() && pieces.send((which, clean)).await.is_err() {
            return;
        }
    }
    let mut rest = scrubbing.push(&scrubber, carry);
    rest.extend(scrubbing.finish(&scrubber));
    if !rest.is_empty() {
        let _ = pieces.send((which, rest)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pieces_of(input: Vec<u8>) -> Vec<Vec<u8>> {
        pieces_scrubbed(input, &Scrubber::default()).await
    }

    async fn pieces_scrubbed(input: Vec<u8>, scrubber: &Scrubber) -> Vec<Vec<u8>> {
        let (tx, mut rx) = mpsc::channel(1024);
        read_pieces(
            std::io::Cursor::new(input),
            Stream::Stdout,
            scrubber.clone(),
            tx,
        )
        .await;
        let mut pieces = Vec::new();
        while let Ok((_, piece)) = rx.try_recv() {
            pieces.push(piece);
        }
        pieces
    }

    #[tokio::test]
    async fn lines_stay_whole_and_a_huge_line_comes_in_bounded_pieces() {
        let pieces = pieces_of(b"one\ntwo\n".to_vec()).await;
        assert_eq!(pieces.concat(), b"one\ntwo\n");
        assert!(pieces.iter().all(|p| p.ends_with(b"\n")));
        let huge = vec![b'x'; 3 * MAX_PIECE + 5];
        let pieces = pieces_of(huge.clone()).await;
        assert!(pieces.len() >= 3);
        assert!(pieces.iter().all(|p| p.len() <= MAX_PIECE + 64 * 1024));
        assert_eq!(pieces.concat(), huge);
    }

    #[tokio::test]
    async fn a_secret_across_two_pieces_of_a_long_line_leaves_masked_whole() {
        let scrubber = Scrubber::new(["hunter2-secret"]);
        let mut line = vec![b'x'; MAX_PIECE - 5];
        line.extend_from_slice(b"hunter2-secret tail\n");
        let pieces = pieces_scrubbed(line, &scrubber).await;
        let mut expected = vec![b'x'; MAX_PIECE - 5];
        expected.extend_from_slice(b"*** tail\n");
        assert_eq!(pieces.concat(), expected);
        assert!(pieces.iter().all(|p| !p.is_empty()));
    }
}
