//! Notifications: what a channel is told about, and what became of one notice, as the journal
//! records it (`notify` entries).

use serde::{Deserialize, Serialize};

/// What a channel is told about.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum NotifyEvent {
    Started,
    /// A person is needed (a manual step, a decision, a failure to decide, nobody at the
    /// controls) for longer than the channel's `after`.
    Waiting,
    /// A step waits for approvals: said at once, with the command that gives one.
    Approval,
    Failed,
    RolledBack,
    /// The run ended, with the journal's anchor.
    Finished,
}

impl NotifyEvent {
    pub const ALL: [NotifyEvent; 6] = [
        Self::Started,
        Self::Waiting,
        Self::Approval,
        Self::Failed,
        Self::RolledBack,
        Self::Finished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Waiting => "waiting",
            Self::Approval => "approval",
            Self::Failed => "failed",
            Self::RolledBack => "rolled-back",
            Self::Finished => "finished",
        }
    }
}

/// One notice, delivered or not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// The channel, as the runbook lists it (`slack #1`), never its URL: a webhook's URL is
    /// a credential.
    pub channel: String,
    pub event: NotifyEvent,
    /// `sent`, or `failed`.
    pub outcome: DeliveryOutcome,
    /// The receiver's HTTP status, when it answered.
    pub http_status: Option<u16>,
    /// Why it failed (secrets and tokens masked).
    pub error: Option<String>,
    pub attempts: u32,
    /// When the delivery ended (RFC 3339): the entry is written when the engine next looks,
    /// which may be a long step later. Absent in journals written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryOutcome {
    Sent,
    Failed,
}
