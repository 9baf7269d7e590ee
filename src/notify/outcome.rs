//! What became of one notification, as the journal records it (`notify` entries).

use serde::{Deserialize, Serialize};

use crate::runbook::notify::NotifyEvent;

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
