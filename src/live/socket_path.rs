//! Where a run's socket lives: `engine.sock` in its run folder (0700, so only the run's user
//! reaches it). A Unix socket's path is limited to 107 bytes, and a run folder under a deep log
//! dir can be longer: such a path is reached through the folder's descriptor instead
//! (`/proc/self/fd/N/engine.sock`), which names the same file.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

pub(crate) const SOCKET_NAME: &str = "engine.sock";

/// The longest path `sockaddr_un` holds, its final NUL aside.
const MAX_SOCKET_PATH: usize = 107;

/// A path to bind or connect to, and the folder descriptor it goes through (to keep open
/// until the call is made), if any.
pub(crate) struct SocketPath {
    pub path: PathBuf,
    _folder: Option<OwnedFd>,
}

pub(crate) fn socket_path(run_dir: &Path) -> std::io::Result<SocketPath> {
    let path = run_dir.join(SOCKET_NAME);
    if path.as_os_str().len() <= MAX_SOCKET_PATH {
        return Ok(SocketPath {
            path,
            _folder: None,
        });
    }
    let folder: OwnedFd = std::fs::File::open(run_dir)?.into();
    Ok(SocketPath {
        path: PathBuf::from(format!(
            "/proc/self/fd/{}/{SOCKET_NAME}",
            folder.as_raw_fd()
        )),
        _folder: Some(folder),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deep_run_folder_is_reached_through_its_descriptor() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("d".repeat(120));
        std::fs::create_dir(&deep).unwrap();
        let at = socket_path(&deep).unwrap();
        assert!(
            at.path.starts_with("/proc/self/fd/"),
            "{}",
            at.path.display()
        );
        let listener = std::os::unix::net::UnixListener::bind(&at.path).unwrap();
        assert!(deep.join(SOCKET_NAME).exists());
        let _client = std::os::unix::net::UnixStream::connect(&at.path).unwrap();
        drop(listener);
    }
}
