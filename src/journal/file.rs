//! The journal file of one session: appends signed, hash-chained lines, one `write` and one
//! `fdatasync` each, and keeps what checkpoints need (the running SHA-256 of every byte so far).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::entry::{Body, CheckpointBody, CheckpointReason, Entry, FORMAT_VERSION, Signing};
use super::line::{ED25519_PREFIX, SSHSIG_PREFIX, format_line, signed_message};
use super::output_sync::OutputSync;
use super::run_lock::{LockError, lock_exclusive};
use crate::journal::proven_person::ProvenPerson;
use crate::keys::operator::OperatorKey;
use crate::keys::person::PersonSigner;
use crate::keys::session::SessionKey;
use crate::protocol::encoding::encode;
use crate::protocol::time::timestamp;

use crate::protocol::encoding::hex;

/// Checkpoints come at least this often (LOG-FORMAT.md).
const CHECKPOINT_EVERY_ENTRIES: u32 = 50;
const CHECKPOINT_EVERY: Duration = Duration::from_secs(300);

/// A journal that cannot be written: the run must stop (exit 5). Messages read after
/// "failed to"; the I/O error that caused each is its source.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("create the journal {}", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("write the journal {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("write the journal {}: only {written} of {wanted} bytes were written (disk full?)", path.display())]
    ShortWrite {
        path: PathBuf,
        written: usize,
        wanted: usize,
    },
    #[error("sign the journal")]
    Sign(#[source] crate::keys::operator::KeyError),
    #[error("sync the output file {path}")]
    SyncOutput {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("draw a session key or id for the journal")]
    Randomness(#[source] std::io::Error),
    #[error("build the journal's header")]
    Header(#[source] std::io::Error),
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// Which key signs an entry being appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum By {
    /// The operator's SSH key (SSHSIG): the person at the controls of this process.
    Operator,
    /// The session key (Ed25519) the header delegated.
    Session,
}

pub(crate) struct JournalFile {
    file: File,
    path: PathBuf,
    /// Syncs output files before the entries that name them.
    pub outputs: OutputSync,
    pub sid: String,
    namespace: &'static str,
    operator: OperatorKey,
    session: SessionKey,
    next_seq: u64,
    /// SHA-256 of the last whole line (the next entry's `prev`).
    prev: String,
    bytes: u64,
    /// SHA-256 over every byte of the file so far.
    prefix: Sha256,
    since_checkpoint: u32,
    last_checkpoint_at: Instant,
    /// The last checkpoint's `upto_bytes:prefix_sha256`: the anchor to paste in a ticket.
    pub last_anchor: Option<String>,
    /// Inside a batch lines are written one `write` each and synced together at its end.
    batching: bool,
    /// Lines written since the last sync.
    unsynced: bool,
    /// The latest decision was a person's: a footer that follows it (the run aborted or rolled
    /// back) is that person's to sign.
    pub(crate) last_decision_by_person: bool,
    /// A terminal run's engine: the person at the controls signs their acts through their own
    /// client; `None` where the operator's key is in this process.
    persons: Option<Box<dyn PersonSigner>>,
    proven: ProvenPerson,
}

/// Where an existing journal stands, as verify found it (for resume).
pub(crate) struct ChainState {
    pub next_seq: u64,
    pub prev: String,
    pub bytes: u64,
    pub prefix: Sha256,
}

impl JournalFile {
    /// Creates `run_dir/journal.log` holding its signed header.
    ///
    /// The file is created as `journal.log.new` (O_CREAT|O_EXCL|O_APPEND, 0600), the header is
    /// written and synced, and only then is the file linked as `journal.log` and the folder
    /// synced: a crash can leave no journal, or a journal with its header, never an empty one
    /// that would read as tampered. Linking fails if `journal.log` exists, like O_EXCL.
    pub(crate) fn create(
        run_dir: &Path,
        sid: String,
        namespace: &'static str,
        operator: OperatorKey,
        session: SessionKey,
        header: super::entry::HeaderBody,
    ) -> Result<Self, JournalError> {
        let path = run_dir.join("journal.log");
        let staging = run_dir.join("journal.log.new");
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .open(&staging)
            .map_err(|source| JournalError::Create {
                path: staging.clone(),
                source,
            })?;
        lock_exclusive(&file, &path)?;
        let state = ChainState {
            next_seq: 0,
            prev: super::entry::ZERO_HASH.into(),
            bytes: 0,
            prefix: Sha256::new(),
        };
        let mut journal = Self::with_state(
            file,
            path.clone(),
            run_dir,
            sid,
            namespace,
            operator,
            session,
            state,
        );
        journal.append(Body::Header(Box::new(header)))?;
        let publish = std::fs::hard_link(&staging, &path)
            .and_then(|()| std::fs::remove_file(&staging))
            .and_then(|()| File::open(run_dir)?.sync_all());
        publish.map_err(|source| JournalError::Create { path, source })?;
        Ok(journal)
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the one constructor behind create and resume; each argument is a part of the journal's state"
    )]
    pub(super) fn with_state(
        file: File,
        path: PathBuf,
        run_dir: &Path,
        sid: String,
        namespace: &'static str,
        operator: OperatorKey,
        session: SessionKey,
        state: ChainState,
    ) -> Self {
        Self {
            file,
            path,
            outputs: OutputSync::new(run_dir),
            sid,
            namespace,
            operator,
            session,
            next_seq: state.next_seq,
            prev: state.prev,
            bytes: state.bytes,
            prefix: state.prefix,
            since_checkpoint: 0,
            last_checkpoint_at: Instant::now(),
            last_anchor: None,
            batching: false,
            unsynced: false,
            last_decision_by_person: false,
            persons: None,
            proven: ProvenPerson::default(),
        }
    }

    /// Starts a group commit: the lines appended until [`Self::end_batch`] are each written
    /// with one `write` and synced with one `fdatasync` at the end. None of them counts as
    /// recorded before that sync has returned.
    pub(crate) fn begin_batch(&mut self) {
        self.batching = true;
    }

    /// Ends a group commit: syncs what was written since it began.
    pub(crate) fn end_batch(&mut self) -> Result<(), JournalError> {
        self.batching = false;
        self.sync()
    }

    fn sync(&mut self) -> Result<(), JournalError> {
        if !self.unsynced {
            return Ok(());
        }
        self.file
            .sync_data()
            .map_err(|source| JournalError::Write {
                path: self.path.clone(),
                source,
            })?;
        self.unsynced = false;
        Ok(())
    }

    pub(crate) fn entries(&self) -> u64 {
        self.next_seq
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes raw bytes that are not an entry (the LF that ends a torn fragment on resume).
    pub(crate) fn write_raw(&mut self, bytes: &[u8]) -> Result<(), JournalError> {
        self.write_synced(bytes)?;
        self.bytes += bytes.len() as u64;
        self.prefix.update(bytes);
        Ok(())
    }

    /// Appends one entry the engine records on its own (signed by the session key; the
    /// header and a resume by the operator); returns once it is on disk. A periodic checkpoint
    /// follows when due.
    pub(crate) fn append(&mut self, body: Body) -> Result<(), JournalError> {
        // A detach is the engine's record (the person may be gone): the person who left signs
        // nothing more.
        if matches!(&body, Body::Attach(change) if change.action == crate::engine::controller_change::SeatAction::Detach)
        {
            self.proven = ProvenPerson::default();
        }
        let by = match body.signing() {
            Signing::Operator => By::Operator,
            Signing::PersonOrSession | Signing::Session => By::Session,
        };
        self.append_by(body, by)
    }

    /// From now on, acts are signed by the person at the controls, through `signer`.
    pub(crate) fn sign_acts_with(&mut self, signer: Box<dyn PersonSigner>) {
        self.persons = Some(signer);
    }

    /// Appends the act of the person at the controls (a confirmation, a decision, a note, an
    /// answer, an attach), signed with that person's key: the operator's, in this process, or
    /// the one of the client holding the controls ([`Self::sign_acts_with`]).
    pub(crate) fn append_act(&mut self, body: Body) -> Result<(), JournalError> {
        debug_assert_eq!(body.signing(), Signing::PersonOrSession);
        self.append_by(body, By::Operator)
    }

    fn append_by(&mut self, body: Body, by: By) -> Result<(), JournalError> {
        let attests = matches!(body, Body::Checkpoint(_) | Body::Footer(_));
        self.append_entry(body, by)?;
        if !attests
            && (self.since_checkpoint >= CHECKPOINT_EVERY_ENTRIES
                || self.last_checkpoint_at.elapsed() >= CHECKPOINT_EVERY)
        {
            self.checkpoint(CheckpointReason::Periodic, By::Session)?;
        }
        Ok(())
    }

    /// What a checkpoint or footer attests about the bytes before it.
    pub(crate) fn attestation(&self) -> (u64, u64, String) {
        (
            self.next_seq.saturating_sub(1),
            self.bytes,
            hex(&self.prefix.clone().finalize()),
        )
    }

    /// A checkpoint: signed by the person whose act it follows (`By::Operator`), or by the
    /// session key when the engine writes it alone (periodic, end of phase, suspend).
    pub(crate) fn checkpoint(
        &mut self,
        reason: CheckpointReason,
        by: By,
    ) -> Result<(), JournalError> {
        let body = CheckpointBody::new(self.attestation(), reason);
        self.append_entry(Body::Checkpoint(body), by)
    }

    fn append_entry(&mut self, body: Body, by: By) -> Result<(), JournalError> {
        let operator_signed = by == By::Operator;
        let attestation = match &body {
            Body::Checkpoint(c) => Some(format!("{}:{}", c.upto_bytes, c.prefix_sha256)),
            Body::Footer(f) => Some(format!("{}:{}", f.upto_bytes, f.prefix_sha256)),
            _ => None,
        };
        let mut entry = Entry {
            v: FORMAT_VERSION,
            sid: self.sid.clone(),
            seq: self.next_seq,
            prev: self.prev.clone(),
            ts: timestamp(),
            body,
        };
        let mut json = entry.to_json();
        let mut message = signed_message(&json);
        let by_person = match &mut self.persons {
            Some(persons)
                if operator_signed && entry.body.signing() == Signing::PersonOrSession =>
            {
                let signed = persons.sign(self.namespace, &message);
                Some(self.proven.accept(&entry.body, signed))
            }
            _ => None,
        };
        // An attach names a person only when that person signed it: one they did not sign
        // is journaled as an unsigned seat's, never in their name.
        if by_person == Some(None)
            && let Body::Attach(change) = &mut entry.body
            && change.person.is_some()
        {
            change.person = None;
            json = entry.to_json();
            message = signed_message(&json);
        }
        let signature = if let Some(by_person) = by_person {
            match by_person {
                Some(blob) => format!("{SSHSIG_PREFIX}{}", encode(&blob)),
                // Nobody at the controls signed it: the engine does, and says so.
                None => format!("{ED25519_PREFIX}{}", encode(&self.session.sign(&message))),
            }
        } else if operator_signed {
            let blob = self
                .operator
                .sign(self.namespace, &message)
                .map_err(JournalError::Sign)?;
            format!("{SSHSIG_PREFIX}{}", encode(&blob))
        } else {
            format!("{ED25519_PREFIX}{}", encode(&self.session.sign(&message)))
        };
        let line = format_line(&json, &signature);
        self.write_synced(&line)?;
        self.prev = hex(&Sha256::digest(&line));
        self.prefix.update(&line);
        self.bytes += line.len() as u64;
        self.next_seq += 1;
        if attestation.is_some() {
            self.since_checkpoint = 0;
            self.last_checkpoint_at = Instant::now();
        } else {
            self.since_checkpoint += 1;
        }
        if attestation.is_some() {
            self.last_anchor = attestation;
        }
        Ok(())
    }

    /// Whether acts are signed through a person's own client, which may take a while to
    /// answer: a batch holding one is recorded off the engine's thread.
    pub(crate) fn signs_for_persons(&self) -> bool {
        self.persons.is_some()
    }

    /// One `write`, then `fdatasync` (at the end of the batch when in one). A short write is an
    /// error, never retried: the bytes that did reach the file are a torn tail that verify
    /// reports and resume accounts for.
    fn write_synced(&mut self, bytes: &[u8]) -> Result<(), JournalError> {
        let written = self
            .file
            .write(bytes)
            .map_err(|source| JournalError::Write {
                path: self.path.clone(),
                source,
            })?;
        if written != bytes.len() {
            return Err(JournalError::ShortWrite {
                path: self.path.clone(),
                written,
                wanted: bytes.len(),
            });
        }
        self.unsynced = true;
        if self.batching {
            return Ok(());
        }
        self.sync()
    }
}
