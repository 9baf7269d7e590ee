//! The two ways a journal is opened for writing, each owning what it needs: `start` draws the
//! session id and key, builds the signed header and creates the file; `resume` takes a journal
//! locked before a byte of it was read, continues its chain from those bytes, ends a torn
//! fragment and appends the operator-signed resume entry that delegates a new session key.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::entry::{Body, ResumeBody, TornFragment, namespace_for};
use super::file::{ChainState, JournalError, JournalFile};
use super::header::{RunFacts, build_header};
use super::run_lock::{LockError, lock_exclusive};
use super::verify::report::Verification;
use crate::keys::operator::OperatorKey;
use crate::keys::random::random_bytes;
use crate::keys::session::SessionKey;
use crate::protocol::encoding::hex;
use crate::protocol::exit_codes::FailureKind;
use crate::protocol::mode::Mode;

/// An existing journal, opened for appending and locked before a byte of it was read, with
/// every byte it held then. Nothing a resume appends is decided from bytes read before the lock:
/// two resumes started together, or a resume racing the process that is finishing the run, see
/// one another's entries or are refused (LOG-FORMAT.md, "One writer").
pub(crate) struct LockedJournal {
    file: File,
    path: PathBuf,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReopenError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("read the journal {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ReopenError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Lock(err) => err.kind(),
            Self::Read { .. } => FailureKind::Usage,
        }
    }

    /// Another process runs the run: said as it is, not as a failure to do something.
    pub fn is_in_progress(&self) -> bool {
        matches!(self, Self::Lock(LockError::InProgress { .. }))
    }
}

impl LockedJournal {
    pub(crate) fn open(run_dir: &Path) -> Result<Self, ReopenError> {
        let path = run_dir.join("journal.log");
        let read_error = |source| ReopenError::Read {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(read_error)?;
        lock_exclusive(&file, &path)?;
        let mut bytes = Vec::new();
        // Reads from offset 0 through the locked descriptor (O_APPEND moves only writes).
        (&file).read_to_end(&mut bytes).map_err(read_error)?;
        Ok(Self { file, path, bytes })
    }
}

impl JournalFile {
    /// Creates the journal of a new run, its header signed by `operator`.
    pub(crate) fn start(
        run_dir: &Path,
        run: &RunFacts<'_>,
        operator: OperatorKey,
    ) -> Result<Self, JournalError> {
        let sid = hex(&random_bytes::<16>().map_err(JournalError::Randomness)?);
        let session = SessionKey::generate().map_err(JournalError::Randomness)?;
        let header =
            build_header(run, &operator, session.public_base64()).map_err(JournalError::Header)?;
        Self::create(
            run_dir,
            sid,
            namespace_for(run.mode),
            operator,
            session,
            header,
        )
    }

    /// Continues a verified journal after its last whole line: a torn fragment is ended with
    /// LF and accounted for in the resume entry, which is appended and signed by `operator`.
    /// `verification` must come from `locked.bytes`.
    pub(crate) fn resume(
        locked: LockedJournal,
        verification: &Verification,
        mode: Mode,
        operator: OperatorKey,
        mut body: ResumeBody,
    ) -> Result<Self, JournalError> {
        let session = SessionKey::generate().map_err(JournalError::Randomness)?;
        body.session_key = session.public_base64();
        let state = ChainState {
            next_seq: verification.chain.next_seq,
            prev: verification.chain.prev.clone(),
            bytes: locked.bytes.len() as u64,
            prefix: Sha256::new_with_prefix(&locked.bytes),
        };
        let run_dir = locked
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let sid = verification
            .entries
            .first()
            .map(|first| first.entry.sid.clone())
            .unwrap_or_default();
        let mut journal = Self::with_state(
            locked.file,
            locked.path,
            &run_dir,
            sid,
            namespace_for(mode),
            operator,
            session,
            state,
        );
        if let Some((offset, fragment)) = &verification.torn_tail {
            journal.write_raw(b"\n")?;
            body.torn = Some(TornFragment {
                offset: *offset,
                length: fragment.len() as u64,
                sha256: hex(&Sha256::digest(fragment)),
            });
        }
        journal.append(Body::Resume(body))?;
        Ok(journal)
    }
}
