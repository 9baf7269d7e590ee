//! Durations as runbooks write them: `200ms`, `90s`, `2m`, `1h30m`, `1h30m15s`.
//!
//! Deliberately strict — units in decreasing order, each at most once, no spaces — so that a
//! typo such as `5 m` or `1m1h` is an error at `check` time rather than a surprise at 2 a.m.

use std::time::Duration;

/// Parses a runbook duration, or says what is wrong with it.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if text.is_empty() {
        return Err("empty duration".into());
    }
    const UNITS: [(&str, u64); 4] = [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
    let mut rest = text;
    let mut total_ms: u64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("expected a number at `{rest}`"));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{}` is too large", &rest[..digits]))?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        let Some(index) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(if unit.is_empty() {
                format!("`{number}` has no unit")
            } else {
                format!("unknown unit `{unit}`")
            });
        };
        if index < next_unit {
            return Err("units must go from largest to smallest, each once".into());
        }
        next_unit = index + 1;
        total_ms = number
            .checked_mul(UNITS[index].1)
            .and_then(|ms| total_ms.checked_add(ms))
            .ok_or_else(|| "duration is too large".to_string())?;
        rest = &rest[unit_len..];
    }
    Ok(Duration::from_millis(total_ms))
}

/// Formats a duration the way runbooks write it (`1h30m`, `90s` stays `1m30s`, `200ms`).
pub fn format_duration(duration: Duration) -> String {
    let mut ms = duration.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [("h", 3_600_000u128), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

/// A measured duration for people: `0.04s`, `12.3s` under a minute; `2m5s` beyond.
pub fn human_ms(ms: u64) -> String {
    match ms {
        0..100 => format!("{:.2}s", ms as f64 / 1000.0),
        100..60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => format_duration(Duration::from_secs(ms / 1000)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_durations_read_as_seconds_then_minutes() {
        assert_eq!(human_ms(40), "0.04s");
        assert_eq!(human_ms(12_345), "12.3s");
        assert_eq!(human_ms(125_400), "2m5s");
    }

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("1m500ms"), Ok(Duration::from_millis(60_500)));
    }

    #[test]
    fn rejects_ambiguous_or_malformed_text() {
        for bad in [
            "",
            "5",
            "5 m",
            "m",
            "1m1h",
            "1s1s",
            "3d",
            "-1s",
            "1.5s",
            "99999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn formats_back_to_runbook_syntax() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_millis(1_200)), "1s200ms");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }
}
