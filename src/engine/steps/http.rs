//! Executes an `http` step (and a progressive gate): one request, a poll until the
//! expectations hold, or an SLO probe of many requests judged on percentiles and errors.

use std::time::Duration;

use tokio::time::Instant;

use crate::engine::context::{Captured, StepContext, StepOutcome, StepStop};
use crate::runbook::duration::{format_duration, human_ms};
use crate::runbook::kinds::http::{HttpBody, HttpCheck, HttpMode, HttpStep};
use crate::runbook::template::{Quoting, RenderError, Scope, Template};

use super::http_probe::probe_run;
use super::http_send::{Outgoing, exchange};

/// A check with every template rendered.
#[derive(Clone)]
pub(crate) struct PreparedRequest {
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

pub(crate) fn prepare(check: &HttpCheck, scope: &Scope) -> Result<PreparedRequest, RenderError> {
    let url = check.url.render(scope, Quoting::Verbatim)?;
    // What is shown and journaled is the whole request an approver approves: the method and
    // URL, every header and the body, each secret masked.
    let mut display = format!("{} {}", check.method, url.display);
    let mut headers = Vec::new();
    for (name, value) in &check.headers {
        let value = value.render(scope, Quoting::Verbatim)?;
        display.push_str(&format!("\nheader {}: {}", name.value, value.display));
        headers.push((name.value.clone(), value.text));
    }
    let body = match &check.body {
        Some(HttpBody::Text(text)) => {
            let text = text.render(scope, Quoting::Verbatim)?;
            display.push_str(&format!("\nbody {}", text.display));
            Some((text.text.into_bytes(), None))
        }
        Some(HttpBody::Json(value, _)) => {
            let rendered = render_json(value, scope)?;
            let shown = render_json_shown(value, scope)?;
            display.push_str(&format!("\njson {shown}"));
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
        display,
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

/// A JSON body with its placeholders filled in: what is sent.
fn render_json(value: &serde_json::Value, scope: &Scope) -> Result<serde_json::Value, RenderError> {
    fill_json(value, &|text| {
        Ok(Template::literal_parse(text)
            .render(scope, Quoting::Verbatim)?
            .text)
    })
}

/// A JSON body as it is shown and journaled: secrets masked, compact, on one line.
fn render_json_shown(value: &serde_json::Value, scope: &Scope) -> Result<String, RenderError> {
    let shown = fill_json(value, &|text| {
        Ok(Template::literal_parse(text)
            .render(scope, Quoting::Verbatim)?
            .display)
    })?;
    Ok(serde_json::to_string(&shown).expect("JSON values serialize"))
}

fn fill_json(
    value: &serde_json::Value,
    fill: &dyn Fn(&str) -> Result<String, RenderError>,
) -> Result<serde_json::Value, RenderError> {
    Ok(match value {
        serde_json::Value::String(text) => serde_json::Value::String(fill(text)?),
        serde_json::Value::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|i| fill_json(i, fill))
                .collect::<Result<_, _>>()?,
        ),
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), fill_json(v, fill)?)))
                .collect::<Result<_, RenderError>>()?,
        ),
        other => other.clone(),
    })
}

/// The result of one request against the expectations.
pub(crate) struct Attempt {
    pub status: Option<u16>,
    pub latency: Duration,
    /// `None` when every expectation held.
    pub problem: Option<String>,
    pub captures: Vec<Captured>,
}

/// How long a check may take: each request at most `per_request`, and the whole check (a poll,
/// a probe) ends by `until` — the step's `timeout` bounds the step, not each request in it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    pub per_request: Duration,
    pub until: Option<Instant>,
}

impl Budget {
    /// A step's or gate's `timeout` bounds it whole and each request in it; without one, each
    /// request gets the run's default and the check has no end of its own.
    pub(crate) fn of(timeout: Option<Duration>, default_per_request: Duration) -> Self {
        Self {
            per_request: timeout.unwrap_or(default_per_request),
            until: timeout.map(|t| Instant::now() + t),
        }
    }

    /// When a request started now must end.
    pub(crate) fn request_deadline(&self, also_by: Option<Instant>) -> Instant {
        let mut deadline = Instant::now() + self.per_request;
        for limit in [self.until, also_by].into_iter().flatten() {
            deadline = deadline.min(limit);
        }
        deadline
    }

