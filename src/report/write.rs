//! Where a report goes: a file readable by its owner only, or stdout.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("write the report to {}", path.display())]
pub struct ReportWriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Writes `text` to `path`, or to stdout without one. A closed pipe (`| head`) is the reader's
/// choice, not a failure of the report.
pub(crate) fn write_report(path: Option<&Path>, text: &str) -> Result<(), ReportWriteError> {
    match path {
        Some(path) => write_private(path, text.as_bytes()).map_err(|source| ReportWriteError {
            path: path.to_path_buf(),
            source,
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
            Ok(())
        }
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
