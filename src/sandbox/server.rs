//! The sandbox's HTTP server (hyper on tokio): one log line per request; the traffic layer
//! (canary routing, rate limit, faults) before the application answers and the hardening layer
//! (security headers, CORS, compression) after; the state read and written around each request
//! under a lock.

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
use super::hardening::{ClientHints, Outgoing, dress};
use super::metrics::{CONTENT_TYPE as METRICS_CONTENT_TYPE, SandboxMetrics, route_of};
use super::state::{Features, Store};
use super::synthetic_users::synthetic_users;
use super::traffic::{Routing, Traffic, injected_latency};

/// Request bodies larger than this are refused.
const MAX_BODY: usize = 1024 * 1024;

pub(crate) struct Shared {
    store: Store,
    /// Serializes read-modify-write of the state file, and holds the traffic counters.
    traffic: Mutex<Traffic>,
    /// The synthetic users' own routing and fault counts: their requests never take the
    /// turn of the drill's checks (the first request after a deploy goes to the canary).
    synthetic: std::sync::Mutex<Traffic>,
    metrics: SandboxMetrics,
}

/// Serves until the task is dropped; `traffic` requests per second of synthetic users, if any.
pub(crate) async fn serve(listen: &str, state_dir: PathBuf, traffic: u32) -> std::io::Result<()> {
    let store = Store::open(&state_dir)?;
    let listener = TcpListener::bind(listen).await?;
    let address: SocketAddr = listener.local_addr()?;
    // Best effort: a sandbox whose stdout is gone still serves the drill.
    let _ = crate::stdout::write_stdout(&format!(
        "sandbox listening on http://{address} (state in {})\n",
        state_dir.display()
    ));
    let shared = Arc::new(Shared {
        store,
        traffic: Mutex::new(Traffic::default()),
        synthetic: std::sync::Mutex::new(Traffic::default()),
        metrics: SandboxMetrics::default(),
    });
    if traffic > 0 {
        tokio::spawn(synthetic_users(shared.clone(), traffic));
    }
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
    if path == "/metrics" {
        return Ok(reply(Outgoing {
            status: 200,
            headers: vec![("content-type", METRICS_CONTENT_TYPE.to_string())],
            body: shared.metrics.exposition().into_bytes(),
        }));
    }
    let (authorization, cookie, role_header) =
        (header("authorization"), header("cookie"), header("x-role"));
    let hints = ClientHints {
        origin: header("origin"),
        accept_encoding: header("accept-encoding"),
    };
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => {
            let response = json_error(413, "request body too large");
            log(&method, &path, started, &response, None);
            return Ok(reply(plain(response, Vec::new())));
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
    let (response, headers, features, version) = answer_measured(&request, &shared, false).await;
    log(
        &request.method,
        &request.path,
        started,
        &response,
        Some(&version),
    );
    Ok(reply(dress(plain(response, headers), &hints, &features)))
}

/// What [`respond`] gives: the answer, the headers the traffic layer adds, the features to
/// dress it with, and the version that served it.
type Responded = (Response, Vec<(&'static str, String)>, Features, String);

/// The answer, delayed by any injected latency on its own — never while holding the state
/// lock, so that a slow canary is slow for each request and not a queue for all of them —
/// and counted in the metrics (the application's routes, not the drill's control ones).
pub(crate) async fn answer_measured(
    request: &Request,
    shared: &Shared,
    synthetic: bool,
) -> Responded {
    let started = Instant::now();
    let (responded, latency) = respond(request, shared, synthetic).await;
    if let Some(latency) = latency {
        tokio::time::sleep(latency).await;
    }
    let bare = request.path.split('?').next().unwrap_or_default();
    if !bare.starts_with("/_sandbox/") {
        shared.metrics.observe(
            &responded.3,
            route_of(bare),
            responded.0.status,
            started.elapsed().as_secs_f64(),
        );
    }
    responded
}

/// The answer, decided under the state lock, and the latency a fault adds to it.
async fn respond(
    request: &Request,
    shared: &Shared,
    synthetic: bool,
) -> (Responded, Option<Duration>) {
    let mut traffic = shared.traffic.lock().await;
    let mut state = match shared.store.load() {
        Ok(state) => state,
        Err(err) => {
            let failed = json_error(500, &format!("cannot read the sandbox state: {err}"));
            return (
                (failed, Vec::new(), Features::default(), String::new()),
                None,
            );
        }
    };
    let features = state.features.clone();
    let bare = request
        .path
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    // Control endpoints are the drill's, not the application's: never routed, limited or faulted.
    let routing = if bare.starts_with("/_sandbox/") {
        Routing::Serve {
            version: state.version.clone(),
        }
    } else if synthetic {
        crate::locked::locked(&shared.synthetic).admit(&state, &bare, std::time::Instant::now())
    } else {
        traffic.admit(&state, &bare, std::time::Instant::now())
    };
    let version = match &routing {
        Routing::Serve { version } | Routing::Refuse { version, .. } => version.clone(),
    };
    let latency = injected_latency(&state, &bare, &version);
    let (status, message, retry_after) = match routing {
        Routing::Serve { .. } => {
            let (response, changed) = handle(request, &mut state, &version);
            if changed && let Err(err) = shared.store.save(&state) {
                let failed = json_error(500, &format!("cannot write the sandbox state: {err}"));
                return ((failed, Vec::new(), features, version), latency);
            }
            return ((response, Vec::new(), features, version), latency);
        }
        Routing::Refuse {
            status,
            message,
            retry_after,
            ..
        } => (status, message, retry_after),
    };
    let headers = retry_after
        .map(|seconds| vec![("retry-after", seconds.to_string())])
        .unwrap_or_default();
    (
        (json_error(status, message), headers, features, version),
        latency,
    )
}

fn json_error(status: u16, message: &str) -> Response {
    Response {
        status,
        content_type: "application/json",
        body: serde_json::json!({ "error": message }).to_string(),
        location: None,
    }
}

fn log(method: &str, path: &str, started: Instant, response: &Response, version: Option<&str>) {
    let served = version
        .filter(|v| !v.is_empty())
        .map(|v| format!(" ({v})"))
        .unwrap_or_default();
    let _ = crate::stdout::write_stdout(&format!(
        "{method} {path} {} {}ms{served}\n",
        response.status,
        started.elapsed().as_millis()
    ));
}

/// The application's answer as it goes out, before hardening.
fn plain(response: Response, mut headers: Vec<(&'static str, String)>) -> Outgoing {
    headers.push(("content-type", response.content_type.to_string()));
    if let Some(location) = response.location {
        headers.push(("location", location));
    }
    Outgoing {
        status: response.status,
        headers,
        body: response.body.into_bytes(),
    }
}

fn reply(outgoing: Outgoing) -> HttpResponse<Full<Bytes>> {
    let mut builder = HttpResponse::builder().status(outgoing.status);
    for (name, value) in outgoing.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(outgoing.body)))
        .expect("a valid response")
}
