//! Who listens on a loopback port: read from the kernel (`/proc/net/tcp`, `/proc/net/tcp6`
//! for the listening socket's inode, `/proc/PID/fd` for the process holding it). A service is
//! ready only when its own process answers: another process answering its URL — a colleague's
//! rehearsal on the same port — is not the service, whatever it says.
//!
//! Written by hand: no crate reads both tables and the descriptors for one question.

use std::collections::BTreeSet;

/// Who holds the listening socket of `port` on a loopback address.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Listener {
    /// A process of the group asked about, or a descendant of one (a server the service
    /// started in a group of its own, so that it can be stopped after a last dump).
    Ours,
    /// Another process: its pid and command line.
    Theirs(i32, String),
    /// Nobody listens there, or it cannot be told (another user's process, a kernel without
    /// these files).
    Unknown,
}

/// Who listens on loopback `port`, against the processes of process group `group`.
pub(crate) fn listener_of(port: u16, group: i32) -> Listener {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return Listener::Unknown;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Listener::Unknown;
    };
    for pid in entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
    {
        if holds_any(pid, &inodes) {
            return if in_or_under_group(pid, group) {
                Listener::Ours
            } else {
                Listener::Theirs(pid, command_line(pid))
            };
        }
    }
    Listener::Unknown
}

/// The inodes of the sockets listening on `port`, IPv4 and IPv6.
fn listening_inodes(port: u16) -> BTreeSet<u64> {
    const LISTEN: &str = "0A";
    let mut inodes = BTreeSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let listening_here = *state == LISTEN
                && local
                    .rsplit_once(':')
                    .and_then(|(_, hex)| u16::from_str_radix(hex, 16).ok())
                    == Some(port);
            if listening_here && let Ok(inode) = inode.parse() {
                inodes.insert(inode);
            }
        }
    }
    inodes
}

fn holds_any(pid: i32, inodes: &BTreeSet<u64>) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| {
            target
                .to_str()
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|inode| inode.parse::<u64>().ok())
                .is_some_and(|inode| inodes.contains(&inode))
        })
    })
}

/// Whether `pid` or one of its ancestors is in process group `group`.
fn in_or_under_group(pid: i32, group: i32) -> bool {
    let mut current = pid;
    // A chain of parents is short; the bound only guards against a table read mid-change.
    for _ in 0..64 {
        let Some((parent, process_group)) = parent_and_group(current) else {
            return false;
        };
        if process_group == group {
            return true;
        }
        if parent <= 1 {
            return false;
        }
        current = parent;
    }
    false
}

/// The parent and process group of `pid`: `/proc/PID/stat`'s fourth and fifth fields, after
/// the command in brackets (which may itself hold spaces and brackets).
fn parent_and_group(pid: i32) -> Option<(i32, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_command = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_command.split_whitespace().skip(1);
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some((parent, group))
}

fn command_line(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| {
            String::from_utf8_lossy(&bytes)
                .replace('\0', " ")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

/// The port of a URL on a loopback address, where the question can be asked.
pub(crate) fn loopback_port(url: &str) -> Option<u16> {
    let parsed = url::Url::parse(url).ok()?;
    let loopback = match parsed.host()? {
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
        url::Host::Domain(name) => name == "localhost",
    };
    loopback.then(|| parsed.port_or_known_default()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_is_ours_only_when_our_group_holds_it() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // SAFETY: getpgrp has no preconditions.
        let own_group = unsafe { libc::getpgrp() };
        assert_eq!(listener_of(port, own_group), Listener::Ours);
        match listener_of(port, own_group + 100_000) {
            Listener::Theirs(pid, _) => assert_eq!(pid, std::process::id() as i32),
            other => panic!("{other:?}"),
        }
        drop(listener);
        assert_eq!(listener_of(port, own_group), Listener::Unknown);
        assert_eq!(loopback_port("http://127.0.0.1:8080/api"), Some(8080));
        assert_eq!(loopback_port("http://localhost/x"), Some(80));
        assert_eq!(loopback_port("https://example.com/x"), None);
    }

    #[test]
    fn a_process_in_a_group_of_its_own_is_ours_when_a_process_of_ours_started_it() {
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        let child_pid = child.id() as i32;
        // SAFETY: getpgrp has no preconditions.
        let own_group = unsafe { libc::getpgrp() };
        assert!(in_or_under_group(child_pid, own_group));
        assert!(in_or_under_group(child_pid, child_pid));
        assert!(!in_or_under_group(std::process::id() as i32, child_pid));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
