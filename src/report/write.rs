//! Where a report goes: a file readable by its owner only, or stdout.

use crate::protocol::exit_codes::FailureKind;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ReportWriteError {
    #[error("write the report to {}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("write the report to standard output")]
    Stdout(#[source] std::io::Error),
}

impl ReportWriteError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::File { .. } => FailureKind::Usage,
            Self::Stdout(_) => FailureKind::Setup,
        }
    }
}

/// Writes `text` to `path`, or to stdout without one. A closed pipe (`| head`) is the reader's
/// choice, not a failure of the report; a full disk is (a report silently lost would lie).
pub(crate) fn write_report(path: Option<&Path>, text: &str) -> Result<(), ReportWriteError> {
    match path {
        Some(path) => {
            write_private(path, text.as_bytes()).map_err(|source| ReportWriteError::File {
                path: path.to_path_buf(),
                source,
            })
        }
        None => crate::stdout::write_stdout(text).map_err(ReportWriteError::Stdout),
    }
}

/// Writes the report readable by its owner only (0600), whatever the umask: it names the
/// operator and the host and quotes the tails of the run's output. An existing file is
/// truncated and narrowed to 0600 too.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}
