//! `cutover sandbox`: serve the stand-in application until stopped.

use std::path::PathBuf;

use super::args::{SandboxAction, SandboxArgs};
use crate::exit::{Failure, Outcome};
use crate::sandbox::server::serve;

pub fn sandbox(args: &SandboxArgs) -> Result<Outcome, Failure> {
    if let Some(SandboxAction::Call { method, path, body }) = &args.action {
        return call(&args.listen, method, path, body.as_deref());
    }
    let state = args
        .state
        .clone()
        .unwrap_or_else(|| PathBuf::from("sandbox-state"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::Input(format!("cannot start the runtime: {err}")))?;
    runtime.block_on(async {
        tokio::select! {
            served = serve(&args.listen, state.clone()) => served.map_err(|err| Failure::Input(format!("the sandbox cannot serve on {} with state in {}: {err}", args.listen, state.display()))),
            _ = tokio::signal::ctrl_c() => Ok(()),
            _ = terminate() => Ok(()),
        }
    })?;
    Ok(Outcome::Done)
}

async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

/// One request to a running sandbox; the answer goes to stdout.
fn call(listen: &str, method: &str, path: &str, body: Option<&str>) -> Result<Outcome, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::Input(format!("cannot start the runtime: {err}")))?;
    let clients = crate::engine::steps::http_client::HttpClients::new().map_err(Failure::Input)?;
    let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::Input(format!("`{method}` is not an HTTP method")))?;
    let url = format!("http://{listen}{path}");
    runtime.block_on(async {
        let mut request = clients
            .not_following
            .request(method, &url)
            .timeout(std::time::Duration::from_secs(10));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                println!("{}", crate::terminal_text::plain(&text));
                Ok(if status.is_success() {
                    Outcome::Done
                } else {
                    Outcome::RunFailed
                })
            }
            Err(err) => Err(Failure::Input(format!(
                "cannot reach the sandbox at {url}: {}",
                crate::engine::steps::http_client::cause_of(&err)
            ))),
        }
    })
}
