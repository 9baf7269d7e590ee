//! The sandbox's HTTP server (hyper on tokio): one log line per request, faults applied before
//! the application answers, the state read and written around each request under a lock.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request as HttpRequest, Response as HttpResponse};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use super::app::{Request, Response, handle};
use super::state::Store;

/// Request bodies larger than this are refused.
const MAX_BODY: usize = 1024 * 1024;

struct Shared {
    store: Store,
    /// Serializes read-modify-write of the state file.
    lock: Mutex<()>,
    /// Requests seen per path, for deterministic error rates.
    counts: Mutex<HashMap<String, u64>>,
}

pub async fn serve(listen: &str, state_dir: PathBuf) -> std::io::Result<()> {
    let store = Store::open(&state_dir)?;
    let listener = TcpListener::bind(listen).await?;
    let address: SocketAddr = listener.local_addr()?;
    println!(
        "sandbox listening on http://{address} (state in {})",
        state_dir.display()
    );
    let shared = Arc::new(Shared {
        store,
        lock: Mutex::new(()),
        counts: Mutex::new(HashMap::new()),
    });
    loop {
        let (stream, _) = listener.accept().await?;
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(request, shared.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    request: HttpRequest<Incoming>,
    shared: Arc<Shared>,
) -> Result<HttpResponse<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map_or("/".into(), |p| p.to_string());
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (authorization, cookie, role_header) =
        (header("authorization"), header("cookie"), header("x-role"));
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => {
            return Ok(reply(log(
                &method,
                &path,
                started,
                json_error(413, "request body too large"),
            )));
        }
    };
    let request = Request {
        method,
        path,
        authorization,
        cookie,
        role_header,
        body,
    };
    let response = respond(&request, &shared).await;
    Ok(reply(log(
        &request.method,
        &request.path,
        started,
        response,
    )))
}

async fn respond(request: &Request, shared: &Shared) -> Response {
    let _guard = shared.lock.lock().await;
    let mut state = match shared.store.load() {
        Ok(state) => state,
        Err(err) => return json_error(500, &format!("cannot read the sandbox state: {err}")),
    };
    let bare = request
        .path
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    if let Some(fault) = state.faults.iter().find(|f| f.path == bare).cloned() {
        if let Some(latency) = fault.latency_ms {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        if let Some(status) = fault.status {
            return json_error(status, "fault injected by the drill");
        }
        if let Some(rate) = fault.error_rate {
            let mut counts = shared.counts.lock().await;
            let count = counts.entry(bare.clone()).or_default();
            *count += 1;
            // Deterministic: the n-th request fails when n·rate crosses a whole number.
            if ((*count as f64) * rate).floor() > (((*count - 1) as f64) * rate).floor() {
                return json_error(500, "fault injected by the drill (error rate)");
            }
        }
    }
    let (response, changed) = handle(request, &mut state);
    if changed && let Err(err) = shared.store.save(&state) {
        return json_error(500, &format!("cannot write the sandbox state: {err}"));
    }
    response
}

fn json_error(status: u16, message: &str) -> Response {
    Response {
        status,
        content_type: "application/json",
        body: serde_json::json!({ "error": message }).to_string(),
        location: None,
    }
}

fn log(method: &str, path: &str, started: Instant, response: Response) -> Response {
    println!(
        "{method} {path} {} {}ms",
        response.status,
        started.elapsed().as_millis()
    );
    response
}

fn reply(response: Response) -> HttpResponse<Full<Bytes>> {
    let mut builder = HttpResponse::builder()
        .status(response.status)
        .header("content-type", response.content_type);
    if let Some(location) = &response.location {
        builder = builder.header("location", location);
    }
    builder
        .body(Full::new(Bytes::from(response.body)))
        .expect("a valid response")
}
