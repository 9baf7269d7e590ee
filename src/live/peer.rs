//! Who is at the other end of a run's socket, as the kernel says it (`SO_PEERCRED`: the
//! connecting process's uid and pid), never as the client says it: the user is the uid's name,
//! the host is this one (a Unix socket is local), and the terminal and SSH connection are read
//! from that process's own `/proc` entries where this user may read them — left out otherwise,
//! rather than taken on the client's word.

use crate::engine::controller_change::Seat;

/// The seat of the process at the other end of `stream`.
pub(crate) fn peer_seat(stream: &tokio::net::UnixStream) -> std::io::Result<Seat> {
    let credentials = stream.peer_cred()?;
    let uid = credentials.uid();
    let pid = credentials.pid().and_then(|pid| u32::try_from(pid).ok());
    Ok(seat_of(uid, pid))
}

pub(crate) fn seat_of(uid: u32, pid: Option<u32>) -> Seat {
    let user = match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(user)) => user.name,
        _ => format!("uid-{uid}"),
    };
    Seat {
        user,
        host: crate::journal::identity::hostname(),
        tty: pid.and_then(terminal_of),
        ssh_connection: pid.and_then(ssh_connection_of),
        uid: Some(uid),
        pid,
    }
}

/// The terminal on the process's standard input (`/dev/pts/3`), if it has one.
fn terminal_of(pid: u32) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/fd/0"))
        .ok()
        .map(|path| path.display().to_string())
        .filter(|path| path.starts_with("/dev/pts/") || path.starts_with("/dev/tty"))
}

/// `SSH_CONNECTION` from the process's environment, when this user may read it.
fn ssh_connection_of(pid: u32) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    environ
        .split(|&b| b == 0)
        .find_map(|pair| pair.strip_prefix(b"SSH_CONNECTION="))
        .map(|value| String::from_utf8_lossy(value).into_owned())
        .filter(|value| !value.is_empty() && value.len() < 256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_seat_is_the_kernels_word_for_who_connected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let _client = tokio::net::UnixStream::connect(&path).await.unwrap();
        let (server_end, _) = listener.accept().await.unwrap();
        let seat = peer_seat(&server_end).unwrap();
        assert_eq!(seat.uid, Some(nix::unistd::getuid().as_raw()));
        assert_eq!(seat.pid, Some(std::process::id()));
        assert_eq!(seat.user, crate::journal::identity::unix_user());
        assert_eq!(seat.host, crate::journal::identity::hostname());
    }
}
