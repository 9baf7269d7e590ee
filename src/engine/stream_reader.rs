//! Reading a child's stdout and stderr in pieces the rest of the engine can handle: whole lines,
//! or, for a line longer than [`MAX_PIECE`], a piece of it, so that a 1 GB line never sits in
//! memory. Pieces leave the reader already scrubbed; a secret cut between two pieces of a long
//! line is still masked whole (see [`StreamScrubber`]).

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;

use super::scrub::{Scrubber, StreamScrubber};
use crate::protocol::output::Stream;

/// The longest piece handed on.
pub(crate) const MAX_PIECE: usize = 256 * 1024;

/// How many pieces may wait for the consumer: a flood waits in the pipe, not in memory.
const QUEUED_PIECES: usize = 64;

/// The first read's size; it doubles while reads fill it, up to [`LARGEST_READ`]. A step that
/// prints one line costs a small allocation, and a flood still reads 64 KB at a time.
const FIRST_READ: usize = 4 * 1024;
const LARGEST_READ: usize = 64 * 1024;

/// One stream of a child, read in scrubbed pieces.
///
/// Bytes are read straight into the piece being built (no intermediate buffer to zero and copy
/// from); whatever follows the last line break of a read starts the next piece. Everything read
/// is kept in the reader, not in the future that reads, so [`PieceReader::next_piece`] can be
/// one branch of a `select!`: a branch dropped because another was ready loses no byte.
pub(crate) struct PieceReader<R> {
    stream: R,
    scrubber: Scrubber,
    scrubbing: StreamScrubber,
    carry: Vec<u8>,
    read_size: usize,
    ended: bool,
}

impl<R: AsyncRead + Unpin> PieceReader<R> {
    pub(crate) fn new(stream: R, scrubber: &Scrubber) -> Self {
        Self {
            stream,
            scrubber: scrubber.clone(),
            scrubbing: StreamScrubber::default(),
            carry: Vec::new(),
            read_size: FIRST_READ,
            ended: false,
        }
    }

    /// The next scrubbed, non-empty piece; `None` once the stream has ended (or failed) and its
    /// last bytes were handed out.
    pub(crate) async fn next_piece(&mut self) -> Option<Vec<u8>> {
        while !self.ended {
            // Exact: a growing Vec would double its capacity and read a flood in ever larger
            // bites.
            self.carry.reserve_exact(self.read_size);
            let before = self.carry.len();
            let spare = self.carry.capacity() - before;
            match self.stream.read_buf(&mut self.carry).await {
                Ok(0) | Err(_) => {
                    self.ended = true;
                    let mut rest = self
                        .scrubbing
                        .push(&self.scrubber, std::mem::take(&mut self.carry));
                    rest.extend(self.scrubbing.finish(&self.scrubber));
                    return (!rest.is_empty()).then_some(rest);
                }
                Ok(read) if read == spare => {
                    self.read_size = (self.read_size * 2).min(LARGEST_READ);
                }
                Ok(_) => {}
            }
            let piece = match memchr::memrchr(b'\n', &self.carry[before..]) {
                Some(at) => {
                    let rest = self.carry.split_off(before + at + 1);
                    std::mem::replace(&mut self.carry, rest)
                }
                None if self.carry.len() < MAX_PIECE => continue,
                None => std::mem::take(&mut self.carry),
            };
            // Without secrets the piece is handed on as is: a flood is not copied.
            let clean = self.scrubbing.push(&self.scrubber, piece);
            if !clean.is_empty() {
                return Some(clean);
            }
        }
        None
    }
}

/// Reads both of a child's streams on tasks of their own, for output that outlives the step
/// that started it (a service's); the receiver yields their pieces and closes once both
/// streams have ended. A step's own process reads its streams inline (`process.rs`).
pub(crate) fn read_output(
    stdout: impl AsyncRead + Unpin + Send + 'static,
    stderr: impl AsyncRead + Unpin + Send + 'static,
    scrubber: &Scrubber,
) -> mpsc::Receiver<(Stream, Vec<u8>)> {
    let (pieces_tx, pieces) = mpsc::channel(QUEUED_PIECES);
    tokio::spawn(forward_pieces(
        PieceReader::new(stdout, scrubber),
        Stream::Stdout,
        pieces_tx.clone(),
    ));
    tokio::spawn(forward_pieces(
        PieceReader::new(stderr, scrubber),
        Stream::Stderr,
        pieces_tx,
    ));
    pieces
}

async fn forward_pieces(
    mut reader: PieceReader<impl AsyncRead + Unpin>,
    which: Stream,
    pieces: mpsc::Sender<(Stream, Vec<u8>)>,
) {
    while let Some(piece) = reader.next_piece().await {
        if pieces.send((which, piece)).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    async fn pieces_of(input: Vec<u8>) -> Vec<Vec<u8>> {
        pieces_scrubbed(input, &Scrubber::default()).await
    }

    async fn pieces_scrubbed(input: Vec<u8>, scrubber: &Scrubber) -> Vec<Vec<u8>> {
        all_pieces(PieceReader::new(std::io::Cursor::new(input), scrubber)).await
    }

    async fn all_pieces(mut reader: PieceReader<impl AsyncRead + Unpin>) -> Vec<Vec<u8>> {
        let mut pieces = Vec::new();
        while let Some(piece) = reader.next_piece().await {
            pieces.push(piece);
        }
        assert_eq!(
            reader.next_piece().await,
            None,
            "an ended stream stays ended"
        );
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
        let input = b"alpha\nbeta\ngamma\nno newline".to_vec();
        let trickle = Trickle(std::io::Cursor::new(input.clone()));
        let pieces = all_pieces(PieceReader::new(trickle, &Scrubber::default())).await;
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

    #[tokio::test(start_paused = true)]
    async fn a_read_dropped_by_select_loses_no_byte() {
        // A pipe written in parts, with a pause: the reader's future is dropped by `select!`
        // while a line is half read, as when the child's exit is seen first.
        let (mut writer, pipe) = tokio::io::duplex(64);
        let mut reader = PieceReader::new(pipe, &Scrubber::default());
        writer.write_all(b"first half ").await.unwrap();
        tokio::select! {
            biased;
            piece = reader.next_piece() => panic!("no whole line yet, got {piece:?}"),
            _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
        }
        writer.write_all(b"second half\nnext").await.unwrap();
        drop(writer);
        assert_eq!(
            all_pieces(reader).await,
            vec![b"first half second half\n".to_vec(), b"next".to_vec()]
        );
    }
}
