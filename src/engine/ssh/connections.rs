//! One ssh connection per host for the whole run, reused by every step that runs there
//! (OpenSSH's connection sharing: `ControlMaster`). A fan-out of twenty steps over ten hosts
//! then pays ten handshakes, not two hundred.
//!
//! cutover starts each master itself (`ssh -M -N`, in the foreground, its own process group)
//! rather than letting the first command's ssh fork one (`ControlPersist`): a forked master
//! would be a process the step left behind, and stopped with it. A master is a child of
//! cutover with a scope of its own (`<run>/connection/<host>`), so sweeps pass it by and the
//! run's end, or a resume after a crash, stops it. Its sockets live in a private temporary
//! folder: a socket path must stay under 108 bytes, which a run folder's path need not.
//!
//! A master that cannot connect simply exits; the step's own ssh then connects by itself and
//! fails with OpenSSH's own words (exit 255), which is what the operator needs to read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use tokio::process::Child;

use crate::engine::process::{ProcessGroup, ProcessRequest, ProgramLine};
use crate::engine::spawn::{DeathSignal, ProcessScope, spawn_in_own_group};

/// How long a new connection may take before the step's ssh goes ahead without it.
const CONNECT_WAIT: Duration = Duration::from_secs(30);

pub(crate) struct SshConnections {
    /// Private (0700) folder for the control sockets; removed when the run ends.
    sockets: Option<tempfile::TempDir>,
    masters: Mutex<BTreeMap<String, Master>>,
    next: std::sync::atomic::AtomicUsize,
}

struct Master {
    socket: PathBuf,
    /// `None` when it could not connect: its socket never appears.
    child: Option<Child>,
    group: Option<ProcessGroup>,
}

impl Default for SshConnections {
    fn default() -> Self {
        Self {
            sockets: None,
            masters: Mutex::new(BTreeMap::new()),
            next: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl SshConnections {
    /// The control socket of each of `hosts`, their masters started (all at once, and given
    /// until they are ready) the first time a host is named. A host without a socket (no
    /// private folder could be made) is left out: its ssh connects by itself.
    pub(crate) async fn sockets_for(
        &mut self,
        ssh_command: &[String],
        run_id: &str,
        hosts: &[String],
    ) -> BTreeMap<String, PathBuf> {
        if self.sockets.is_none() {
            self.sockets = tempfile::Builder::new()
                .prefix("cutover-ssh-")
                .tempdir()
                .ok();
        }
        let Some(folder) = self.sockets.as_ref().map(|dir| dir.path().to_path_buf()) else {
            return BTreeMap::new();
        };
        let mut starting = Vec::new();
        for host in hosts {
            if self.lock().contains_key(host) {
                continue;
            }
            let index = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let socket = folder.join(format!("h{index}"));
            let request = ProcessRequest {
                program: ProgramLine::Argv(master_argv(ssh_command, &socket, host)),
                cwd: None,
                env: Vec::new(),
                timeout: None,
                grace: Duration::from_secs(1),
            };
            let scope = ProcessScope::connection(run_id, host);
            let spawned = spawn_in_own_group(&request, &scope, DeathSignal::Term);
            let child = spawned.ok().map(|(mut child, group)| {
                // Nothing reads a master's output: it writes only errors, which the step's
                // own ssh repeats.
                drop(child.stdout.take());
                drop(child.stderr.take());
                (child, group)
            });
            starting.push((host.clone(), socket, child));
        }
        let waits = starting.iter_mut().map(|(_, socket, child)| async move {
            match child {
                Some((child, group)) => {
                    let ready = wait_until_ready(child, socket).await;
                    if !ready {
                        // Too slow, or gone: the step's ssh connects by itself.
                        group.signal(libc::SIGKILL);
                        let _ = child.wait().await;
                    }
                    ready
                }
                None => false,
            }
        });
        let ready = futures_util::future::join_all(waits).await;
        for ((host, socket, child), ready) in starting.into_iter().zip(ready) {
            let (child, group) = match child {
                Some((child, group)) if ready => (Some(child), Some(group)),
                _ => (None, None),
            };
            self.lock().insert(
                host,
                Master {
                    socket,
                    child,
                    group,
                },
            );
        }
        let masters = self.lock();
        hosts
            .iter()
            .filter_map(|host| Some((host.clone(), masters.get(host)?.socket.clone())))
            .collect()
    }

    /// The pids of the masters alive: children of cutover that no step left behind.
    pub(crate) fn pids(&self) -> Vec<i32> {
        self.lock()
            .values()
            .filter(|master| master.child.is_some())
            .filter_map(|master| master.group.map(|group| group.0))
            .collect()
    }

    /// Closes every connection (SIGTERM to each master's group, then waits for it).
    pub(crate) async fn close_all(&mut self) {
        let masters: Vec<Master> = std::mem::take(&mut *self.lock()).into_values().collect();
        for mut master in masters {
            if let (Some(mut child), Some(group)) = (master.child.take(), master.group) {
                group.signal(libc::SIGTERM);
                if tokio::time::timeout(Duration::from_secs(2), child.wait())
                    .await
                    .is_err()
                {
                    group.signal(libc::SIGKILL);
                    let _ = child.wait().await;
                }
            }
        }
        self.sockets = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Master>> {
        self.masters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `ssh … -M -N`: a master that runs no command and lives until it is stopped.
fn master_argv(ssh_command: &[String], socket: &Path, host: &str) -> Vec<String> {
    let mut argv = ssh_command.to_vec();
    argv.extend(
        [
            "-o",
            "BatchMode=yes",
            "-o",
            "ControlMaster=yes",
            "-o",
            "ControlPersist=no",
            "-o",
        ]
        .map(String::from),
    );
    argv.push(format!("ControlPath={}", socket.display()));
    argv.extend(["-N", "--", host].map(String::from));
    argv
}

/// Waits for the master's socket to appear; false when the master exited first (it could not
/// connect) or took longer than [`CONNECT_WAIT`].
async fn wait_until_ready(child: &mut Child, socket: &Path) -> bool {
    let deadline = tokio::time::Instant::now() + CONNECT_WAIT;
    let mut pause = Duration::from_millis(2);
    loop {
        if socket.exists() {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_)) | Err(_)) {
            return false;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}
