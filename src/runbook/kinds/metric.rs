//! `kind = "metric"`: a gate on what the monitoring sees. Samples of a Prometheus instant query,
//! each judged pass, fail or inconclusive; also a `gate` table of a progressive step.
//!
//! Missing data never passes: no series, NaN, a query error or a silent server is inconclusive
//! unless the runbook says otherwise in so many words (`on_no_data`, `on_error`), and the gate
//! passes only on samples that passed.

use std::time::Duration;

use super::super::fields::TableReader;
use super::super::model::TemplateUse;
use super::super::source::Located;
use super::super::template::Template;

/// What a sample is worth when the data is missing or the query failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataPolicy {
    Inconclusive,
    Fail,
    /// Only ever written by the runbook's author, never a default.
    Pass,
}

impl DataPolicy {
    const WORDS: [(&'static str, DataPolicy); 3] = [
        ("inconclusive", DataPolicy::Inconclusive),
        ("fail", DataPolicy::Fail),
        ("pass", DataPolicy::Pass),
    ];
}

/// How several series become one number; without it, several series are an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    Sum,
    Max,
    Min,
    Avg,
}

/// What a sample's value must satisfy.
#[derive(Clone, Debug, PartialEq)]
pub enum MetricCondition {
    /// `min` and/or `max` on the value itself.
    Bounds { min: Option<f64>, max: Option<f64> },
    /// The value against a baseline query's value, sampled at the same moment.
    Baseline {
        query: Template,
        max_ratio: Option<f64>,
        max_increase: Option<f64>,
    },
}

#[derive(Clone, Debug)]
pub struct MetricCheck {
    /// The Prometheus base URL (`http://prometheus:9090`).
    pub url: Template,
    /// PromQL, templated.
    pub query: Template,
    pub condition: MetricCondition,
    pub samples: u32,
    pub interval: Duration,
    pub initial_delay: Duration,
    /// The gate fails when this many samples failed.
    pub failure_limit: u32,
    /// The gate goes to the operator when this many samples were inconclusive.
    pub inconclusive_limit: u32,
    pub on_no_data: DataPolicy,
    pub on_error: DataPolicy,
    pub reduce: Option<Reduce>,
    pub headers: Vec<(Located<String>, Template)>,
    pub ca_file: Option<Located<String>>,
    /// Per query; the run's HTTP timeout when not written.
    pub timeout: Option<Duration>,
}

#[derive(Clone, Debug)]
pub struct MetricStep {
    pub check: MetricCheck,
}

impl MetricStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        MetricCheck::parse(fields).map(|check| Self { check })
    }
}

impl MetricCheck {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let source_ok = parse_source(fields);
        let url = fields.required_template("url");
        let query = fields.required_template("query");
        let condition = parse_condition(fields);
        let samples = fields
            .integer_in("samples", 1..=10_000)
            .map_or(1, |n| n.value as u32);
        let interval = fields
            .duration("interval")
            .map_or(Duration::from_secs(30), |d| d.value);
        let initial_delay = fields
            .duration("initial_delay")
            .map_or(Duration::ZERO, |d| d.value);
        let failure_limit = limit(fields, "failure_limit", samples);
        let inconclusive_limit = limit(fields, "inconclusive_limit", samples);
        let on_no_data = fields
            .choice("on_no_data", &DataPolicy::WORDS)
            .unwrap_or(DataPolicy::Inconclusive);
        let on_error = fields
            .choice("on_error", &DataPolicy::WORDS)
            .unwrap_or(DataPolicy::Inconclusive);
        let reduce = fields.choice(
            "reduce",
            &[
                ("sum", Reduce::Sum),
                ("max", Reduce::Max),
                ("min", Reduce::Min),
                ("avg", Reduce::Avg),
            ],
        );
        let headers = fields.template_map("headers");
        let ca_file = fields.string("ca_file");
        let timeout = fields.duration("timeout").map(|d| d.value);
        source_ok?;
        Some(Self {
            url: url?,
            query: query?,
            condition: condition?,
            samples,
            interval,
            initial_delay,
            failure_limit: failure_limit?,
            inconclusive_limit: inconclusive_limit?,
            on_no_data,
            on_error,
            reduce,
            headers,
            ca_file,
            timeout,
        })
    }

    /// Every template, with whether `{{ stage }}` is defined in it (a progressive gate's).
    pub fn templates(&self, has_stage: bool) -> Vec<TemplateUse<'_>> {
        let mut uses = vec![TemplateUse::url(&self.url), TemplateUse::text(&self.query)];
        if let MetricCondition::Baseline { query, .. } = &self.condition {
            uses.push(TemplateUse::text(query));
        }
        uses.extend(
            self.headers
                .iter()
                .map(|(_, value)| TemplateUse::text(value)),
        );
        for usage in &mut uses {
            usage.has_stage = has_stage;
        }
        uses
    }
}

