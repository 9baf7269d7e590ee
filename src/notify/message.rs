//! What a notification says, and how each kind of channel wants it: one sentence for people
//! (Slack, Telegram, ntfy), the same sentence and its facts as JSON for a webhook
//! (docs/notifications.md).

use serde::Serialize;

use crate::protocol::delivery::NotifyEvent;

/// One notification, before it is shaped for a channel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Notice {
    pub(crate) event: NotifyEvent,
    pub(crate) run_id: String,
    pub(crate) runbook: String,
    pub(crate) title: String,
    pub(crate) mode: crate::protocol::mode::Mode,
    /// The step it is about, if any.
    pub(crate) step: Option<String>,
    /// The sentence people read.
    pub(crate) text: String,
    /// The run folder, to attach to or review.
    pub(crate) run_dir: String,
    /// `finished` and `rolled-back`: the journal's anchor (`upto_bytes:prefix_sha256`), for
    /// the channel or the change ticket to keep.
    pub(crate) anchor: Option<String>,
}

impl Notice {
    /// The webhook's body: the notice's fields, under a format name and version.
    pub(crate) fn webhook_body(&self) -> serde_json::Value {
        let mut body = serde_json::to_value(self).expect("a notice serializes");
        body["format"] = "cutover-notification/1".into();
        body
    }

    /// Slack's incoming webhook body.
    pub(crate) fn slack_body(&self) -> serde_json::Value {
        serde_json::json!({ "text": self.text })
    }

    /// Telegram's `sendMessage` body.
    pub(crate) fn telegram_body(&self, chat_id: &str) -> serde_json::Value {
        serde_json::json!({ "chat_id": chat_id, "text": self.text })
    }
}
