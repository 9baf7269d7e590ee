//! Executes an `http` step (and a progressive gate): one request, a poll until the
//! expectations hold, or an SLO probe of many requests judged on percentiles and errors.

use std::time::Duration;

use tokio::time::Instant;

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::engine::events::Event;
use crate::runbook::duration::format_duration;
use crate::runbook::kinds::http::{HttpBody, HttpCheck, HttpMode, HttpStep, Probe};
use crate::runbook::template::{Quoting, RenderError, Scope, Template};

use super::http_client::{HttpClients, cause_of};

/// A check with every template rendered.
#[derive(Clone)]
pub struct PreparedRequest {
    method: reqwest::Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<(Vec<u8>, Option<&'static str>)>,
    expect_body: Option<String>,
    expect_header: Vec<(String, String)>,
    /// `expect_json` with its templates rendered.
    expect_json: Vec<(String, serde_json::Value)>,
    /// Secrets masked: what is shown and journaled.
    pub display: String,
}

pub fn prepare(check: &HttpCheck, scope: &Scope) -> Result<PreparedRequest, RenderError> {
    let url = check.url.render(scope, Quoting::Verbatim)?;
    let mut headers = Vec::new();
    for (name, value) in &check.headers {
        headers.push((
            name.value.clone(),
            value.render(scope, Quoting::Verbatim)?.text,
        ));
    }
    let body = match &check.body {
        Some(HttpBody::Text(text)) => Some((
            text.render(scope, Quoting::Verbatim)?.text.into_bytes(),
            None,
        )),
        Some(HttpBody::Json(value, _)) => {
            let rendered = render_json(value, scope)?;
            Some((
                serde_json::to_vec(&rendered).expect("JSON values serialize"),
                Some("application/json"),
            ))
        }
        None => None,
    };
    let render_pairs = |pairs: &[(crate::runbook::source::Located<String>, Template)]| {
        pairs
            .iter()
            .map(|(name, value)| {
                Ok((
                    name.value.clone(),
                    value.render(scope, Quoting::Verbatim)?.text,
                ))
            })
            .collect::<Result<Vec<_>, RenderError>>()
    };
    Ok(PreparedRequest {
        method: reqwest::Method::from_bytes(check.method.as_bytes()).expect("checked at load"),
        display: format!("{} {}", check.method, url.display),
        url: url.text,
        headers,
        body,
        expect_body: check
            .expect_body
            .as_ref()
            .map(|t| t.render(scope, Quoting::Verbatim))
            .transpose()?
            .map(|r| r.text),
        expect_header: render_pairs(&check.expect_header)?,
        expect_json: check
            .expect_json
            .iter()
            .map(|(pointer, value)| Ok((pointer.value.clone(), render_json(value, scope)?)))
            .collect::<Result<_, RenderError>>()?,
    })
}

fn render_json(value: &serde_json::Value, scope: &Scope) -> Result<serde_json::Value, RenderError> {
    Ok(match value {
        serde_json::Value::String(text) => serde_json::Value::String(
            Template::literal_parse(text)
                .render(scope, Quoting::Verbatim)?
                .text,
        ),
        serde_json::Value::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|i| render_json(i, scope))
                .collect::<Result<_, _>>()?,
        ),
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_json(v, scope)?)))
                .collect::<Result<_, RenderError>>()?,
        ),
        other => other.clone(),
    })
}

/// The result of one request against the expectations.
pub struct Attempt {
    pub status: Option<u16>,
    pub latency: Duration,
    /// `None` when every expectation held.
    pub problem: Option<String>,
    pub captures: Vec<(String, String)>,
}

pub async fn send_once(
    check: &HttpCheck,
    request: &PreparedRequest,
    clients: &HttpClients,
    timeout: Duration,
) -> Attempt {
    let started = Instant::now();
    let mut builder = clients
        .get(check.follow_redirects)
        .request(request.method.clone(), &request.url)
        .timeout(timeout);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some((body, content_type)) = &request.body {
        if let Some(content_type) = content_type {
            builder = builder.header(reqwest::header::CONTENT_TYPE, *content_type);
        }
        builder = builder.body(body.clone());
    }
    let response = match builder.send().await {
        Ok(response) => response,
        Err(err) => {
            let cause = cause_of(&err);
            let cause = if cause == "timed out" {
                format!("timed out after {}", format_duration(timeout))
            } else {
                cause
            };
            return Attempt {
                status: None,
                latency: started.elapsed(),
                problem: Some(cause),
                captures: Vec::new(),
            };
        }
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(err) => {
            return Attempt {
                status: Some(status),
                latency: started.elapsed(),
                problem: Some(format!("reading the body: {}", cause_of(&err))),
                captures: Vec::new(),
            };
        }
    };
    let latency = started.elapsed();
    let (problem, captures) = judge(check, request, status, &headers, &body);
    Attempt {
        status: Some(status),
        latency,
        problem,
        captures,
    }
}

