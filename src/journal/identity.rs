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

/// Now, UTC, RFC 3339 with milliseconds: the writer's claim of when an entry was written.
pub(crate) fn timestamp() -> String {
    rfc3339_millis(jiff::Timestamp::now())
}

/// `2026-11-23T10:35:44.123Z`. Written field by field: every journal entry takes one, and
/// interpreting a strftime pattern cost more than the rest of the entry's JSON.
fn rfc3339_millis(instant: jiff::Timestamp) -> String {
    let t = jiff::tz::Offset::UTC.to_datetime(instant);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.subsec_nanosecond() / 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_principal_falls_back_from_flag_to_comment_to_user_at_host() {
        assert_eq!(principal(Some("alice"), "bob@laptop"), "alice");
        assert_eq!(principal(None, "bob@laptop"), "bob@laptop");
        assert!(principal(None, "").contains('@'));
        let ts = timestamp();
        assert_eq!(ts.len(), 24, "{ts}");
        assert!(ts.ends_with('Z'));
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds_truncated() {
        for (seconds, nanos) in [
            (0, 0),
            (951_782_400, 999_999_999), // 2000-02-29, a leap day
            (1_795_430_144, 5_000_000),
            (4_102_444_799, 123_456_789), // 2099-12-31T23:59:59
        ] {
            let instant = jiff::Timestamp::new(seconds, nanos).unwrap();
            assert_eq!(
                rfc3339_millis(instant),
                instant.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            );
        }
        let instant = jiff::Timestamp::new(951_782_400, 999_999_999).unwrap();
        assert_eq!(rfc3339_millis(instant), "2000-02-29T00:00:00.999Z");
    }
}
