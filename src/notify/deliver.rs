//! Sending one notice to one channel over HTTP: a bounded time per attempt, a bounded number of
//! attempts, and an outcome that never contains the channel's URL or token.

use std::time::Duration;

use super::message::Notice;
use crate::protocol::delivery::{Delivery, DeliveryOutcome};
use crate::runbook::notify::{ChannelKind, NotifyChannel};

/// Per attempt: a receiver that hangs costs the run's notifier this long, never the run.
pub(crate) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Once the run has ended, how long its last notices may keep the process: one attempt's
/// time, and a little; a receiver that hangs is not retried past it.
pub(crate) const FINAL_WAIT: Duration = Duration::from_millis(5_500);
/// Attempts per notice: the first and two retries.
const ATTEMPTS: u32 = 3;
/// Before the first and the second retry.
const BACKOFF: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];

pub(crate) async fn deliver(
    client: &reqwest::Client,
    channel: &NotifyChannel,
    label: String,
    notice: &Notice,
) -> Delivery {
    let token = channel
        .token_env
        .as_deref()
        .and_then(|name| std::env::var(name).ok())
        .filter(|token| !token.is_empty());
    let mut last = (None, None);
    for attempt in 1..=ATTEMPTS {
        let result = match request(client, channel, token.as_deref(), notice) {
            Ok(request) => tokio::time::timeout(ATTEMPT_TIMEOUT, request.send()).await,
            Err(problem) => {
                return failed(label, notice, None, problem.to_string(), attempt);
            }
        };
        last = match result {
            Ok(Ok(response)) if response.status().is_success() => {
                return Delivery {
                    channel: label,
                    event: notice.event,
                    outcome: DeliveryOutcome::Sent,
                    http_status: Some(response.status().as_u16()),
                    error: None,
                    attempts: attempt,
                    at: Some(crate::protocol::time::timestamp()),
                };
            }
            Ok(Ok(response)) => (
                Some(response.status().as_u16()),
                Some(format!("the receiver answered {}", response.status())),
            ),
            Ok(Err(err)) => (
                None,
                Some(masked(
                    &crate::engine::steps::http_client::cause_of(&err),
                    token.as_deref(),
                )),
            ),
            Err(_) => (
                None,
                Some(format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs())),
            ),
        };
        if let Some(pause) = BACKOFF.get(attempt as usize - 1) {
            tokio::time::sleep(*pause).await;
        }
    }
    let (status, error) = last;
    failed(label, notice, status, error.unwrap_or_default(), ATTEMPTS)
}

fn failed(
    channel: String,
    notice: &Notice,
    http_status: Option<u16>,
    error: String,
    attempts: u32,
) -> Delivery {
    Delivery {
        channel,
        event: notice.event,
        outcome: DeliveryOutcome::Failed,
        http_status,
        error: Some(error),
        attempts,
        at: Some(crate::protocol::time::timestamp()),
    }
}

/// A channel that needs a bot token has none: the variable that should hold it is unset.
#[derive(Debug, thiserror::Error)]
#[error("no bot token: ${variable} is not set")]
struct NoToken {
    variable: String,
}

fn request(
    client: &reqwest::Client,
    channel: &NotifyChannel,
    token: Option<&str>,
    notice: &Notice,
) -> Result<reqwest::RequestBuilder, NoToken> {
    Ok(match channel.kind {
        ChannelKind::Webhook => client.post(&channel.url).json(&notice.webhook_body()),
        ChannelKind::Slack => client.post(&channel.url).json(&notice.slack_body()),
        ChannelKind::Telegram => {
            let Some(token) = token else {
                return Err(NoToken {
                    variable: channel
                        .token_env
                        .clone()
                        .unwrap_or_else(|| "TELEGRAM_BOT_TOKEN".into()),
                });
            };
            let root = channel.url.trim_end_matches('/');
            client
                .post(format!("{root}/bot{token}/sendMessage"))
                .json(&notice.telegram_body(channel.chat_id.as_deref().unwrap_or_default()))
        }
        ChannelKind::Ntfy => client
            .post(&channel.url)
            .header("Title", format!("cutover: {}", notice.runbook))
            .body(notice.text.clone()),
    })
}

/// An error's text without the token, which a URL in it may carry.
fn masked(text: &str, token: Option<&str>) -> String {
    match token {
        Some(token) => text.replace(token, "***"),
        None => text.to_string(),
    }
}
