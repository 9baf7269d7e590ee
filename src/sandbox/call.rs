//! `cutover sandbox call`: one request to a running sandbox, its answer on stdout (made
//! printable). A drill's command steps use it to reach the sandbox without curl.

use std::time::Duration;

use super::error::SandboxError;
use crate::engine::steps::http_client::{HttpClients, cause_of};

/// Sends the request; `Ok(true)` when the sandbox answered with a 2xx status.
pub(crate) async fn call(
    listen: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<bool, SandboxError> {
    let (status, text) = request(listen, method, path, body).await?;
    crate::stdout::write_stdout(&format!("{}\n", crate::terminal_text::plain(&text)))
        .map_err(SandboxError::Stdout)?;
    Ok((200..300).contains(&status))
}

/// One request to the sandbox at `listen`: its status and body.
pub(crate) async fn request(
    listen: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<(u16, String), SandboxError> {
    let clients = HttpClients::new()?;
    let verb = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| SandboxError::Method(method.to_string()))?;
    let url = format!("http://{listen}{path}");
    let mut request = clients
        .not_following
        .request(verb, &url)
        .timeout(Duration::from_secs(10));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request
        .send()
        .await
        .map_err(|err| SandboxError::Unreachable {
            url: url.clone(),
            cause: cause_of(&err),
        })?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    Ok((status, text))
}
