//! `kind = "wait"`: a bake or soak timer (`duration`), or a wait until a moment (`until`).
//! The operator may skip it, with a reason.

use std::time::Duration;

use jiff::Timestamp;
use toml::de::DeValue;

use super::super::fields::TableReader;

#[derive(Clone, Debug, PartialEq)]
pub enum WaitStep {
    For(Duration),
    Until(Timestamp),
}

impl WaitStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let duration = fields.duration("duration");
        let until = fields.raw("until");
        match (duration, until) {
            (Some(_), Some(until)) => {
                fields
                    .diags
                    .error(until.span(), "a wait takes `duration` or `until`, not both");
                None
            }
            (Some(duration), None) => Some(Self::For(duration.value)),
            (None, Some(until)) => {
                let text = match until.get_ref() {
                    DeValue::String(text) => text.to_string(),
                    DeValue::Datetime(datetime) => datetime.to_string(),
                    _ => {
                        fields.type_error("until", until, "an RFC 3339 date and time");
                        return None;
                    }
                };
                match text.parse::<Timestamp>() {
                    Ok(moment) => Some(Self::Until(moment)),
                    Err(_) => {
                        fields
                            .diags
                            .error(
                                until.span(),
                                format!(
                                    "`until` is not an RFC 3339 time with a UTC offset: `{text}`"
                                ),
                            )
                            .with_hint(
                                "write e.g. 2026-11-21T03:00:00Z or 2026-11-21T04:00:00+01:00",
                            );
                        None
                    }
                }
            }
            (None, None) => {
                if !fields.has("duration") {
                    fields.missing(
                        "duration",
                        Some("add `duration = \"5m\"` or `until = \"2026-11-21T03:00:00Z\"`"),
                    );
                }
                None
            }
        }
    }
}
