//! `kind = "window"`: opens or closes the maintenance window. While it is open the header
//! counts down its `duration`; running past it is journaled as an overrun.

use crate::protocol::step_kind::WindowAction;
use std::time::Duration;

use super::super::fields::TableReader;

#[derive(Clone, Debug, PartialEq)]
pub struct WindowStep {
    pub action: WindowAction,
    /// How long the window may stay open (required to open one).
    pub duration: Option<Duration>,
}

impl WindowStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let has_action = fields.has("action");
        let action = fields.choice(
            "action",
            &[("open", WindowAction::Open), ("close", WindowAction::Close)],
        );
        let duration = fields.duration("duration").map(|d| d.value);
        let action = match action {
            Some(action) => action,
            None => {
                if !has_action {
                    fields.missing(
                        "action",
                        Some("`action = \"open\"` or `action = \"close\"`"),
                    );
                }
                return None;
            }
        };
        if action == WindowAction::Open && duration.is_none() && !fields.has("duration") {
            fields.missing(
                "duration",
                Some("an opened window needs its length, e.g. `duration = \"30m\"`"),
            );
            return None;
        }
        Some(Self { action, duration })
    }
}
