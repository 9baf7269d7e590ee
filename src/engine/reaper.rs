//! Finding and stopping processes that left their step: escaped the process group (`setsid`,
//! `setpgid(0, 0)`, a daemon's double fork) while cutover ran, or survived cutover itself.
//!
//! cutover makes itself a child subreaper (`PR_SET_CHILD_SUBREAPER`) at start, so a process
//! whose parent dies is re-parented to cutover rather than to init. When a step ends, cutover's
//! children are listed (`/proc/self/task/*/children`, a few small reads); only when one is
//! neither a service nor the step just reaped — something was left behind — is the whole of
//! `/proc` read to find every process carrying the step's scope (`engine/spawn.rs`) and their
//! descendants. The common step pays for the short list only.
//!
//! Why /proc and not cgroups: a cgroup per step would catch everything, but needs a delegated
//! cgroup tree that an operator's SSH session does not have.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::spawn::{ProcessScope, SCOPE_VAR};
use super::terminate::{Stoppable, terminate_with_grace};

/// A process that cutover stopped because it outlived its step, its service or its run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoppedProcess {
    pub pid: i32,
    /// Its command line, as `/proc/PID/cmdline` gave it (arguments joined by spaces).
    pub command: String,
    /// It ignored SIGTERM for the grace period and was killed.
    pub killed: bool,
}

impl std::fmt::Display for StoppedProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PID {} `{}`{}",
            self.pid,
            self.command,
            if self.killed { " (SIGKILL)" } else { "" }
        )
    }
}

/// Lists processes for a sentence: "PID 12 `sleep 9`, PID 13 `sh -c …`".
pub(crate) fn stopped_list(stopped: &[StoppedProcess]) -> String {
    stopped
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Orphans are re-parented to this process instead of init, for as long as it lives.
pub(crate) fn become_subreaper() {
    // SAFETY: prctl with integer arguments only.
    let done = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == 0;
    SUBREAPER.store(done, std::sync::atomic::Ordering::Relaxed);
}

/// This process's children, from every thread's `children` list.
pub(crate) fn own_children() -> BTreeSet<i32> {
    let mut children = BTreeSet::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return children;
    };
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            children.extend(
                text.split_whitespace()
                    .filter_map(|pid| pid.parse::<i32>().ok()),
            );
        }
    }
    children
}

/// One process as /proc shows it.
struct ProcInfo {
    ppid: i32,
    zombie: bool,
}

fn proc_info(pid: i32) -> Option<ProcInfo> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold anything: read after the last `)`.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some(ProcInfo {
        ppid,
        zombie: state == "Z" || state == "X",
    })
}

/// The scope mark in a process's environment, if it has one and can be read.
pub(crate) fn scope_of(pid: i32) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let prefix = format!("{SCOPE_VAR}=");
    environ
        .split(|&b| b == 0)
        .find_map(|entry| entry.strip_prefix(prefix.as_bytes()))
        .map(|value| String::from_utf8_lossy(value).into_owned())
}

