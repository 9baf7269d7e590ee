//! One ssh connection per host for the whole run, reused by every step that runs there
//! (OpenSSH's connection sharing). A fan-out of twenty steps over ten hosts then pays ten
//! handshakes, not two hundred.
//!
//! The first ssh to a host becomes its master (`ControlMaster=auto`) and, when its command
//! ends, leaves the connection open in the background (`ControlPersist`): the first step pays
//! exactly the handshake a plain `ssh host command` pays, and later steps none. The master
//! detaches into a session of its own, so it outlives the step's process group. It cannot be
//! known by its scope mark: OpenSSH rewrites its process title over its environment. It is
//! known by its title instead, which names its control socket, in this run's private folder:
//! sweeps after a step pass it by, and the run's end closes every one. `ControlPersist` is
//! bounded, so a master outlives a crashed cutover by minutes at most.
//! The sockets live in a private temporary folder: a socket path must stay under 108 bytes,
//! which a run folder's path need not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use crate::engine::reaper::{own_children, stop_processes};

/// How long a login opened ahead may take before its wave goes without it.
const OPEN_WAIT: Duration = Duration::from_secs(30);

/// How long a connection stays open with no step using it.
pub(crate) const PERSIST: &str = "15m";

#[derive(Default)]
pub(crate) struct SshConnections {
    /// The run's id: a master carries the run's connection scope, so that a resume after the
    /// engine died finds and stops it (`engine/spawn.rs`).
    run_id: String,
    /// Private (0700) folder for the control sockets; removed when the run ends.
    sockets: Option<tempfile::TempDir>,
    paths: BTreeMap<String, PathBuf>,
    /// Logins opened ahead and not yet done, by host.
    opening: BTreeMap<String, tokio::process::Child>,
}

impl SshConnections {
    pub(crate) fn for_run(run_id: &str) -> Self {
        Self {
            run_id: run_id.to_string(),
            ..Self::default()
        }
    }

    /// The control socket for `host`; `None` when no private folder can be made (every ssh
    /// then connects by itself).
    pub(crate) fn socket_for(&mut self, host: &str) -> Option<PathBuf> {
        if self.sockets.is_none() {
            // 0700 from the start: the control sockets let whoever reaches them run commands
            // on the hosts as the operator.
            // Named after the run: a resume after the engine died finds its masters by it
            // (OpenSSH rewrites a master's title over its environment, scope mark included).
            self.sockets = tempfile::Builder::new()
                .prefix(&folder_prefix(&self.run_id))
                .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
                .tempdir()
                .ok();
        }
        let folder = self.sockets.as_ref()?.path().to_path_buf();
        let next = self.paths.len();
        Some(
            self.paths
                .entry(host.to_string())
                .or_insert_with(|| folder.join(format!("h{next}")))
                .clone(),
        )
    }

    /// Opens the connections of `hosts` in the background (`ssh -N`, which leaves the master
    /// and returns): a wave's host that ended frees its place for the next wave's login, so
    /// that the next wave finds its connections open when it starts, while nothing runs on
    /// its hosts before the wave is judged. A connection that cannot be opened is left to
    /// the step's own ssh, which fails with OpenSSH's words.
    pub(crate) fn open_ahead(&mut self, ssh_command: &[String], hosts: &[String]) {
        for host in hosts {
            let Some(socket) = self.socket_for(host) else {
                return;
            };
            if socket.exists() {
                continue;
            }
            let mut argv = ssh_command.iter();
            let Some(program) = argv.next() else {
                return;
            };
            let mut command = tokio::process::Command::new(program);
            command
                .args(argv)
                .args(["-o", "BatchMode=yes", "-o", "ControlMaster=auto", "-o"])
                .arg(format!("ControlPersist={PERSIST}"))
                .arg("-o")
                .arg(format!("ControlPath={}", socket.display()))
                .args(["-N", "--", host])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .env(
                    crate::engine::spawn::SCOPE_VAR,
                    crate::engine::spawn::ProcessScope::connection(&self.run_id, host).as_str(),
                )
                .process_group(0);
            // It ends by itself once the master is up (or cannot be); the wave that needs the
            // host waits for that first (`opened`).
            if let Ok(child) = command.spawn() {
                self.opening.insert(host.clone(), child);
            }
        }
    }