/// Only Prometheus is spoken today; the field is there so that a runbook says what it asks.
fn parse_source(fields: &mut TableReader) -> Option<()> {
    let Some(source) = fields.string("source") else {
        return (!fields.has("source")).then_some(());
    };
    if source.value == "prometheus" {
        return Some(());
    }
    fields
        .diags
        .error(
            source.span,
            format!("`{}` is not a metric source cutover queries", source.value),
        )
        .with_hint("write `source = \"prometheus\"` (the instant-query API)");
    None
}

/// A count of samples; more than `samples` could never be reached, so it is refused.
fn limit(fields: &mut TableReader, key: &'static str, samples: u32) -> Option<u32> {
    let Some(found) = fields.integer_in(key, 1..=10_000) else {
        return (!fields.has(key)).then_some(1);
    };
    let value = found.value as u32;
    if value > samples {
        fields
            .diags
            .error(
                found.span,
                format!("`{key} = {value}` can never be reached with `samples = {samples}`"),
            )
            .with_hint(format!("take at least {value} samples, or lower `{key}`"));
        return None;
    }
    Some(value)
}

fn parse_condition(fields: &mut TableReader) -> Option<MetricCondition> {
    let min = fields.number("min").map(|n| n.value);
    let max = fields.number("max").map(|n| n.value);
    let baseline = fields.template("baseline");
    let max_ratio = fields.number("max_ratio");
    let max_increase = fields.number("max_increase");
    let what = fields.what.clone();
    match baseline {
        Some(query) => {
            if min.is_some() || max.is_some() {
                fields
                    .diags
                    .error(
                        fields.anchor(),
                        format!("{what} compares with a `baseline` and also sets `min`/`max`"),
                    )
                    .with_hint("a gate is judged one way: bounds, or a baseline with `max_ratio`/`max_increase`");
                return None;
            }
            if max_ratio.is_none() && max_increase.is_none() {
                fields.missing(
                    "max_ratio",
                    Some("a baseline needs `max_ratio` (value ≤ baseline × ratio) or `max_increase` (value ≤ baseline + increase)"),
                );
                return None;
            }
            if let Some(ratio) = &max_ratio
                && ratio.value <= 0.0
            {
                fields
                    .diags
                    .error(ratio.span.clone(), "`max_ratio` must be above 0");
                return None;
            }
            Some(MetricCondition::Baseline {
                query,
                max_ratio: max_ratio.map(|r| r.value),
                max_increase: max_increase.map(|i| i.value),
            })
        }
        None => {
            for (key, found) in [("max_ratio", &max_ratio), ("max_increase", &max_increase)] {
                if let Some(found) = found {
                    fields.diags.error(
                        found.span.clone(),
                        format!("`{key}` needs a `baseline` query"),
                    );
                }
            }
            if max_ratio.is_some() || max_increase.is_some() {
                return None;
            }
            if min.is_none() && max.is_none() {
                fields.missing(
                    "max",
                    Some("say what the value must be: `max = 0.01`, `min = 0.99`, or a `baseline` with `max_ratio`"),
                );
                return None;
            }
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                fields.diags.error(
                    fields.anchor(),
                    format!("{what} has `min = {min}` above `max = {max}`"),
                );
                return None;
            }
            Some(MetricCondition::Bounds { min, max })
        }
    }
}
