//! Executes a `metric` step (and a progressive step's metric gate): after `initial_delay`,
//! `samples` instant queries `interval` apart, each journaled with its verdict as it is taken;
//! the gate ends early when a limit is reached. An inconclusive gate goes to a person.

use std::time::Duration;

use tokio::time::Instant;

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::engine::events::Event;
use crate::engine::metric_sample::{MetricSample, ReasonCounts, SampleVerdict};
use crate::runbook::duration::format_duration;
use crate::runbook::kinds::metric::{MetricCheck, MetricCondition, MetricStep, Reduce};
use crate::runbook::model::FailurePolicy;
use crate::runbook::template::{Quoting, RenderError, Scope};

use super::http::Budget;
use super::http_send::{Outgoing, exchange};
use super::metric_response::read_answer;
use super::metric_verdict::{GateVerdict, QueryError, QueryOutcome, Tally, judge};

/// A Prometheus answer larger than this is refused: a gate reads one number.
const MAX_ANSWER: u64 = 4 << 20;

/// Where a gate's samples belong: a progressive step's gate at a stage, or the step itself.
#[derive(Clone, Debug, Default)]
pub(crate) struct GatePlace {
    pub gate: Option<String>,
    pub stage: Option<u8>,
}

/// A gate with every template rendered.
struct PreparedGate {
    url: String,
    /// Secrets masked: what is shown.
    url_shown: String,
    query: String,
    query_shown: String,
    baseline: Option<(String, String)>,
    headers: Vec<(String, String)>,
}

fn prepare(check: &MetricCheck, scope: &Scope) -> Result<PreparedGate, RenderError> {
    let url = check.url.render(scope, Quoting::Verbatim)?;
    let query = check.query.render(scope, Quoting::Verbatim)?;
    let baseline = match &check.condition {
        MetricCondition::Baseline { query, .. } => {
            let rendered = query.render(scope, Quoting::Verbatim)?;
            Some((rendered.text, rendered.display))
        }
        MetricCondition::Bounds { .. } => None,
    };
    let mut headers = Vec::new();
    for (name, value) in &check.headers {
        headers.push((
            name.value.clone(),
            value.render(scope, Quoting::Verbatim)?.text,
        ));
    }
    Ok(PreparedGate {
        url: url.text,
        url_shown: url.display,
        query: query.text,
        query_shown: query.display,
        baseline,
        headers,
    })
}

/// What is shown before the step runs and journaled with its start.
pub(crate) fn shown(check: &MetricCheck, scope: &Scope) -> Result<String, RenderError> {
    let prepared = prepare(check, scope)?;
    let url = &prepared.url_shown;
    let condition = match (&check.condition, &prepared.baseline) {
        (MetricCondition::Bounds { min, max }, _) => match (min, max) {
            (Some(min), Some(max)) => format!("between {min} and {max}"),
            (Some(min), None) => format!("≥ {min}"),
            (None, Some(max)) => format!("≤ {max}"),
            (None, None) => String::new(),
        },
        (
            MetricCondition::Baseline {
                max_ratio,
                max_increase,
                ..
            },
            Some((_, baseline)),
        ) => {
            let mut limits = Vec::new();
            if let Some(ratio) = max_ratio {
                limits.push(format!("≤ {ratio} × baseline"));
            }
            if let Some(increase) = max_increase {
                limits.push(format!("≤ baseline + {increase}"));
            }
            format!("{} (baseline: {baseline})", limits.join(" and "))
        }
        (MetricCondition::Baseline { .. }, None) => unreachable!("prepared with its baseline"),
    };
    Ok(format!(
        "prometheus {url}: {} {condition} · {} sample{} every {}",
        prepared.query_shown,
        check.samples,
        if check.samples == 1 { "" } else { "s" },
        format_duration(check.interval)
    ))
}

pub(crate) async fn execute(
    step: &MetricStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    let scope = ctx.scope.clone();
    let run = run_gate(&step.check, ctx, &scope, GatePlace::default()).await?;
    Ok(run.into_outcome())
}

/// How a gate ended, in words for the step's result.
pub(crate) struct GateRun {
    pub verdict: GateVerdict,
    pub message: String,
}

impl GateRun {
    /// A failed gate fails the step under its policy; an inconclusive one goes to a person
    /// (or to `--on-failure` when nobody is at the terminal), whatever the step's policy says.
    pub(crate) fn into_outcome(self) -> StepOutcome {
        match self.verdict {
            GateVerdict::Pass => StepOutcome::pass(self.message),
            GateVerdict::Fail => StepOutcome::fail(self.message),
            GateVerdict::Inconclusive => {
                let mut outcome = StepOutcome::fail(self.message);
                outcome.policy_override = Some(FailurePolicy::Ask);
                outcome
            }
        }
    }
}