fn command_line(pid: i32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let text = String::from_utf8_lossy(&cmdline)
        .trim_end_matches('\0')
        .replace('\0', " ");
    let text =
        crate::terminal_text::plain(&super::display::display_line(text.as_bytes())).into_owned();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

fn all_pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Every live process whose scope `matches`, with all of their descendants (a descendant that
/// cleared its environment is still found through its parent). Never this process.
#[cfg(test)]
fn processes_in_scope(matches: &dyn Fn(&str) -> bool) -> Vec<i32> {
    with_descendants(&ProcessTable::read(matches), Vec::new())
        .into_iter()
        .collect()
}

/// One read of /proc: who is whose child, and which processes carry a matching scope.
struct ProcessTable {
    children: BTreeMap<i32, Vec<i32>>,
    in_scope: Vec<i32>,
}

impl ProcessTable {
    fn read(matches: &dyn Fn(&str) -> bool) -> Self {
        let me = std::process::id() as i32;
        let mut table = Self {
            children: BTreeMap::new(),
            in_scope: Vec::new(),
        };
        for pid in all_pids() {
            if pid == me {
                continue;
            }
            let Some(info) = proc_info(pid).filter(|info| !info.zombie) else {
                continue;
            };
            table.children.entry(info.ppid).or_default().push(pid);
            if scope_of(pid).is_some_and(|scope| matches(&scope)) {
                table.in_scope.push(pid);
            }
        }
        table
    }
}

/// The processes in scope and `roots`, with every descendant of each, by parent links.
fn with_descendants(table: &ProcessTable, roots: Vec<i32>) -> BTreeSet<i32> {
    let mut stack: Vec<i32> = table.in_scope.iter().copied().chain(roots).collect();
    let mut found = BTreeSet::new();
    while let Some(pid) = stack.pop() {
        if found.insert(pid) {
            stack.extend(table.children.get(&pid).into_iter().flatten().copied());
        }
    }
    found
}

static SUBREAPER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What a step, a service or a run left behind: processes carrying its scope and their
/// descendants, and — when this process is a subreaper, so that an orphan can only be one of
/// ours — children re-parented here that are not `known` (the services' leaders) and not marked
/// as a service's. Exited orphans are reaped on the way. The whole of /proc is read only when
/// such a child exists, or when `always_scan` (the end of a run, a resume).
pub(crate) fn left_behind(
    scope_matches: &dyn Fn(&str) -> bool,
    known: &BTreeSet<i32>,
    always_scan: bool,
) -> Vec<i32> {
    // Only cutover itself sweeps: in a process that runs engines side by side (the test
    // suites), another engine's children are not orphans, and reaping one would steal its exit
    // status from the runtime that waits for it.
    if !is_subreaper() {
        return Vec::new();
    }
    let orphans: Vec<i32> = own_children()
        .into_iter()
        .filter(|pid| !known.contains(pid))
        .filter(|&pid| !reap_if_exited(pid))
        .filter(|&pid| scope_of(pid).is_none_or(|scope| !ProcessScope::outlives_steps(&scope)))
        .collect();
    if orphans.is_empty() && !always_scan {
        return Vec::new();
    }
    // One read of /proc for the scope and the orphans' descendants alike.
    let mut found = with_descendants(&ProcessTable::read(scope_matches), orphans);
    found.retain(|pid| !known.contains(pid));
    found.into_iter().collect()
}

fn is_subreaper() -> bool {
    SUBREAPER.load(std::sync::atomic::Ordering::Relaxed)
}

/// Reaps `pid` if it is an exited child of this process (only orphans re-parented to this
/// subreaper are ever asked about); true if it is gone.
fn reap_if_exited(pid: i32) -> bool {
    if !is_subreaper() {
        return false;
    }
    let mut status = 0;
    // SAFETY: waitpid on one pid with WNOHANG; `status` is a valid out-pointer.
    let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    reaped == pid
}

fn is_gone(pid: i32) -> bool {
    reap_if_exited(pid) || proc_info(pid).is_none_or(|info| info.zombie)
}

/// Stops `pids` with [`terminate_with_grace`]: SIGTERM to each (and to its process group when
/// it leads one), then SIGKILL to whatever is left after `grace`. Returns what was stopped,
/// for the journal.
pub(crate) async fn stop_processes(pids: &[i32], grace: Duration) -> Vec<StoppedProcess> {
    let mut strays = Strays(
        pids.iter()
            .map(|&pid| StoppedProcess {
                pid,
                command: command_line(pid),
                killed: false,
            })
            .collect(),
    );
    let kill_at = tokio::time::Instant::now() + grace;
    terminate_with_grace(&mut strays, kill_at, std::future::pending()).await;
    strays.0
}

/// Processes found left behind, each marked when it needed SIGKILL.
struct Strays(Vec<StoppedProcess>);

impl Stoppable for Strays {
    fn signal(&mut self, sig: libc::c_int) {
        for process in self.0.iter_mut().filter(|p| !is_gone(p.pid)) {
            signal(process.pid, sig);
            process.killed |= sig == libc::SIGKILL;
        }
    }

    fn alive(&mut self) -> bool {
        self.0.iter().any(|p| !is_gone(p.pid))
    }
}

fn signal(pid: i32, signal: libc::c_int) {
    // SAFETY: kill(2) with integer arguments only. A pid that leads its own group gets the
    // signal for the whole group too, so its members that escaped the /proc walk go with it.
    unsafe {
        if libc::getpgid(pid) == pid {
            libc::kill(-pid, signal);
        }
        libc::kill(pid, signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_read_from_the_environment_of_a_process_and_its_descendants_are_found() {
        let marker = format!("reaper-test-{}", std::process::id());
        let mut child = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg("env -i sleep 30 & sleep 30")
            .env(SCOPE_VAR, &marker)
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let found = loop {
            let found = processes_in_scope(&|scope| scope == marker);
            if found.len() == 3 || std::time::Instant::now() > deadline {
                break found;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(scope_of(pid).as_deref(), Some(marker.as_str()));
        assert_eq!(
            found.len(),
            3,
            "the shell, its sleep, and the sleep without environment"
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let stopped = runtime.block_on(stop_processes(&found, Duration::from_secs(2)));
        let _ = child.wait();
        assert!(
            stopped.iter().all(|p| !p.killed),
            "SIGTERM was enough: {stopped:?}"
        );
        assert!(processes_in_scope(&|scope| scope == marker).is_empty());
    }
}
