//! Who and where: the host, the unix user and the SSH connection a run came from.

pub(crate) fn hostname() -> String {
    nix::unistd::gethostname()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "unknown-host".into())
}

/// The login name of the effective user, from the password database. `nix`'s `User::from_uid`
/// uses the re-entrant `getpwuid_r`: `getpwuid` returns shared static storage, which another
/// thread's call may overwrite while it is read.
pub(crate) fn unix_user() -> String {
    let uid = nix::unistd::Uid::effective();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => format!("uid-{uid}"),
    }
}

pub(crate) fn ssh_connection() -> Option<String> {
    std::env::var("SSH_CONNECTION")
        .ok()
        .filter(|s| !s.is_empty())
}

/// The principal recorded for the operator: `--operator`, else the key's comment, else
/// `user@host`.
pub(crate) fn principal(flag: Option<&str>, key_comment: &str) -> String {
    flag.map(str::to_string)
        .filter(|p| !p.trim().is_empty())
        .or_else(|| Some(key_comment.trim().to_string()).filter(|c| !c.is_empty()))
        .unwrap_or_else(|| format!("{}@{}", unix_user(), hostname()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::time::timestamp;

    #[test]
    fn the_principal_falls_back_from_flag_to_comment_to_user_at_host() {
        assert_eq!(principal(Some("alice"), "bob@laptop"), "alice");
        assert_eq!(principal(None, "bob@laptop"), "bob@laptop");
        assert!(principal(None, "").contains('@'));
        let ts = timestamp();
        assert_eq!(ts.len(), 24, "{ts}");
        assert!(ts.ends_with('Z'));
    }
}
