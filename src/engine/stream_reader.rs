//! Reading a child's stdout and stderr in pieces the rest of the engine can handle: whole lines,
//! or, for a line longer than [`MAX_PIECE`], a piece of it, so that a 1 GB line never sits in
//! memory. Pieces leave the reader already scrubbed; a secret cut between two pieces of a long
//! line is still masked whole (see [`StreamScrubber`]).

use tokio::io::{AsyncRead, AsyncReadExt};
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

/// The first read's size; it doubles while reads fill it, up to [`LARGEST_READ`]. A step that
/// prints one line costs a small allocation, and a flood still reads 64 KB at a time.
const FIRST_READ: usize = 4 * 1024;
const LARGEST_READ: usize = 64 * 1024;

/// Reads `stream` to its end, handing each scrubbed, non-empty piece to `pieces`.
///
/// Bytes are read straight into the piece being built (no intermediate buffer to zero and copy
/// from); whatever follows the last line break of a read starts the next piece.
async fn read_pieces(
    mut stream: impl AsyncRead + Unpin,
    which: Stream,
    scrubber: Scrubber,
    pieces: mpsc::Sender<(Stream, Vec<u8>)>,
) {
    let mut scrubbing = StreamScrubber::default();
    let mut carry: Vec<u8> = Vec::new();
    let mut read_size = FIRST_READ;
    loop {
        // Exact: a growing Vec would double its capacity and read a flood in ever larger bites.
        carry.reserve_exact(read_size);
        let before = carry.len();
        let spare = carry.capacity() - before;
        match stream.read_buf(&mut carry).await {
            Ok(0) | Err(_) => break,
            Ok(read) if read == spare => read_size = (read_size * 2).min(LARGEST_READ),
            Ok(_) => {}
        }
        let piece = match memchr::memrchr(b'\n', &carry[before..]) {
            Some(at) => {
                let rest = carry.split_off(before + at + 1);
                std::mem::replace(&mut carry, rest)
            }
            None if carry.len() < MAX_PIECE => continue,
            None => std::mem::take(&mut carry),
        };
        // Without secrets the piece is handed on as is: a flood is not copied.
        let clean = scrubbing.push(&scrubber, piece);
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

    /// A stream that hands out a few bytes per read, as a pipe does under a slow writer.
    struct Trickle(std::io::Cursor<Vec<u8>>);

    impl AsyncRead for Trickle {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            let mut few = [0u8; 3];
            let wanted = few.len().min(buf.remaining());
            let n = std::io::Read::read(&mut self.0, &mut few[..wanted])?;
            buf.put_slice(&few[..n]);
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn lines_split_across_reads_are_joined_and_an_unfinished_line_comes_last() {
        let (tx, mut rx) = mpsc::channel(1024);
        let input = b"alpha\nbeta\ngamma\nno newline".to_vec();
        let trickle = Trickle(std::io::Cursor::new(input.clone()));
        read_pieces(trickle, Stream::Stdout, Scrubber::default(), tx).await;
        let mut pieces = Vec::new();
        while let Ok((_, piece)) = rx.try_recv() {
            pieces.push(piece);
        }
        assert_eq!(pieces.concat(), input);
        let (last, whole) = pieces.split_last().unwrap();
        assert!(whole.iter().all(|p| p.ends_with(b"\n")), "{pieces:?}");
        assert!(last.ends_with(b"no newline"));
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
