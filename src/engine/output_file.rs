//! The raw output of one step attempt, written to `output/<step>.<attempt>.log` as it arrives
//! (secrets already scrubbed) and hashed on the way.
//!
//! Small outputs are written and hashed inline. Past [`THREADED_AFTER`] bytes the file and its
//! hash move to a thread of their own: hashing a flood (SHA-256 at about 1 GB/s here) would
//! otherwise take the thread the engine and the TUI share, and a second core sits idle.
//!
//! The engine does not fsync it: durability is the durable consumer's job. The journal syncs
//! the file (`journal::output_sync`) before it writes the entry that names its digest, as
//! LOG-FORMAT.md requires; a display-only run pays nothing for it.

use crate::protocol::encoding::hex;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use crate::protocol::output::OutputRecord;

/// Output written inline up to this size; beyond it, on the writer thread.
const THREADED_AFTER: u64 = 1024 * 1024;
/// Small pieces are gathered up to this size before a write; larger ones are written directly.
/// Small, so that a step printing one line does not allocate and free a large buffer.
const WRITE_BUFFER: usize = 8 * 1024;
/// Chunks queued for the writer thread before a writer waits (about 1 MB of 64 KB chunks).
const QUEUED_CHUNKS: usize = 16;

pub(crate) struct OutputFile {
    relative: String,
    path: PathBuf,
    sink: Sink,
    bytes: u64,
}

/// Where the bytes go: written here, or handed to the writer thread.
enum Sink {
    Inline(Writer),
    Threaded {
        chunks: SyncSender<Vec<u8>>,
        worker: JoinHandle<io::Result<Writer>>,
    },
    /// Between the two, for the instant of the handover.
    Moving,
}

struct Writer {
    file: BufWriter<File>,
    hasher: Sha256,
}

impl Writer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)?;
        self.hasher.update(bytes);
        Ok(())
    }
}

impl OutputFile {
    /// Creates `run_dir/output/<name>.log`; `name` is `<step>.<attempt>` with a suffix where
    /// an attempt has several outputs (the stages of a rollout).
    pub(crate) fn create(run_dir: &Path, name: &str) -> io::Result<Self> {
        let relative = format!("output/{name}.log");
        let path = run_dir.join(&relative);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", path.display())))?;
        Ok(Self {
            relative,
            path,
            sink: Sink::Inline(Writer {
                file: BufWriter::with_capacity(WRITE_BUFFER, file),
                hasher: Sha256::new(),
            }),
            bytes: 0,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends output bytes the caller has already scrubbed of secrets and gives up, so a
    /// flood is never copied again.
    pub(crate) fn write_owned(&mut self, clean: Vec<u8>) -> io::Result<()> {
        self.bytes += clean.len() as u64;
        if self.bytes > THREADED_AFTER && matches!(self.sink, Sink::Inline(_)) {
            self.start_thread()?;
        }
        match &mut self.sink {
            Sink::Inline(writer) => writer.write(&clean),
            Sink::Threaded { chunks, .. } => {
                // A send fails only when the thread stopped on an error: `finish` reports it.
                let _ = chunks.send(clean);
                Ok(())
            }
            Sink::Moving => unreachable!("the handover completes before any write"),
        }
    }

    fn start_thread(&mut self) -> io::Result<()> {
        let Sink::Inline(mut writer) = std::mem::replace(&mut self.sink, Sink::Moving) else {
            unreachable!("only an inline sink starts a thread")
        };
        let (chunks, received) = sync_channel::<Vec<u8>>(QUEUED_CHUNKS);
        let worker = std::thread::Builder::new()
            .name("output".into())
            .spawn(move || {
                for chunk in received {
                    writer.write(&chunk)?;
                }
                Ok(writer)
            })?;
        self.sink = Sink::Threaded { chunks, worker };
        Ok(())
    }

    /// Flushes the file to the kernel; returns what the journal records about it.
    pub(crate) fn finish(self) -> io::Result<OutputRecord> {
        let mut writer = match self.sink {
            Sink::Inline(writer) => writer,
            Sink::Threaded { chunks, worker } => {
                drop(chunks);
                worker
                    .join()
                    .map_err(|_| io::Error::other("the output writer thread panicked"))??
            }
            Sink::Moving => unreachable!("the handover completes before finish"),
        };
        writer.file.flush()?;
        Ok(OutputRecord {
            path: self.relative,
            bytes: self.bytes,
            sha256: hex(&writer.hasher.finalize()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::encoding::hex;

    #[test]
    fn small_and_large_outputs_are_kept_whole_with_their_digest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("output")).unwrap();
        for (name, total) in [("small", 10_000usize), ("flood", 5 * 1024 * 1024 + 17)] {
            let mut output = OutputFile::create(dir.path(), name).unwrap();
            let mut expected = Vec::new();
            let mut n = 0u8;
            while expected.len() < total {
                let chunk: Vec<u8> = (0..(64 * 1024).min(total - expected.len()))
                    .map(|i| n.wrapping_add(i as u8))
                    .collect();
                n = n.wrapping_add(1);
                expected.extend_from_slice(&chunk);
                output.write_owned(chunk).unwrap();
            }
            let record = output.finish().unwrap();
            let written = std::fs::read(dir.path().join(&record.path)).unwrap();
            assert_eq!(written, expected, "{name}");
            assert_eq!(record.bytes, total as u64);
            assert_eq!(record.sha256, hex(&Sha256::digest(&expected)));
        }
    }
}

#[cfg(test)]
mod create_tests {
    use super::*;

    #[test]
    fn an_output_file_that_exists_already_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("output")).unwrap();
        let _first = OutputFile::create(dir.path(), "step.1").unwrap();
        let Err(err) = OutputFile::create(dir.path(), "step.1") else {
            panic!("created twice")
        };
        assert!(err.to_string().contains("output/step.1.log"), "{err}");
    }
}