    /// Waits for the logins opened ahead for `hosts` to be done, so that their steps use those
    /// connections rather than racing them with logins of their own. One that takes longer
    /// than a login may is stopped; its host's ssh then connects by itself.
    pub(crate) async fn opened(&mut self, hosts: &[String]) {
        let mut waiting: Vec<tokio::process::Child> = hosts
            .iter()
            .filter_map(|host| self.opening.remove(host))
            .collect();
        let waits = waiting.iter_mut().map(|child| async move {
            if tokio::time::timeout(OPEN_WAIT, child.wait()).await.is_err() {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        });
        futures_util::future::join_all(waits).await;
    }

    /// The masters among cutover's children (they were re-parented here when the ssh that
    /// started them ended): not strays.
    pub(crate) fn master_pids(&self) -> BTreeSet<i32> {
        match &self.sockets {
            None => BTreeSet::new(),
            Some(folder) => with_socket_in(own_children(), folder.path()),
        }
    }

    /// Closes every connection of the run: its masters get SIGTERM (SIGKILL after `grace`).
    pub(crate) async fn close_all(&mut self, grace: Duration) {
        let Some(folder) = self.sockets.take() else {
            return;
        };
        let everyone = std::fs::read_dir("/proc")
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.file_name().to_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        let masters: Vec<i32> = with_socket_in(everyone, folder.path())
            .into_iter()
            .collect();
        for (_, mut child) in std::mem::take(&mut self.opening) {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
        stop_processes(&masters, grace).await;
        self.paths.clear();
    }
}

/// The processes among `pids` whose command line names a socket in `folder`: ssh masters,
/// whose title reads `ssh: FOLDER/h3 [mux]`.
fn with_socket_in(pids: BTreeSet<i32>, folder: &std::path::Path) -> BTreeSet<i32> {
    let needle = format!("{}/", folder.display());
    pids.into_iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(&needle))
        })
        .collect()
}

/// How a run's control-socket folder is named: `cutover-ssh-RUN_ID-` and random characters.
fn folder_prefix(run_id: &str) -> String {
    format!("cutover-ssh-{run_id}-")
}

/// The ssh masters of `run_id` still alive (an engine killed outright leaves them for up to
/// their `ControlPersist`): every process whose command line names the run's socket folder.
pub(crate) fn masters_of_run(run_id: &str) -> Vec<i32> {
    let needle = format!("/{}", folder_prefix(run_id));
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(&needle))
        })
        .collect()
}

/// The control-socket folders of masters a dead engine left (`stopped`: what a resume stopped),
/// removed: the folder of a run that can no longer use it.
pub(crate) fn remove_left_folders(stopped: &[crate::engine::reaper::StoppedProcess]) {
    let temp = std::env::temp_dir();
    for process in stopped {
        // A master names its socket as `-o ControlPath=PATH` when started, or in the title
        // OpenSSH gives it (`ssh: PATH [mux]`).
        let Some(path) = process.command.split_whitespace().find_map(|word| {
            let path = word.strip_prefix("ControlPath=").unwrap_or(word);
            path.contains("/cutover-ssh-").then_some(path)
        }) else {
            continue;
        };
        let Some(folder) = std::path::Path::new(path).parent() else {
            continue;
        };
        let ours = folder.parent() == Some(temp.as_path())
            && folder
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("cutover-ssh-"));
        if ours {
            let _ = std::fs::remove_dir_all(folder);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_control_sockets_folder_is_private_from_the_start() {
        let mut connections = SshConnections::default();
        let socket = connections.socket_for("db-1").expect("a folder");
        let folder = socket.parent().unwrap();
        let mode = std::fs::metadata(folder).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", folder.display());
    }
}
