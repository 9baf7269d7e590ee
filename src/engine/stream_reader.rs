//! Reading a child's stdout or stderr in pieces the rest of the engine can handle: whole lines,
//! or, for a line longer than [`MAX_PIECE`], a piece of it, so that a 1 GB line never sits in
//! memory. (A secret cut between two pieces of a long line is still masked whole: see
//! `scrub::StreamScrubber`.)

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

use super::events::Stream;

/// The longest piece handed on.
pub const MAX_PIECE: usize = 256 * 1024;

/// Reads `stream` to its end, handing each piece to `pieces`.
pub async fn read_pieces(
    stream: impl AsyncRead + Unpin,
    which: Stream,
    pieces: mpsc::Sender<(Stream, Vec<u8>)>,
) {
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
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
        if pieces
            .send((which, std::mem::take(&mut carry)))
            .await
            .is_err()
        {
            return;
        }
    }
    if !carry.is_empty() {
        let _ = pieces.send((which, carry)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pieces_of(input: Vec<u8>) -> Vec<Vec<u8>> {
        let (tx, mut rx) = mpsc::channel(1024);
        read_pieces(std::io::Cursor::new(input), Stream::Stdout, tx).await;
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
}