fn judge(
    check: &HttpCheck,
    request: &PreparedRequest,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> (Option<String>, Vec<(String, String)>) {
    if !check.status_ok(status) {
        let expected = if check.expect_status.is_empty() {
            "2xx".to_string()
        } else {
            check
                .expect_status
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        };
        return (
            Some(format!("status {status}, expected {expected}")),
            Vec::new(),
        );
    }
    if let Some(needle) = &request.expect_body
        && !String::from_utf8_lossy(body).contains(needle.as_str())
    {
        return (
            Some(format!("the body does not contain `{needle}`")),
            Vec::new(),
        );
    }
    for (name, expected) in &request.expect_header {
        match headers.get(name).and_then(|v| v.to_str().ok()) {
            Some(value) if value.contains(expected.as_str()) => {}
            Some(value) => {
                return (
                    Some(format!("header {name} is `{value}`, expected `{expected}`")),
                    Vec::new(),
                );
            }
            None => return (Some(format!("header {name} is missing")), Vec::new()),
        }
    }
    if check.expect_json.is_empty() && check.capture.is_empty() {
        return (None, Vec::new());
    }
    let json: serde_json::Value = match serde_json::from_slice(body) {
        Ok(json) => json,
        Err(err) => return (Some(format!("the body is not JSON: {err}")), Vec::new()),
    };
    for (pointer, expected) in &request.expect_json {
        match json.pointer(pointer) {
            Some(found) if found == expected => {}
            Some(found) => {
                return (
                    Some(format!("{pointer} is {found}, expected {expected}")),
                    Vec::new(),
                );
            }
            None => {
                return (
                    Some(format!("{pointer} is missing from the body")),
                    Vec::new(),
                );
            }
        }
    }
    let mut captures = Vec::new();
    for (name, pointer) in &check.capture {
        match json.pointer(&pointer.value) {
            Some(serde_json::Value::String(text)) => {
                captures.push((name.value.clone(), text.clone()))
            }
            Some(other) => captures.push((name.value.clone(), other.to_string())),
            None => {
                return (
                    Some(format!(
                        "cannot capture `{}`: {} is missing",
                        name.value, pointer.value
                    )),
                    Vec::new(),
                );
            }
        }
    }
    (None, captures)
}

pub fn describe(step: &HttpStep, scope: &Scope) -> Result<String, String> {
    prepare(&step.check, scope)
        .map(|r| r.display)
        .map_err(|e| e.to_string())
}

pub async fn execute(step: &HttpStep, ctx: &mut StepContext<'_>) -> Result<StepOutcome, StepStop> {
    let timeout = ctx.step.timeout.unwrap_or(ctx.settings.http_timeout);
    run_check(&step.check, ctx, timeout).await
}

/// Runs a check in its mode (once, poll, probe); shared with progressive gates.
pub async fn run_check(
    check: &HttpCheck,
    ctx: &mut StepContext<'_>,
    timeout: Duration,
) -> Result<StepOutcome, StepStop> {
    let request = match prepare(check, ctx.scope) {
        Ok(request) => request,
        Err(err) => return Ok(StepOutcome::fail(err.to_string())),
    };
    let clients = match ctx.http.get() {
        Ok(clients) => clients.clone(),
        Err(err) => return Ok(StepOutcome::fail(err)),
    };
    match &check.mode {
        HttpMode::Once => Ok(outcome_of(
            send_once(check, &request, &clients, timeout).await,
        )),
        HttpMode::Poll {
            interval,
            timeout: poll_timeout,
        } => {
            let give_up = Instant::now() + *poll_timeout;
            let mut tries = 0u32;
            loop {
                tries += 1;
                let attempt = send_once(check, &request, &clients, timeout).await;
                if attempt.problem.is_none() || Instant::now() + *interval > give_up {
                    let mut outcome = outcome_of(attempt);
                    if !outcome.passed {
                        outcome.message = format!(
                            "still failing after {} ({tries} tries): {}",
                            format_duration(*poll_timeout),
                            outcome.message
                        );
                    }
                    return Ok(outcome);
                }
                ctx.progress(format!(
                    "try {tries}: {}; next in {}",
                    attempt.problem.unwrap_or_default(),
                    format_duration(*interval)
                ));
                tokio::select! {
                    _ = tokio::time::sleep(*interval) => {}
                    _ = ctx.interrupt.aborted() => return Err(StepStop::Abort),
                }
            }
        }
        HttpMode::Probe(probe) => probe_run(check, probe, &request, &clients, ctx, timeout).await,
    }
}

fn outcome_of(attempt: Attempt) -> StepOutcome {
    let latency = format!("{} ms", attempt.latency.as_millis());
    let mut outcome = match attempt.problem {
        None => StepOutcome::pass(format!(
            "status {} in {latency}",
            attempt.status.unwrap_or_default()
        )),
        Some(problem) => StepOutcome::fail(problem),
    };
    outcome.http_status = attempt.status;
    outcome.captures = attempt.captures;
    outcome
}

async fn probe_run(
    check: &HttpCheck,
    probe: &Probe,
    request: &PreparedRequest,
    clients: &HttpClients,
    ctx: &mut StepContext<'_>,
    timeout: Duration,
) -> Result<StepOutcome, StepStop> {
    let mut tasks = tokio::task::JoinSet::new();
    let mut next = 0u32;
    let mut latencies = Vec::with_capacity(probe.samples as usize);
    let mut errors = 0u32;
    let launch = |tasks: &mut tokio::task::JoinSet<(u32, Attempt)>, sample: u32| {
        let (check, request, clients) = (check.clone(), request.clone(), clients.clone());
        tasks.spawn(async move { (sample, send_once(&check, &request, &clients, timeout).await) });
    };
    while next < probe.samples.min(probe.concurrency) {
        launch(&mut tasks, next);
        next += 1;
    }
    while let Some(joined) = tasks.join_next().await {
        let Ok((sample, attempt)) = joined else {
            continue;
        };
        let latency_ms = attempt.latency.as_secs_f64() * 1000.0;
        if attempt.problem.is_some() {
            errors += 1;
        }
        latencies.push(latency_ms);
        ctx.emitter
            .emit(Event::Probe {
                step: ctx.step.id.value.clone(),
                sample,
                latency_ms,
                status: attempt.status,
                error: attempt.problem,
            })
            .await?;
        if next < probe.samples {
            launch(&mut tasks, next);
            next += 1;
        }
    }
    let summary = ProbeSummary::of(&latencies, errors);
    let limits = [
        ("p95", probe.max_p95, summary.p95),
        ("p99", probe.max_p99, summary.p99),
    ];
    let mut problems: Vec<String> = limits
        .into_iter()
        .filter_map(|(name, max, measured)| {
            let max = max?;
            (measured > max.as_secs_f64() * 1000.0)
                .then(|| format!("{name} {measured:.0} ms > {}", format_duration(max)))
        })
        .collect();
    if let Some(max) = probe.max_error_rate
        && summary.error_rate > max
    {
        problems.push(format!(
            "error rate {:.2} % > {:.2} %",
            summary.error_rate * 100.0,
            max * 100.0
        ));
    }
    let figures = summary.to_string();
    Ok(if problems.is_empty() {
        StepOutcome::pass(figures)
    } else {
        StepOutcome::fail(format!("{}: {figures}", problems.join("; ")))
    })
}

/// Latency percentiles (nearest rank) and error rate of a probe.
#[derive(Debug, PartialEq)]
pub struct ProbeSummary {
    pub samples: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub error_rate: f64,
}

impl ProbeSummary {
    pub fn of(latencies_ms: &[f64], errors: u32) -> Self {
        let mut sorted = latencies_ms.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            if sorted.is_empty() {
                return 0.0;
            }
            let index = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            sorted[index.clamp(1, sorted.len()) - 1]
        };
        Self {
            samples: sorted.len(),
            p50: rank(50.0),
            p95: rank(95.0),
            p99: rank(99.0),
            error_rate: if sorted.is_empty() {
                0.0
            } else {
                errors as f64 / sorted.len() as f64
            },
        }
    }
}

impl std::fmt::Display for ProbeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} samples: p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms, errors {:.2} %",
            self.samples,
            self.p50,
            self.p95,
            self.p99,
            self.error_rate * 100.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ProbeSummary;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let latencies: Vec<f64> = (1..=100).map(f64::from).collect();
        let summary = ProbeSummary::of(&latencies, 3);
        assert_eq!((summary.p50, summary.p95, summary.p99), (50.0, 95.0, 99.0));
        assert!((summary.error_rate - 0.03).abs() < 1e-9);
    }
}
