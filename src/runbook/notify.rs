//! `[[notify]]` tables: who is told what while a run goes — a webhook (a JSON body,
//! docs/notifications.md), Slack (an incoming webhook), Telegram (the Bot API, its token from an
//! environment variable), ntfy. Every endpoint is a `url` the runbook (or the operator's own
//! `$XDG_CONFIG_HOME/cutover/notify.toml`) gives, so that a test points it at a loopback
//! receiver. A token is named by the environment variable that holds it, never written here.

use crate::protocol::delivery::NotifyEvent;
use std::time::Duration;

use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostics;
use super::fields::TableReader;
use super::source::SourceFile;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Webhook,
    Slack,
    Telegram,
    Ntfy,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Slack => "slack",
            Self::Telegram => "telegram",
            Self::Ntfy => "ntfy",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NotifyChannel {
    pub kind: ChannelKind,
    /// The endpoint: the webhook's or Slack's URL, Telegram's API root
    /// (`https://api.telegram.org`), ntfy's topic URL.
    pub url: String,
    /// Telegram: the environment variable that holds the bot's token.
    pub token_env: Option<String>,
    pub chat_id: Option<String>,
    pub events: Vec<NotifyEvent>,
    /// How long a wait lasts before `waiting` is sent.
    pub after: Duration,
}

impl NotifyChannel {
    /// How the journal names it: never its URL (a Slack or webhook URL is a credential).
    pub fn label(&self, index: usize) -> String {
        match (&self.kind, &self.chat_id) {
            (ChannelKind::Telegram, Some(chat)) => format!("telegram #{index} (chat {chat})"),
            (kind, _) => format!("{} #{index}", kind.as_str()),
        }
    }

    pub fn wants(&self, event: NotifyEvent) -> bool {
        self.events.contains(&event)
    }
}

/// Reads the `[[notify]]` array of a runbook or of a `notify.toml`.
pub(crate) fn parse_channels(
    items: &[super::fields::Value<'_>],
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> Vec<NotifyChannel> {
    items
        .iter()
        .filter_map(|item| match item.get_ref() {
            DeValue::Table(table) => parse_channel(table, item.span(), source, diags),
            _ => {
                diags.error(item.span(), "each `[[notify]]` is a table");
                None
            }
        })
        .collect()
}

fn parse_channel(
    table: &DeTable<'_>,
    span: super::source::Span,
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> Option<NotifyChannel> {
    let mut fields = TableReader::new(table, span, "`[[notify]]`", source, diags);
    let kind = fields.choice(
        "kind",
        &[
            ("webhook", ChannelKind::Webhook),
            ("slack", ChannelKind::Slack),
            ("telegram", ChannelKind::Telegram),
            ("ntfy", ChannelKind::Ntfy),
        ],
    );
    if kind.is_none() && !fields.has("kind") {
        fields.missing(
            "kind",
            Some("`kind = \"webhook\"`, `\"slack\"`, `\"telegram\"` or `\"ntfy\"`"),
        );
    }
    let url = fields.string("url");
    let token_env = fields.string("token_env");
    let chat_id = fields.string("chat_id");
    let named: Vec<_> = fields.string_list("events");
    let after = fields
        .duration("after")
        .map_or(Duration::from_secs(120), |d| d.value);
    let mut events = Vec::new();
    for name in &named {
        match NotifyEvent::ALL.iter().find(|e| e.as_str() == name.value) {
            Some(event) => events.push(*event),
            None => {
                fields.diags.error(
                    name.span.clone(),
                    format!(
                        "`{}` is not an event; the events are {}",
                        name.value,
                        NotifyEvent::ALL.map(NotifyEvent::as_str).join(", ")
                    ),
                );
            }
        }
    }
    if named.is_empty() {
        events = NotifyEvent::ALL.to_vec();
    }
    let kind = kind?;
    let url = match (kind, url) {
        (_, Some(url)) => {
            if url::Url::parse(&url.value).is_err() {
                fields
                    .diags
                    .error(url.span.clone(), format!("`{}` is not a URL", url.value));
            }
            url.value
        }
        (ChannelKind::Telegram, None) => "https://api.telegram.org".to_string(),
        (kind, None) => {
            fields.missing(
                "url",
                Some(match kind {
                    ChannelKind::Slack => "the incoming webhook's URL (it is a credential: keep the runbook private, or put it in your own notify.toml)",
                    ChannelKind::Ntfy => "the topic's URL: `url = \"https://ntfy.sh/my-releases\"`",
                    _ => "where to POST: `url = \"https://…\"`",
                }),
            );
            String::new()
        }
    };
    if kind == ChannelKind::Telegram {
        for (value, key, hint) in [
            (
                &token_env,
                "token_env",
                "the environment variable holding the bot's token: `token_env = \"TELEGRAM_BOT_TOKEN\"`",
            ),
            (
                &chat_id,
                "chat_id",
                "the chat to post to: `chat_id = \"-1001234567890\"`",
            ),
        ] {
            if value.is_none() {
                fields.missing(key, Some(hint));
            }
        }
    }
    fields.finish();
    Some(NotifyChannel {
        kind,
        url,
        token_env: token_env.map(|t| t.value),
        chat_id: chat_id.map(|c| c.value),
        events,
        after,
    })
}

/// Where the operator's own channels file is wrong.
#[derive(Debug, thiserror::Error)]
pub enum PersonalChannelsError {
    #[error("{line}:{column}: TOML syntax: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{line}:{column}: {message}")]
    Field {
        line: usize,
        column: usize,
        message: String,
    },
}

/// The operator's own channels, from `$XDG_CONFIG_HOME/cutover/notify.toml` (`[[notify]]`
/// tables), when the file exists. A problem in it is said with its place: a run does not start
/// with a channel that silently never tells anyone.
pub(crate) fn load_personal(
    path: &std::path::Path,
) -> Result<Vec<NotifyChannel>, PersonalChannelsError> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(Vec::new());
    };
    let source = SourceFile::from_bytes(path, bytes);
    let mut diags = Diagnostics::default();
    let (document, syntax) = DeTable::parse_recoverable(&source.text);
    if let Some(error) = syntax.first() {
        let (line, column) = source.line_col(error.span().map_or(0, |s| s.start));
        return Err(PersonalChannelsError::Syntax {
            line,
            column,
            message: error.message().to_string(),
        });
    }
    let document = document.get_ref();
    let mut top = TableReader::new(document, 0..0, "notify.toml", &source, &mut diags);
    let items = top.array("notify");
    top.finish();
    let channels = items.map_or_else(Vec::new, |items| parse_channels(items, &source, &mut diags));
    match diags
        .into_sorted()
        .into_iter()
        .find(|d| d.severity == super::diagnostic::Severity::Error)
    {
        Some(problem) => {
            let (line, column) = source.line_col(problem.span.start);
            Err(PersonalChannelsError::Field {
                line,
                column,
                message: problem.message,
            })
        }
        None => Ok(channels),
    }
}
