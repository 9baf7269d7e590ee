//! `--share-with GROUP`: the run's socket, also for a group. The run folder stays 0700 (its
//! journal and outputs are the run's user's alone); a second socket is served in a folder of
//! its own, `LOG_DIR/.shared/RUN_ID/` (mode 0710, group GROUP: its members may reach what is in
//! it by name, not list it), as `engine.sock` (mode 0660, group GROUP). The kernel lets only the
//! run's user and the group's members connect. Who attaches is still said by each person's own
//! key in the journal, never by their unix user; the folder goes with the socket.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::socket_path::SOCKET_NAME;

/// Where a run's shared socket goes, and for which group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SharedSocket {
    pub dir: PathBuf,
    pub group: String,
    pub gid: u32,
}

impl SharedSocket {
    /// `LOG_DIR/.shared/RUN_ID`.
    pub(crate) fn for_run(log_dir: &Path, run_id: &str, group: String, gid: u32) -> Self {
        Self {
            dir: log_dir.join(".shared").join(run_id),
            group,
            gid,
        }
    }

    /// Makes the folder (the `.shared` folder above it passable by all, listable by none) and
    /// returns where to bind; the socket's own mode and group are set once it exists. An
    /// existing `.shared` is used only if it is this user's own folder and nobody else may
    /// write in it: otherwise someone else could plant a socket at the path people are told
    /// to attach to.
    pub(crate) fn prepare(&self) -> std::io::Result<PathBuf> {
        let parent = self.dir.parent().expect("under .shared");
        // Two runs may make it at once: whichever does, both then check it.
        match std::fs::DirBuilder::new().mode(0o711).create(parent) {
            Ok(()) => std::fs::set_permissions(parent, PermissionsExt::from_mode(0o711))?,
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(err),
        }
        refuse_unless_own(parent)?;
        std::fs::DirBuilder::new().mode(0o700).create(&self.dir)?;
        std::os::unix::fs::chown(&self.dir, None, Some(self.gid))?;
        std::fs::set_permissions(&self.dir, PermissionsExt::from_mode(0o710))?;
        Ok(self.dir.join(SOCKET_NAME))
    }

    /// Gives the bound socket to the group.
    pub(crate) fn open_to_group(&self) -> std::io::Result<()> {
        let socket = self.dir.join(SOCKET_NAME);
        std::os::unix::fs::chown(&socket, None, Some(self.gid))?;
        std::fs::set_permissions(&socket, PermissionsExt::from_mode(0o660))
    }

    pub(crate) fn remove(&self) {
        let _ = std::fs::remove_file(self.dir.join(SOCKET_NAME));
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Before a run starts: its log dir's `.shared`, if there is one, is this user's own and
/// nobody else may write in it.
pub(crate) fn check_shared_folder(log_dir: &Path) -> Result<(), SharingError> {
    let folder = log_dir.join(".shared");
    match std::fs::symlink_metadata(&folder) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(SharingError::Unreadable {
            path: folder,
            source,
        }),
        Ok(_) => refuse_unless_own(&folder).map_err(SharingError::NotYours),
    }
}

/// Why a run cannot be opened to a group.
#[derive(Debug, thiserror::Error)]
pub enum SharingError {
    #[error("{}: {source}", path.display())]
    Unreadable {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The shared folder is not this user's alone; the words say which and what to do.
    #[error("{0}")]
    NotYours(#[source] std::io::Error),
    #[error("look up the group: {0}")]
    LookUp(#[source] nix::errno::Errno),
    #[error("there is no such group (`getent group` lists them)")]
    NoSuchGroup,
    #[error(
        "you are not a member of it (`id` lists your groups); only its members and root can open a run to it"
    )]
    NotAMember,
}

/// `folder` is a folder (not a link) of this user's that nobody else may write in.
fn refuse_unless_own(folder: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(folder)?;
    let me = nix::unistd::geteuid().as_raw();
    let problem = if !meta.file_type().is_dir() {
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
        Some(problem) => Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} {problem}: someone else could put a socket where people attach; remove it, or make it yours with mode 0711",
                folder.display()
            ),
        )),
    }
}

