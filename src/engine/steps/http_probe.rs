//! An SLO probe: `samples` requests, `concurrency` at a time, judged on latency percentiles and
//! the error rate; every sample journaled. The step's `timeout` ends the probe: what did not
//! answer by then counts as an error, and the message says how many samples ran.

use tokio::time::Instant;

use super::http::{Attempt, Budget, PreparedRequest, send_once};
use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::engine::events::Event;
use crate::runbook::duration::{format_duration, human_ms};
use crate::runbook::kinds::http::{HttpCheck, Probe};

/// Probe samples committed to the journal together: one sync for this many.
const SAMPLES_PER_COMMIT: usize = 256;

pub(crate) async fn probe_run(
    check: &HttpCheck,
    probe: &Probe,
    request: &PreparedRequest,
    client: &reqwest::Client,
    ctx: &mut StepContext<'_>,
    budget: Budget,
) -> Result<StepOutcome, StepStop> {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut next = 0u32;
    let mut latencies = Vec::with_capacity(probe.samples as usize);
    let mut errors = 0u32;
    let launch = |tasks: &mut tokio::task::JoinSet<(u32, Attempt)>, sample: u32| {
        let (check, request, client) = (check.clone(), request.clone(), client.clone());
        let deadline = budget.request_deadline(None);
        tasks.spawn(async move { (sample, send_once(&check, &request, &client, deadline).await) });
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
        // A sample is a measurement inside the step, not a side effect of its own: samples are
        // handed to the journal as they come and committed in groups, all of them before the
        // step's result. Waiting for a sync per sample made the probe a fifth of `ab`'s rate.
        ctx.emitter.emit_deferred(Event::Probe {
            step: ctx.step.id.value.clone(),
            sample,
            latency_ms,
            status: attempt.status,
            error: attempt.problem,
        })?;
        if latencies.len() % SAMPLES_PER_COMMIT == 0 {
            ctx.emitter.flush().await?;
        }
        if next < probe.samples && !budget.over() {
            launch(&mut tasks, next);
            next += 1;
        }
    }
    ctx.emitter.flush().await?;
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
    if (latencies.len() as u32) < probe.samples {
        problems.push(format!(
            "the step's timeout ended the probe after {} with {} of {} samples",
            human_ms(started.elapsed().as_millis() as u64),
            latencies.len(),
            probe.samples
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
pub(crate) struct ProbeSummary {
    pub samples: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub error_rate: f64,
}

impl ProbeSummary {
    pub(crate) fn of(latencies_ms: &[f64], errors: u32) -> Self {
        let mut sorted = latencies_ms.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| crate::nearest_rank::nearest_rank(&sorted, p).unwrap_or(0.0);
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
            "{} samples: p50 {} ms, p95 {} ms, p99 {} ms, errors {:.2} %",
            self.samples,
            milliseconds(self.p50),
            milliseconds(self.p95),
            milliseconds(self.p99),
            self.error_rate * 100.0
        )
    }
}

/// Whole milliseconds from 10 ms up; below, tenths (a loopback answer takes 0.4 ms, and "0 ms"
/// would say it took nothing).
fn milliseconds(ms: f64) -> String {
    if ms >= 10.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
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
