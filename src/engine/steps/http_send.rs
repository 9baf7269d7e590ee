//! One HTTP exchange as a check needs it: redirects followed by hand, the body read as a
//! stream with a cap, and the whole of it bounded by a deadline.
//!
//! Redirects are followed here rather than by reqwest's policy: on a redirect to another origin
//! reqwest drops only `Authorization`, `Cookie` and their kin, and a runbook's `X-Token` went on
//! to the other host. Here every header the runbook set is dropped when the origin changes
//! (scheme, host and port), as is the body when the method becomes GET (301/302 after a POST,
//! and 303), the way browsers do. The body is read chunk by chunk: at most `max_body` bytes are
//! kept to inspect, the rest is read and thrown away, so a 1 GB answer costs no more memory
//! than a small one.

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::http_client::cause_of;
use crate::runbook::duration::human_ms;

/// At most this many redirects, as reqwest's own policy.
const MAX_REDIRECTS: usize = 10;

/// What is sent: the runbook's request, rendered.
pub(crate) struct Outgoing<'a> {
    pub method: reqwest::Method,
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    pub body: Option<&'a (Vec<u8>, Option<&'static str>)>,
    pub follow_redirects: bool,
}

/// Why no answer came back: the check fails with this as its message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExchangeError {
    #[error("`{url}` is not a URL: {source}")]
    Url {
        url: String,
        #[source]
        source: url::ParseError,
    },
    /// The reason under reqwest's own message ("connection refused", a TLS refusal).
    #[error("{0}")]
    Send(String),
    #[error("reading the body: {0}")]
    Body(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("timed out after {}", human_ms(*.0))]
    TimedOut(u64),
}

/// What came back.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    /// The first `max_body` bytes of the body, or none when nothing inspects it.
    pub body: Vec<u8>,
    /// The body was longer than what was kept.
    pub truncated: bool,
    pub total_bytes: u64,
}

/// Sends `outgoing` with `client` (which must not follow redirects itself), keeping at most
/// `keep` bytes of the final body, and gives up at `deadline`.
pub(crate) async fn exchange(
    client: &reqwest::Client,
    outgoing: &Outgoing<'_>,
    keep: u64,
    deadline: Instant,
) -> Result<Answer, ExchangeError> {
    let started = Instant::now();
    let work = async {
        let mut url = reqwest::Url::parse(outgoing.url).map_err(|source| ExchangeError::Url {
            url: outgoing.url.to_string(),
            source,
        })?;
        let mut method = outgoing.method.clone();
        let mut body = outgoing.body;
        let mut runbook_headers = true;
        for _ in 0..=MAX_REDIRECTS {
            let mut request = client.request(method.clone(), url.clone());
            if runbook_headers {
                for (name, value) in outgoing.headers {
                    request = request.header(name, value);
                }
            }
            if let Some((bytes, content_type)) = body {
                if let Some(content_type) = content_type {
                    request = request.header(reqwest::header::CONTENT_TYPE, *content_type);
                }
                request = request.body(bytes.clone());
            }
            let response = request
                .send()
                .await
                .map_err(|err| ExchangeError::Send(cause_of(&err)))?;
            let status = response.status();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok());
            match location {
                Some(next) if outgoing.follow_redirects && status.is_redirection() => {
                    if next.origin() != url.origin() {
                        runbook_headers = false;
                    }
                    let becomes_get = status == reqwest::StatusCode::SEE_OTHER
                        || (matches!(status.as_u16(), 301 | 302)
                            && method == reqwest::Method::POST);
                    if becomes_get {
                        method = reqwest::Method::GET;
                        body = None;
                    }
                    url = next;
                }
                _ => return read_body(response, keep).await,
            }
        }
        Err(ExchangeError::TooManyRedirects)
    };
    match tokio::time::timeout_at(deadline, work).await {
        // The clients set no timeout of their own: the deadline is the only one.
        Ok(result) => result,
        Err(_) => Err(ExchangeError::TimedOut(started.elapsed().as_millis() as u64)),
    }
}

async fn read_body(mut response: reqwest::Response, keep: u64) -> Result<Answer, ExchangeError> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    let mut total = 0u64;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| ExchangeError::Body(cause_of(&err)))?
    {
        let room = keep.saturating_sub(body.len() as u64) as usize;
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        total += chunk.len() as u64;
    }
    Ok(Answer {
        status,
        headers,
        truncated: total > body.len() as u64,
        body,
        total_bytes: total,
    })
}
