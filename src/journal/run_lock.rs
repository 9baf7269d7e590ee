//! One writer per journal: the process that appends to `journal.log` holds an exclusive `flock`
//! on it for as long as it may append, and says who it is in `engine.json` beside it.
//!
//! The lock is the truth; `engine.json` only lets a second process tell the operator who holds
//! it ("the run is in progress (PID 4242 on db-1, since …)"). It is rewritten by every process
//! that takes the lock and never removed, so a stale file is harmless: nobody reads it unless the
//! lock is held. A lock file separate from the journal (a `.lock` beside it) was rejected: the
//! journal's own descriptor must be the one locked, so that the bytes a resume verifies are read
//! through the descriptor that holds the lock (LOG-FORMAT: nothing appended is decided from
//! bytes read before the lock).

use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::identity::hostname;
use crate::protocol::exit_codes::FailureKind;
use crate::protocol::time::timestamp;

const HOLDER_FILE: &str = "engine.json";

/// Who holds a run's journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    /// When it took the lock (UTC, RFC 3339).
    pub since: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PID {} on {}, since {}", self.pid, self.host, self.since)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock: the run is alive.
    #[error("{}: the run is in progress ({}); wait for it to end, or stop that process, then resume", run_dir.display(), holder.as_ref().map_or_else(|| "held by another cutover process".to_string(), ToString::to_string))]
    InProgress {
        run_dir: PathBuf,
        holder: Option<Holder>,
    },
    #[error("lock the journal {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl LockError {
    /// What it means to a script: another process runs the run, or its lock could not be
    /// written.
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::InProgress { .. } => FailureKind::Usage,
            Self::Io { .. } => FailureKind::JournalWrite,
        }
    }
}

/// Takes the exclusive lock on an open journal without waiting, then records this process as
/// its holder.
pub(crate) fn lock_exclusive(file: &File, journal_path: &Path) -> Result<(), LockError> {
    let run_dir = journal_path.parent().unwrap_or(Path::new("."));
    // SAFETY: flock on a valid, open file descriptor.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            return Err(LockError::InProgress {
                run_dir: run_dir.to_path_buf(),
                holder: read_holder(run_dir),
            });
        }
        return Err(LockError::Io {
            path: journal_path.to_path_buf(),
            source: err,
        });
    }
    write_holder(run_dir).map_err(|source| LockError::Io {
        path: run_dir.join(HOLDER_FILE),
        source,
    })
}

/// An engine holds this journal now: a shared lock on it cannot be had. (The shared lock, when
/// it can, is let go at once.)
pub(crate) fn engine_holds(journal: &Path) -> bool {
    let Ok(file) = File::open(journal) else {
        return false;
    };
    // SAFETY: flock on a valid, open file descriptor; released when `file` is dropped.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) != 0 }
}

/// The holder last recorded in a run folder, if its file reads.
pub(crate) fn read_holder(run_dir: &Path) -> Option<Holder> {
    let bytes = std::fs::read(run_dir.join(HOLDER_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Replaces `engine.json` whole (written aside, then renamed): a reader never sees half of it.
fn write_holder(run_dir: &Path) -> std::io::Result<()> {
    let holder = Holder {
        pid: std::process::id(),
        host: hostname(),
        since: timestamp(),
    };
    let mut staging = tempfile::NamedTempFile::new_in(run_dir)?;
    staging.write_all(&serde_json::to_vec(&holder).map_err(std::io::Error::other)?)?;
    staging.persist(run_dir.join(HOLDER_FILE))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_journal_names_the_process_that_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.log");
        std::fs::write(&path, b"").unwrap();
        let first = File::open(&path).unwrap();
        lock_exclusive(&first, &path).unwrap();
        let second = File::open(&path).unwrap();
        match lock_exclusive(&second, &path) {
            Err(LockError::InProgress {
                holder: Some(h), ..
            }) => {
                assert_eq!(h.pid, std::process::id());
                assert_eq!(h.host, hostname());
            }
            other => panic!("expected InProgress, got {other:?}"),
        }
        drop(first);
        lock_exclusive(&second, &path).expect("free once the holder closed it");
    }
}
