//! The release lock: one unfinished production run of a release at a time on a log dir. A
//! runbook names its lock (`[runbook] lock`, default its name); the lock is a file under
//! `LOG_DIR/.locks/` that names the run holding it. A run that ended (its journal has a footer)
//! holds nothing; one that is suspended or was interrupted still does — it is continued with
//! `cutover resume`, not started again beside itself. Drills and dry runs take no lock: a
//! rehearsal never blocks a release, nor another rehearsal.
//!
//! Deciding and recording happen under an `flock` on the lock file, held from the check until
//! the new run is written in it, so two operators starting the same release at once cannot
//! both pass. Whether the holder's engine is alive is asked of its journal's own lock
//! (`journal/run_lock.rs`): a shared lock that cannot be had means an engine holds it.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::journal::entry::{Body, BrokenLock, Entry};
use crate::journal::identity::hostname;
use crate::journal::run_lock::engine_holds;
use crate::protocol::time::timestamp;

/// Who holds a release lock, as its file says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    pub run_id: String,
    pub run_dir: PathBuf,
    pub operator: String,
    pub pid: u32,
    pub host: String,
    pub since: String,
}

/// What the holding run is doing now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolderState {
    /// Its engine holds its journal.
    Live,
    /// No engine, no footer: it waits for `cutover resume`.
    Unfinished,
}

impl std::fmt::Display for HolderState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Live => "running",
            Self::Unfinished => "unfinished (suspended or interrupted; its engine is gone)",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReleaseLockError {
    #[error(
        "start the run: release lock `{name}` is held by run {} ({state}; operator {}, PID {} on {}, since {}); {}",
        holder.run_id, holder.operator, holder.pid, holder.host, holder.since,
        match state {
            HolderState::Live => format!("watch it with `cutover attach {} --watch` (or take its controls without --watch), or wait for it to end; --break-lock only takes a lock whose engine is gone", holder.run_dir.display()),
            HolderState::Unfinished => format!("continue it with `cutover resume {}`, or take the lock with --break-lock REASON", holder.run_dir.display()),
        }
    )]
    Held {
        name: String,
        holder: Box<LockHolder>,
        state: HolderState,
    },
    #[error("take the release lock {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The lock file, locked, with what it said: recorded into when the new run exists.
pub(crate) struct ReleaseLock {
    file: File,
    path: PathBuf,
    /// The unfinished run whose lock `--break-lock` took.
    pub broken: Option<BrokenLock>,
}

/// Takes release lock `name` under `log_dir`, or says who holds it. `break_reason`: take it
/// from an unfinished run whose engine is gone (never from a live one).
pub(crate) fn acquire(
    log_dir: &Path,
    name: &str,
    break_reason: Option<&str>,
) -> Result<ReleaseLock, ReleaseLockError> {
    let folder = log_dir.join(".locks");
    let path = folder.join(format!("{name}.lock"));
    let io = |source| ReleaseLockError::Io {
        path: path.clone(),
        source,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&folder)
        .map_err(io)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(io)?;
    // SAFETY: flock on a valid, open file descriptor; held until the lock file is written.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(io(std::io::Error::last_os_error()));
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(io)?;
    let mut broken = None;
    if let Ok(holder) = serde_json::from_str::<LockHolder>(&text)
        && let Some(state) = holder_state(&holder.run_dir)
    {
        match (state, break_reason) {
            (HolderState::Unfinished, Some(reason)) => {
                broken = Some(BrokenLock {
                    run_id: holder.run_id.clone(),
                    reason: reason.to_string(),
                });
            }
            _ => {
                return Err(ReleaseLockError::Held {
                    name: name.to_string(),
                    holder: Box::new(holder),
                    state,
                });
            }
        }
    }
    Ok(ReleaseLock { file, path, broken })
}

/// Whether release lock `name` could be taken now: said before anything is asked of the
/// operator, so that nobody types every variable and `production` to be refused. The lock is
/// taken for real (and checked again) when the run starts.
pub(crate) fn check_free(
    log_dir: &Path,
    name: &str,
    break_reason: Option<&str>,
) -> Result<(), ReleaseLockError> {
    acquire(log_dir, name, break_reason).map(drop)
}

impl ReleaseLock {
    /// Names the new run as the holder; the lock file's `flock` is released when this ends.
    pub(crate) fn record(
        mut self,
        run_id: &str,
        run_dir: &Path,
        operator: &str,
    ) -> Result<(), ReleaseLockError> {
        let holder = LockHolder {
            run_id: run_id.to_string(),
            run_dir: run_dir.to_path_buf(),
            operator: operator.to_string(),
            pid: std::process::id(),
            host: hostname(),
            since: timestamp(),
        };
        let io = |source| ReleaseLockError::Io {
            path: self.path.clone(),
            source,
        };
        let bytes = serde_json::to_vec(&holder).map_err(|e| io(std::io::Error::other(e)))?;
        self.file.set_len(0).map_err(io)?;
        self.file.rewind().map_err(io)?;
        self.file.write_all(&bytes).map_err(io)?;
        self.file.sync_all().map_err(io)
    }
}

/// What the run in `run_dir` is doing, for its lock: `None` when it ended (its journal ends
/// with a footer) or is not there any more.
fn holder_state(run_dir: &Path) -> Option<HolderState> {
    let journal = run_dir.join("journal.log");
    if engine_holds(&journal) {
        return Some(HolderState::Live);
    }
    let text = std::fs::read_to_string(&journal).ok()?;
    let ended = text
        .lines()
        .last()
        .and_then(|line| line.split('\t').next())
        .and_then(|json| Entry::parse(json).ok())
        .is_some_and(|entry| matches!(entry.body, Body::Footer(_)));
    (!ended).then_some(HolderState::Unfinished)
}
