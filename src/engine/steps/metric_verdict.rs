//! Judging a metric gate: each sample pass, fail or inconclusive, then the gate from the count.
//!
//! The rules that keep a gate honest: missing data (no series, NaN, ±Inf) and failed queries
//! are inconclusive unless the runbook spelled out otherwise; the gate fails at
//! `failure_limit` failures, goes to a person at `inconclusive_limit` inconclusive samples,
//! and passes only when samples passed — never because nothing failed.

use crate::engine::metric_sample::SampleVerdict;
use crate::runbook::kinds::metric::{DataPolicy, MetricCheck, MetricCondition};

use super::http_send::ExchangeError;
use super::metric_response::{AnswerError, Reading, short_value};

/// One query's outcome: a reading, or why there is none (a transport or answer error).
pub(crate) type QueryOutcome = Result<Reading, QueryError>;

/// Why a query gave no reading; the verdict decides what that is worth.
#[derive(Debug, thiserror::Error)]
pub(crate) enum QueryError {
    #[error("`{url}` is not a URL: {source}")]
    Url {
        url: String,
        #[source]
        source: url::ParseError,
    },
    #[error("Prometheus did not answer: {0}")]
    NoAnswer(#[source] ExchangeError),
    #[error("the answer is larger than {} MiB (status {status})", limit >> 20)]
    TooLarge { limit: u64, status: u16 },
    #[error("{0}")]
    Answer(#[source] AnswerError),
    #[error("status {status}: {error}")]
    Status {
        status: u16,
        #[source]
        error: AnswerError,
    },
}

/// A sample's verdict and its reason in words.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Judged {
    pub verdict: SampleVerdict,
    pub reason: String,
}

/// A usable number, or the verdict and reason that stand in for it.
fn usable(outcome: &QueryOutcome, check: &MetricCheck, what: &str) -> Result<f64, Judged> {
    let (policy, field, why) = match outcome {
        Err(error) => (check.on_error, "on_error", format!("{what}: {error}")),
        Ok(Reading::NoData) => (
            check.on_no_data,
            "on_no_data",
            format!("{what}: no data (no series)"),
        ),
        Ok(Reading::Value { value, text, .. }) if !value.is_finite() => (
            check.on_no_data,
            "on_no_data",
            format!("{what}: no usable value ({text})"),
        ),
        Ok(Reading::Value { value, .. }) => return Ok(*value),
    };
    Err(match policy {
        DataPolicy::Inconclusive => Judged {
            verdict: SampleVerdict::Inconclusive,
            reason: why,
        },
        DataPolicy::Fail => Judged {
            verdict: SampleVerdict::Fail,
            reason: format!("{why}; counted as a failure by `{field} = \"fail\"`"),
        },
        DataPolicy::Pass => Judged {
            verdict: SampleVerdict::Pass,
            reason: format!("{why}; counted as a pass by `{field} = \"pass\"`"),
        },
    })
}

/// Judges one sample: the query's outcome and, for a comparison, the baseline's.
pub(crate) fn judge(
    check: &MetricCheck,
    value: &QueryOutcome,
    baseline: Option<&QueryOutcome>,
) -> Judged {
    let value = match usable(value, check, "the query") {
        Ok(value) => value,
        Err(judged) => return judged,
    };
    let shown = short_value(value);
    let (failed, condition) = match &check.condition {
        MetricCondition::Bounds { min, max } => {
            if let Some(max) = max
                && value > *max
            {
                (true, format!("{shown} > max {max}"))
            } else if let Some(min) = min
                && value < *min
            {
                (true, format!("{shown} < min {min}"))
            } else {
                (false, bounds_text(&shown, *min, *max))
            }
        }
        MetricCondition::Baseline {
            max_ratio,
            max_increase,
            ..
        } => {
            let Some(baseline) = baseline else {
                unreachable!("a comparison is always sampled with its baseline")
            };
            let base = match usable(baseline, check, "the baseline") {
                Ok(base) => base,
                Err(judged) => return judged,
            };
            let base_shown = short_value(base);
            let mut problems = Vec::new();
            let mut holds = Vec::new();
            if let Some(ratio) = max_ratio {
                if value > base * ratio {
                    problems.push(format!("{shown} > baseline {base_shown} × {ratio}"));
                } else {
                    holds.push(format!("{shown} ≤ baseline {base_shown} × {ratio}"));
                }
            }
            if let Some(increase) = max_increase {
                if value > base + increase {
                    problems.push(format!("{shown} > baseline {base_shown} + {increase}"));
                } else {
                    holds.push(format!("{shown} ≤ baseline {base_shown} + {increase}"));
                }
            }
            if problems.is_empty() {
                (false, holds.join(", "))
            } else {
                (true, problems.join(", "))
            }
        }
    };
    Judged {
        verdict: if failed {
            SampleVerdict::Fail
        } else {
            SampleVerdict::Pass
        },
        reason: condition,
    }
}

fn bounds_text(shown: &str, min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{min} ≤ {shown} ≤ {max}"),
        (Some(min), None) => format!("{shown} ≥ min {min}"),
        (None, Some(max)) => format!("{shown} ≤ max {max}"),
        (None, None) => shown.to_string(),
    }
}

