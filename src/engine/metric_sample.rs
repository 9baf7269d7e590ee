//! The protocol, one measurement of a metric gate: what was asked of the monitoring, what it
//! answered, and the verdict — kept whole so that the journal holds every sample as evidence.

use serde::{Deserialize, Serialize};

/// A sample's verdict. Inconclusive is a verdict of its own: missing data is neither a pass
/// nor a failure, and is never counted as either.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleVerdict {
    Pass,
    Fail,
    Inconclusive,
}

impl SampleVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Inconclusive => "inconclusive",
        }
    }
}

impl std::fmt::Display for SampleVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSample {
    pub step: String,
    /// The gate's name, for a progressive step's gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// The rollout stage (percent), for a progressive step's gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<u8>,
    /// 1, 2, … within the gate's run.
    pub sample: u32,
    /// The PromQL as sent, secrets masked.
    pub query: String,
    /// Prometheus's evaluation time (Unix seconds), when it answered with a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_time: Option<f64>,
    /// The value as Prometheus wrote it (`"0.013"`, `"NaN"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The baseline query as sent, and its value, for a comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub verdict: SampleVerdict,
    /// Why: the condition and the value, or why there was no usable value.
    pub reason: String,
    /// The round trip of the query (both queries for a comparison).
    pub latency_ms: f64,
}

impl MetricSample {
    /// Which gate the sample belongs to, in words: `canary-errors at 10%`, or `None` for a
    /// metric step's own samples.
    pub fn place(&self) -> Option<String> {
        match (&self.gate, self.stage) {
            (Some(gate), Some(stage)) => Some(format!("{gate} at {stage}%")),
            (Some(gate), None) => Some(gate.clone()),
            _ => None,
        }
    }
}

/// Distinct reasons with how many samples gave each, in the order first seen: what a gate's
/// message and the reports say of the samples that did not pass.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(crate) struct ReasonCounts(pub Vec<(String, u32)>);

impl ReasonCounts {
    pub(crate) fn add(&mut self, reason: &str) {
        match self.0.iter_mut().find(|(known, _)| known == reason) {
            Some((_, count)) => *count += 1,
            None => self.0.push((reason.to_string(), 1)),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// "2× the query: no data (no series); 1× …"
impl std::fmt::Display for ReasonCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, (reason, count)) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{count}× {reason}")?;
        }
        Ok(())
    }
}
