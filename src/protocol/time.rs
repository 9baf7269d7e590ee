//! When: the journal's timestamps, UTC, RFC 3339 with milliseconds.

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
