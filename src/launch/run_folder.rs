//! The folder of one run: `LOG_DIR/<runbook>/<YYYYMMDDTHHMMSSZ>-<8 hex>/` with the exact
//! runbook bytes that ran and `output/`. Private to the operator (0700 folders, 0600 files).

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::journal::entry::IncludeRef;
use crate::protocol::exit_codes::FailureKind;
use crate::runbook::include::IncludedFile;

#[derive(Debug, thiserror::Error)]
pub enum RunFolderError {
    /// The runbook's folder exists but is not private: refused, nothing written.
    #[error("use {} as a run folder location: it {problem}; run folders must be private, so `chmod 700` it (as its owner), or pass another --log-dir", folder.display())]
    NotPrivate { folder: PathBuf, problem: String },
    #[error("create the run folder under {}", log_dir.display())]
    Create {
        log_dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl RunFolderError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::NotPrivate { .. } => FailureKind::Usage,
            Self::Create { .. } => FailureKind::JournalWrite,
        }
    }
}

pub(crate) struct RunFolder {
    pub dir: PathBuf,
    pub run_id: String,
    pub started: String,
}

impl RunFolder {
    /// Creates a new run folder for `runbook_name` under `log_dir`.
    pub(crate) fn create(
        log_dir: &Path,
        runbook_name: &str,
        runbook_bytes: &[u8],
        included: &[IncludedFile],
        trust_root: Option<&[u8]>,
    ) -> Result<Self, RunFolderError> {
        let create_error = |source| RunFolderError::Create {
            log_dir: log_dir.to_path_buf(),
            source,
        };
        let started = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let run_id = format!("{started}-{}", random_hex(4).map_err(create_error)?);
        let parent = log_dir.join(runbook_name);
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&parent)
            .map_err(create_error)?;
        refuse_foreign_or_open(&parent)?;
        let dir = parent.join(&run_id);
        let write = || -> std::io::Result<()> {
            DirBuilder::new().mode(0o700).create(&dir)?;
            DirBuilder::new().mode(0o700).create(dir.join("output"))?;
            let mut copy = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(dir.join("runbook.toml"))?;
            copy.write_all(runbook_bytes)?;
            copy.sync_all()?;
            if !included.is_empty() {
                DirBuilder::new().mode(0o700).create(dir.join("includes"))?;
                for (file, reference) in included.iter().zip(include_refs(included)) {
                    let mut copy = OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(0o600)
                        .open(dir.join(&reference.file))?;
                    copy.write_all(&file.bytes)?;
                    copy.sync_all()?;
                }
                std::fs::File::open(dir.join("includes"))?.sync_all()?;
            }
            // The allowed signers the run is held to, byte for byte: verify uses this copy.
            if let Some(bytes) = trust_root {
                let mut copy = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(dir.join(crate::keys::trust_root::COPY_NAME))?;
                copy.write_all(bytes)?;
                copy.sync_all()?;
            }
            std::fs::File::open(&dir)?.sync_all()
        };
        write().map_err(create_error)?;
        Ok(Self {
            dir,
            run_id,
            started,
        })
    }
}

/// Where the run folder keeps each included file, and its SHA-256, for the header:
/// `includes/<n>-<file name>`, numbered so that two files of one name never meet.
pub(crate) fn include_refs(included: &[IncludedFile]) -> Vec<IncludeRef> {
    use sha2::{Digest, Sha256};
    included
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let name = Path::new(&file.written)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "include.toml".into());
            IncludeRef {
                path: file.written.clone(),
                file: format!("includes/{}-{name}", index + 1),
                sha256: crate::protocol::encoding::hex(&Sha256::digest(&file.bytes)),
            }
        })
        .collect()
}

/// The runbook's folder holds every run of it: another user who can write there could plant a
/// run folder or swap a journal between two checks. A folder that is group- or world-writable,
/// or belongs to someone else, is refused rather than used.
fn refuse_foreign_or_open(folder: &Path) -> Result<(), RunFolderError> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(folder).map_err(|source| RunFolderError::Create {
        log_dir: folder.to_path_buf(),
        source,
    })?;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let problem = if !meta.is_dir() {
        Some("is not a folder".to_string())
    } else if meta.uid() != me {
        Some(format!(
            "belongs to uid {}, not to you (uid {me})",
            meta.uid()
        ))
    } else if meta.mode() & 0o022 != 0 {
        Some(format!(
            "can be written by others (mode {:o})",
            meta.mode() & 0o777
        ))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(RunFolderError::NotPrivate {
            folder: folder.to_path_buf(),
            problem,
        }),
    }
}

fn random_hex(bytes: usize) -> std::io::Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(std::io::Error::other)?;
    Ok(crate::protocol::encoding::hex(&buffer))
}

/// Where run folders go: `--log-dir`, else `$CUTOVER_LOG_DIR`, else
/// `$XDG_STATE_HOME/cutover/runs`, else `~/.local/state/cutover/runs`.
pub(crate) fn default_log_dir(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<PathBuf> {
    if let Some(flag) = flag {
        return Some(flag.to_path_buf());
    }
    if let Some(dir) = env("CUTOVER_LOG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(state) = env("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(state).join("cutover/runs"));
    }
    env("HOME").map(|home| PathBuf::from(home).join(".local/state/cutover/runs"))
}