pub(crate) async fn run_gate(
    check: &MetricCheck,
    ctx: &mut StepContext<'_>,
    scope: &Scope,
    place: GatePlace,
) -> Result<GateRun, StepStop> {
    let prepared = match prepare(check, scope) {
        Ok(prepared) => prepared,
        Err(err) => {
            return Ok(GateRun {
                verdict: GateVerdict::Fail,
                message: err.to_string(),
            });
        }
    };
    let client = match ctx
        .http
        .client_for(check.ca_file.as_ref().map(|f| f.value.as_str()))
    {
        Ok(client) => client,
        Err(err) => {
            return Ok(GateRun {
                verdict: GateVerdict::Fail,
                message: format!("cannot {}", crate::error_chain::error_chain(&err)),
            });
        }
    };
    let budget = Budget::of(check.timeout, ctx.settings.http_timeout);
    pause(
        ctx.settings.scaled(check.initial_delay),
        "initial delay",
        ctx,
    )
    .await?;
    let mut tally = Tally::default();
    let mut reasons = ReasonCounts::default();
    let mut last = String::new();
    for sample in 1..=check.samples {
        if sample > 1 {
            pause(ctx.settings.scaled(check.interval), "next sample", ctx).await?;
        }
        let time = unix_now();
        let started = Instant::now();
        let deadline = budget.request_deadline(None);
        let ask = |query: String| {
            let (client, prepared) = (&client, &prepared);
            async move { query_once(client, prepared, &query, time, deadline, check.reduce).await }
        };
        let (value, baseline) = match &prepared.baseline {
            Some((baseline, _)) => {
                let (value, baseline) =
                    tokio::join!(ask(prepared.query.clone()), ask(baseline.clone()));
                (value, Some(baseline))
            }
            None => (ask(prepared.query.clone()).await, None),
        };
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let judged = judge(check, &value, baseline.as_ref());
        let reading = |outcome: &QueryOutcome| match outcome {
            Ok(super::metric_response::Reading::Value {
                text, eval_time, ..
            }) => (Some(text.clone()), Some(*eval_time)),
            _ => (None, None),
        };
        let (value_text, eval_time) = reading(&value);
        ctx.emitter
            .emit(Event::MetricSample(Box::new(MetricSample {
                step: ctx.id().to_string(),
                gate: place.gate.clone(),
                stage: place.stage,
                sample,
                query: prepared.query_shown.clone(),
                eval_time,
                value: value_text,
                baseline_query: prepared.baseline.as_ref().map(|(_, shown)| shown.clone()),
                baseline: baseline.as_ref().and_then(|b| reading(b).0),
                verdict: judged.verdict,
                reason: judged.reason.clone(),
                latency_ms,
            })))
            .await?;
        ctx.progress(format!(
            "sample {sample}/{}: {} — {}",
            check.samples, judged.verdict, judged.reason
        ));
        tally.add(judged.verdict);
        if judged.verdict != SampleVerdict::Pass {
            reasons.add(&judged.reason);
        }
        last = judged.reason;
        if tally.decided(check).is_some() {
            break;
        }
    }
    let verdict = tally.verdict(check);
    let message = match verdict {
        GateVerdict::Pass => format!("{tally} (last: {last})"),
        GateVerdict::Fail => format!(
            "{tally}; failure_limit {} reached: {reasons}",
            check.failure_limit
        ),
        GateVerdict::Inconclusive if reasons.is_empty() => {
            format!("inconclusive, a person decides: {tally}; no sample passed")
        }
        GateVerdict::Inconclusive => {
            format!("inconclusive, a person decides: {tally}; {reasons}")
        }
    };
    Ok(GateRun { verdict, message })
}

/// One instant query at `time`. A transport failure, a timeout or an unusable answer is
/// an error in words; the verdict decides what it is worth.
async fn query_once(
    client: &reqwest::Client,
    prepared: &PreparedGate,
    promql: &str,
    time: f64,
    deadline: Instant,
    reduce: Option<Reduce>,
) -> QueryOutcome {
    let mut url = reqwest::Url::parse(&format!(
        "{}/api/v1/query",
        prepared.url.trim_end_matches('/')
    ))
    .map_err(|source| QueryError::Url {
        url: prepared.url.clone(),
        source,
    })?;
    url.query_pairs_mut()
        .append_pair("query", promql)
        .append_pair("time", &format!("{time:.3}"));
    let outgoing = Outgoing {
        method: reqwest::Method::GET,
        url: url.as_str(),
        headers: &prepared.headers,
        body: None,
        follow_redirects: false,
    };
    let answer = exchange(client, &outgoing, MAX_ANSWER, deadline)
        .await
        .map_err(QueryError::NoAnswer)?;
    if answer.truncated {
        return Err(QueryError::TooLarge {
            limit: MAX_ANSWER,
            status: answer.status,
        });
    }
    read_answer(&answer.body, reduce).map_err(|error| match answer.status {
        200..=299 => QueryError::Answer(error),
        status => QueryError::Status { status, error },
    })
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

async fn pause(duration: Duration, what: &str, ctx: &mut StepContext<'_>) -> Result<(), StepStop> {
    if duration.is_zero() {
        return Ok(());
    }
    ctx.progress(format!("{what} in {}", format_duration(duration)));
    tokio::select! {
        _ = tokio::time::sleep(duration) => Ok(()),
        _ = ctx.interrupt.stop_requested() => Err(StepStop::Abort),
    }
}
