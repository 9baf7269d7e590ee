//! The metric gates of a step for the reports: each gate's samples counted three ways, why the
//! inconclusive ones were, and every sample as the journal holds it.

use serde::Serialize;

use crate::engine::metric_sample::{MetricSample, ReasonCounts, SampleVerdict};
use crate::journal::history::model::{AttemptRecord, StepRecord};

#[derive(Debug, Serialize)]
pub(crate) struct GatePart {
    /// The gate and stage (`error-rate at 10%`), or `samples` for a metric step.
    pub label: String,
    pub attempt: u32,
    pub passed: u32,
    pub failed: u32,
    pub inconclusive: u32,
    /// Each distinct reason a sample was inconclusive, with how many times.
    pub inconclusive_reasons: ReasonCounts,
    pub samples: Vec<MetricSample>,
}

/// One part per gate and stage of every attempt, in the order they were sampled.
pub(crate) fn gate_parts(step: &StepRecord) -> Vec<GatePart> {
    step.attempts.iter().flat_map(gate_parts_of).collect()
}

/// One part per gate and stage of one attempt.
pub(crate) fn gate_parts_of(attempt: &AttemptRecord) -> Vec<GatePart> {
    let mut parts: Vec<GatePart> = Vec::new();
    for sample in &attempt.metrics {
        let label = label_of(sample);
        let at = match parts
            .iter()
            .position(|part| part.label == label && part.attempt == attempt.number)
        {
            Some(at) => at,
            None => {
                parts.push(GatePart {
                    label,
                    attempt: attempt.number,
                    passed: 0,
                    failed: 0,
                    inconclusive: 0,
                    inconclusive_reasons: ReasonCounts::default(),
                    samples: Vec::new(),
                });
                parts.len() - 1
            }
        };
        let part = &mut parts[at];
        match sample.verdict {
            SampleVerdict::Pass => part.passed += 1,
            SampleVerdict::Fail => part.failed += 1,
            SampleVerdict::Inconclusive => {
                part.inconclusive += 1;
                part.inconclusive_reasons.add(&sample.reason);
            }
        }
        part.samples.push(sample.clone());
    }
    parts
}

fn label_of(sample: &MetricSample) -> String {
    sample.place().unwrap_or_else(|| "samples".to_string())
}

/// "2× the query: no data (no series)", or "none".
pub(crate) fn reasons_text(part: &GatePart) -> String {
    if part.inconclusive_reasons.is_empty() {
        return "none".into();
    }
    part.inconclusive_reasons.to_string()
}
