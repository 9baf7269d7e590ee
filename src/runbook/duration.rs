//! Durations as runbooks write them: `200ms`, `90s`, `2m`, `1h30m`, `1h30m15s`.
//!
//! Deliberately strict — units `h`, `m`, `s`, `ms` only, in decreasing order, each at most
//! once, no spaces, signs or fractions — so that a typo such as `5 m` or `1m1h` is an error at
//! `check` time rather than a surprise at 2 a.m. jiff's "friendly" format reads and prints
//! them; it also accepts `5 min`, `1.5h` or `2 hours`, so the shape is checked here first, to
//! keep the runbook format narrow and each diagnostic precise.

use std::time::Duration;

use jiff::fmt::friendly::{Designator, Spacing, SpanParser, SpanPrinter};

static PARSER: SpanParser = SpanParser::new();
static PRINTER: SpanPrinter = SpanPrinter::new()
    .designator(Designator::Compact)
    .spacing(Spacing::None);

/// The units a runbook may use, largest first.
const UNITS: [&str; 4] = ["h", "m", "s", "ms"];

/// What is wrong with a duration, said after "`timeout` is not a duration: ".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DurationError {
    #[error("empty duration")]
    Empty,
    #[error("expected a number at `{0}`")]
    NoNumber(String),
    #[error("`{0}` has no unit")]
    NoUnit(String),
    #[error("unknown unit `{0}`")]
    UnknownUnit(String),
    #[error("units must go from largest to smallest, each once")]
    Order,
    #[error("duration is too large")]
    TooLarge,
}

/// Parses a runbook duration, or says what is wrong with it.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    check_shape(text)?;
    PARSER
        .parse_unsigned_duration(text)
        .map_err(|_| DurationError::TooLarge)
}

/// Numbers each followed by a unit of [`UNITS`], the units in decreasing order.
fn check_shape(text: &str) -> Result<(), DurationError> {
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut rest = text;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(DurationError::NoNumber(rest.to_string()));
        }
        let number = &rest[..digits];
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        let Some(index) = UNITS.iter().position(|name| *name == unit) else {
            return Err(if unit.is_empty() {
                DurationError::NoUnit(number.to_string())
            } else {
                DurationError::UnknownUnit(unit.to_string())
            });
        };
        if index < next_unit {
            return Err(DurationError::Order);
        }
        next_unit = index + 1;
        rest = &rest[unit_len..];
    }
    Ok(())
}

/// Formats a duration the way runbooks write it (`1h30m`, `90s` becomes `1m30s`, `200ms`).
/// Below a millisecond is not a runbook's business: it is dropped.
pub(crate) fn format_duration(duration: Duration) -> String {
    let whole_ms = Duration::from_millis(duration.as_millis().min(u64::MAX as u128) as u64);
    PRINTER.unsigned_duration_to_string(&whole_ms)
}

/// A measured duration for people: `0.04s`, `12.3s` under a minute; `2m5s` beyond.
pub(crate) fn human_ms(ms: u64) -> String {
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
        assert_eq!(parse_duration("1h30m15s"), Ok(Duration::from_secs(5415)));
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
        // jiff alone would take these; the runbook format does not.
        for lenient in ["5 min", "1.5h", "2 hours", "1d", "1h, 30m", "+5s", "PT5S"] {
            assert!(
                parse_duration(lenient).is_err(),
                "{lenient:?} should be rejected"
            );
        }
    }

    #[test]
    fn each_mistake_is_named() {
        assert_eq!(
            parse_duration("5 min"),
            Err(DurationError::NoUnit("5".into()))
        );
        assert_eq!(parse_duration("30s2m"), Err(DurationError::Order));
        assert_eq!(parse_duration("1s1s"), Err(DurationError::Order));
        assert_eq!(
            parse_duration("3d"),
            Err(DurationError::UnknownUnit("d".into()))
        );
        assert_eq!(
            parse_duration("m"),
            Err(DurationError::NoNumber("m".into()))
        );
        assert_eq!(
            parse_duration("99999999999999999999s"),
            Err(DurationError::TooLarge)
        );
    }

    #[test]
    fn what_is_printed_reads_back_as_the_same_duration() {
        for ms in [0, 1, 999, 1_000, 60_500, 5_400_000, 86_400_000, 90_061_001] {
            let duration = Duration::from_millis(ms);
            assert_eq!(
                parse_duration(&format_duration(duration)),
                Ok(duration),
                "{ms} ms"
            );
        }
    }

    #[test]
    fn formats_back_to_runbook_syntax() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_millis(1_200)), "1s200ms");
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_millis(200)), "200ms");
        assert_eq!(format_duration(Duration::from_secs(90_000)), "25h");
    }
}