/// How a gate ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GateVerdict {
    Pass,
    Fail,
    /// Not enough usable data to say: a person decides.
    Inconclusive,
}

/// The samples counted so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub passed: u32,
    pub failed: u32,
    pub inconclusive: u32,
}

impl Tally {
    pub(crate) fn add(&mut self, verdict: SampleVerdict) {
        match verdict {
            SampleVerdict::Pass => self.passed += 1,
            SampleVerdict::Fail => self.failed += 1,
            SampleVerdict::Inconclusive => self.inconclusive += 1,
        }
    }

    pub(crate) fn taken(&self) -> u32 {
        self.passed + self.failed + self.inconclusive
    }

    /// The gate's verdict as soon as a limit is reached; failures are counted first.
    pub(crate) fn decided(&self, check: &MetricCheck) -> Option<GateVerdict> {
        if self.failed >= check.failure_limit {
            Some(GateVerdict::Fail)
        } else if self.inconclusive >= check.inconclusive_limit {
            Some(GateVerdict::Inconclusive)
        } else {
            None
        }
    }

    /// The verdict once every sample is taken: a limit reached, else a pass only if some
    /// sample passed.
    pub(crate) fn verdict(&self, check: &MetricCheck) -> GateVerdict {
        match self.decided(check) {
            Some(verdict) => verdict,
            None if self.passed == 0 => GateVerdict::Inconclusive,
            None => GateVerdict::Pass,
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let taken = self.taken();
        write!(
            f,
            "{taken} sample{}: {} passed, {} failed, {} inconclusive",
            if taken == 1 { "" } else { "s" },
            self.passed,
            self.failed,
            self.inconclusive
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::runbook::template::Template;

    fn check(condition: MetricCondition) -> MetricCheck {
        MetricCheck {
            url: Template::literal("http://127.0.0.1:9090"),
            query: Template::literal("up"),
            condition,
            samples: 5,
            interval: Duration::from_secs(1),
            initial_delay: Duration::ZERO,
            failure_limit: 2,
            inconclusive_limit: 2,
            on_no_data: DataPolicy::Inconclusive,
            on_error: DataPolicy::Inconclusive,
            reduce: None,
            headers: Vec::new(),
            ca_file: None,
            timeout: None,
        }
    }

    fn at_most(max: f64) -> MetricCheck {
        check(MetricCondition::Bounds {
            min: None,
            max: Some(max),
        })
    }

    fn value(v: f64) -> QueryOutcome {
        Ok(Reading::Value {
            text: super::super::metric_response::format_value(v),
            value: v,
            eval_time: 1.0,
        })
    }

    #[test]
    fn bounds_pass_and_fail() {
        let gate = at_most(0.01);
        assert_eq!(
            judge(&gate, &value(0.005), None).verdict,
            SampleVerdict::Pass
        );
        let over = judge(&gate, &value(0.2), None);
        assert_eq!(over.verdict, SampleVerdict::Fail);
        assert_eq!(over.reason, "0.2 > max 0.01");
        let floor = check(MetricCondition::Bounds {
            min: Some(0.99),
            max: None,
        });
        assert_eq!(
            judge(&floor, &value(0.5), None).verdict,
            SampleVerdict::Fail
        );
    }

    #[test]
    fn missing_data_is_inconclusive_never_a_pass() {
        let gate = at_most(0.01);
        for outcome in [
            Ok(Reading::NoData),
            value(f64::NAN),
            value(f64::INFINITY),
            value(f64::NEG_INFINITY),
            Err(QueryError::NoAnswer(ExchangeError::Send(
                "connection refused".into(),
            ))),
        ] {
            let judged = judge(&gate, &outcome, None);
            assert_eq!(judged.verdict, SampleVerdict::Inconclusive, "{outcome:?}");
        }
    }

    #[test]
    fn the_runbook_may_say_otherwise_in_so_many_words() {
        let mut gate = at_most(0.01);
        gate.on_no_data = DataPolicy::Fail;
        gate.on_error = DataPolicy::Pass;
        let no_data = judge(&gate, &Ok(Reading::NoData), None);
        assert_eq!(no_data.verdict, SampleVerdict::Fail);
        assert!(
            no_data.reason.contains("on_no_data = \"fail\""),
            "{}",
            no_data.reason
        );
        let error = judge(
            &gate,
            &Err(QueryError::NoAnswer(ExchangeError::TimedOut(2000))),
            None,
        );
        assert_eq!(error.verdict, SampleVerdict::Pass);
        assert!(
            error.reason.contains("on_error = \"pass\""),
            "{}",
            error.reason
        );
    }

    #[test]
    fn a_baseline_compares_ratio_and_increase() {
        let ratio = check(MetricCondition::Baseline {
            query: Template::literal("base"),
            max_ratio: Some(1.5),
            max_increase: None,
        });
        assert_eq!(
            judge(&ratio, &value(0.014), Some(&value(0.01))).verdict,
            SampleVerdict::Pass
        );
        assert_eq!(
            judge(&ratio, &value(0.02), Some(&value(0.01))).verdict,
            SampleVerdict::Fail
        );
        let increase = check(MetricCondition::Baseline {
            query: Template::literal("base"),
            max_ratio: None,
            max_increase: Some(0.05),
        });
        assert_eq!(
            judge(&increase, &value(0.2), Some(&value(0.1))).verdict,
            SampleVerdict::Fail
        );
        let no_baseline = judge(&increase, &value(0.1), Some(&Ok(Reading::NoData)));
        assert_eq!(no_baseline.verdict, SampleVerdict::Inconclusive);
        assert!(
            no_baseline.reason.starts_with("the baseline"),
            "{}",
            no_baseline.reason
        );
    }

    #[test]
    fn the_gate_counts_three_ways() {
        let gate = at_most(1.0);
        let tally = |verdicts: &[SampleVerdict]| {
            let mut tally = Tally::default();
            for verdict in verdicts {
                tally.add(*verdict);
            }
            tally
        };
        use SampleVerdict::{Fail, Inconclusive, Pass};
        assert_eq!(tally(&[Pass, Fail]).decided(&gate), None);
        assert_eq!(
            tally(&[Fail, Pass, Fail]).decided(&gate),
            Some(GateVerdict::Fail)
        );
        assert_eq!(
            tally(&[Inconclusive, Pass, Inconclusive]).decided(&gate),
            Some(GateVerdict::Inconclusive)
        );
        // Failures are counted before inconclusive samples.
        assert_eq!(
            tally(&[Inconclusive, Fail, Inconclusive, Fail]).decided(&gate),
            Some(GateVerdict::Fail)
        );
        assert_eq!(
            tally(&[Pass, Fail, Inconclusive, Pass, Pass]).verdict(&gate),
            GateVerdict::Pass
        );
    }

    #[test]
    fn a_gate_never_passes_because_nothing_failed() {
        let mut gate = at_most(1.0);
        gate.inconclusive_limit = 5;
        let mut tally = Tally::default();
        for _ in 0..4 {
            tally.add(SampleVerdict::Inconclusive);
        }
        assert_eq!(tally.decided(&gate), None);
        assert_eq!(tally.verdict(&gate), GateVerdict::Inconclusive);
        assert_eq!(Tally::default().verdict(&gate), GateVerdict::Inconclusive);
    }
}