/// The gid of `group`, if this user may give a file to it (root, or a member).
pub(crate) fn group_for_sharing(group: &str) -> Result<u32, SharingError> {
    let found = nix::unistd::Group::from_name(group)
        .map_err(SharingError::LookUp)?
        .ok_or(SharingError::NoSuchGroup)?;
    let gid = found.gid;
    let member = nix::unistd::getuid().is_root()
        || nix::unistd::getgid() == gid
        || nix::unistd::getgroups().is_ok_and(|groups| groups.contains(&gid));
    if !member {
        return Err(SharingError::NotAMember);
    }
    Ok(gid.as_raw())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn the_shared_folder_is_passable_by_the_group_only_and_goes_with_the_socket() {
        let dir = tempfile::tempdir().unwrap();
        let gid = nix::unistd::getgid().as_raw();
        let shared = SharedSocket::for_run(dir.path(), "run-1", "g".into(), gid);
        let path = shared.prepare().unwrap();
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        shared.open_to_group().unwrap();
        let folder = std::fs::metadata(&shared.dir).unwrap();
        assert_eq!(folder.mode() & 0o777, 0o710);
        assert_eq!(folder.gid(), gid);
        let socket = std::fs::metadata(&path).unwrap();
        assert_eq!(socket.mode() & 0o777, 0o660);
        assert_eq!(
            std::fs::metadata(dir.path().join(".shared"))
                .unwrap()
                .mode()
                & 0o777,
            0o711
        );
        drop(listener);
        shared.remove();
        assert!(!shared.dir.exists());
    }

    #[test]
    fn a_shared_folder_others_may_write_in_is_refused_and_racing_runs_both_serve() {
        let dir = tempfile::tempdir().unwrap();
        let gid = nix::unistd::getgid().as_raw();
        std::fs::create_dir(dir.path().join(".shared")).unwrap();
        std::fs::set_permissions(dir.path().join(".shared"), PermissionsExt::from_mode(0o777))
            .unwrap();
        let shared = SharedSocket::for_run(dir.path(), "run-1", "g".into(), gid);
        let refused = shared.prepare().unwrap_err();
        assert!(
            refused.to_string().contains("can be written by others"),
            "{refused}"
        );
        assert!(!shared.dir.exists(), "nothing was made under it");
        // Many runs at once, and no .shared yet: every one gets its folder.
        let dir = tempfile::tempdir().unwrap();
        let made: Vec<bool> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..40)
                .map(|n| {
                    let log_dir = dir.path().to_path_buf();
                    scope.spawn(move || {
                        SharedSocket::for_run(&log_dir, &format!("run-{n}"), "g".into(), gid)
                            .prepare()
                            .is_ok()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(made.iter().all(|ok| *ok), "{made:?}");
        // Another user's .shared, however its mode.
        if nix::unistd::geteuid().is_root() {
            let dir = tempfile::tempdir().unwrap();
            let foreign = dir.path().join(".shared");
            std::fs::create_dir(&foreign).unwrap();
            std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).unwrap();
            std::fs::set_permissions(&foreign, PermissionsExt::from_mode(0o711)).unwrap();
            let refused = check_shared_folder(dir.path()).unwrap_err();
            assert!(matches!(refused, SharingError::NotYours(_)));
            assert!(
                refused.to_string().contains("belongs to uid 65534"),
                "{refused}"
            );
        }
    }

    #[test]
    fn an_unknown_group_is_refused_in_words() {
        let refused = group_for_sharing("no-such-group-for-cutover").unwrap_err();
        assert!(matches!(refused, SharingError::NoSuchGroup), "{refused}");
    }
}