    pub(crate) fn over(&self) -> bool {
        self.until.is_some_and(|until| Instant::now() >= until)
    }
}

/// Sends the request once (following redirects if asked) and judges the answer.
pub(crate) async fn send_once(
    check: &HttpCheck,
    request: &PreparedRequest,
    client: &reqwest::Client,
    deadline: Instant,
) -> Attempt {
    let started = Instant::now();
    let outgoing = Outgoing {
        method: request.method.clone(),
        url: &request.url,
        headers: &request.headers,
        body: request.body.as_ref(),
        follow_redirects: check.follow_redirects,
    };
    // Nothing inspects the body: it is read to its end and thrown away.
    let inspects = request.expect_body.is_some() || check.inspects_json();
    let keep = if inspects { check.max_body } else { 0 };
    let answer = match exchange(client, &outgoing, keep, deadline).await {
        Ok(answer) => answer,
        Err(problem) => {
            return Attempt {
                status: None,
                latency: started.elapsed(),
                problem: Some(problem.to_string()),
                captures: Vec::new(),
            };
        }
    };
    let latency = started.elapsed();
    let (mut problem, captures) =
        judge(check, request, answer.status, &answer.headers, &answer.body);
    if inspects
        && answer.truncated
        && let Some(found) = &mut problem
    {
        found.push_str(&format!(
            " (only the first {} of {} bytes were inspected: raise `max_body` to see more)",
            answer.body.len(),
            answer.total_bytes
        ));
    }
    Attempt {
        status: Some(answer.status),
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
) -> (Option<String>, Vec<Captured>) {
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
    for capture in &check.capture {
        let value = match json.pointer(&capture.pointer.value) {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
            None => {
                return (
                    Some(format!(
                        "cannot capture `{}`: {} is missing",
                        capture.name.value, capture.pointer.value
                    )),
                    Vec::new(),
                );
            }
        };
        captures.push(Captured {
            name: capture.name.value.clone(),
            value,
            secret: capture.secret,
        });
    }
    (None, captures)
}

pub(crate) fn shown(step: &HttpStep, scope: &Scope) -> Result<String, RenderError> {
    prepare(&step.check, scope).map(|r| r.display)
}

pub(crate) async fn execute(
    step: &HttpStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    let budget = Budget::of(ctx.step.timeout, ctx.settings.http_timeout);
    run_check(&step.check, ctx, budget).await
}

/// Runs a check in its mode (once, poll, probe); shared with progressive gates.
pub(crate) async fn run_check(
    check: &HttpCheck,
    ctx: &mut StepContext<'_>,
    budget: Budget,
) -> Result<StepOutcome, StepStop> {
    let request = match prepare(check, ctx.scope) {
        Ok(request) => request,
        Err(err) => return Ok(StepOutcome::fail(err.to_string())),
    };
    let client = match ctx
        .http
        .client_for(check.ca_file.as_ref().map(|f| f.value.as_str()))
    {
        Ok(client) => client,
        Err(err) => {
            return Ok(StepOutcome::fail(format!(
                "cannot {}",
                crate::error_chain::error_chain(&err)
            )));
        }
    };
    match &check.mode {
        HttpMode::Once => Ok(outcome_of(
            send_once(check, &request, &client, budget.request_deadline(None)).await,
        )),
        HttpMode::Poll {
            interval,
            timeout: poll_timeout,
        } => {
            let interval = &ctx.settings.scaled(*interval);
            let poll_timeout = &ctx.settings.scaled(*poll_timeout);
            let started = Instant::now();
            let give_up = budget.until.map_or(started + *poll_timeout, |until| {
                until.min(started + *poll_timeout)
            });
            let mut tries = 0u32;
            loop {
                tries += 1;
                let attempt = send_once(
                    check,
                    &request,
                    &client,
                    budget.request_deadline(Some(give_up)),
                )
                .await;
                if attempt.problem.is_none() || Instant::now() + *interval >= give_up {
                    let mut outcome = outcome_of(attempt);
                    if !outcome.passed {
                        outcome.message = format!(
                            "still failing after {} ({tries} tries): {}",
                            human_ms(started.elapsed().as_millis() as u64),
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
                    _ = ctx.interrupt.stop_requested() => return Err(StepStop::Abort),
                }
            }
        }
        HttpMode::Probe(probe) => probe_run(check, probe, &request, &client, ctx, budget).await,
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
