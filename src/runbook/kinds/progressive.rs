//! `kind = "progressive"`: a staged rollout. For each stage (a percentage of traffic), run the
//! command with `{{ stage }}`, bake, then run every gate check; a failing gate stops the rollout.

use std::time::Duration;

use toml::de::DeValue;

use super::super::fields::TableReader;
use super::super::model::TemplateUse;
use super::command::ProcessSpec;
use super::http::HttpCheck;
use super::metric::MetricCheck;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GateFailure {
    Rollback,
    Ask,
}

#[derive(Clone, Debug)]
pub struct GateCheck {
    pub name: String,
    pub check: GateKind,
}

/// What a gate asks: an http check (the default), or the monitoring (`kind = "metric"`).
#[derive(Clone, Debug)]
pub enum GateKind {
    Http {
        check: Box<HttpCheck>,
        /// Per request; 10 s when not written.
        timeout: Option<Duration>,
    },
    Metric(Box<MetricCheck>),
}

#[derive(Clone, Debug)]
pub struct ProgressiveStep {
    /// Percentages, strictly increasing, each 1 to 100.
    pub stages: Vec<u8>,
    pub process: ProcessSpec,
    pub bake: Duration,
    pub gate: Vec<GateCheck>,
    pub on_gate_failure: GateFailure,
}

impl ProgressiveStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let stages = parse_stages(fields);
        let process = ProcessSpec::parse(fields);
        let bake = fields.duration("bake").map_or(Duration::ZERO, |d| d.value);
        let gate = parse_gate(fields);
        let on_gate_failure = fields
            .choice(
                "on_gate_failure",
                &[
                    ("rollback", GateFailure::Rollback),
                    ("ask", GateFailure::Ask),
                ],
            )
            .unwrap_or(GateFailure::Rollback);
        Some(Self {
            stages: stages?,
            process: process?,
            bake,
            gate: gate?,
            on_gate_failure,
        })
    }

    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        let mut uses: Vec<TemplateUse> = self
            .process
            .templates()
            .into_iter()
            .map(|mut usage| {
                usage.has_stage = true;
                usage
            })
            .collect();
        for gate in &self.gate {
            match &gate.check {
                GateKind::Http { check, .. } => uses.extend(check.templates()),
                GateKind::Metric(check) => uses.extend(check.templates(true)),
            }
        }
        uses
    }
}

fn parse_stages(fields: &mut TableReader) -> Option<Vec<u8>> {
    let Some(items) = fields.array("stages") else {
        if !fields.has("stages") {
            fields.missing(
                "stages",
                Some("e.g. `stages = [10, 25, 50, 100]` (percent of traffic)"),
            );
        }
        return None;
    };
    if items.is_empty() {
        let span = fields.key_span("stages").unwrap_or_else(|| fields.anchor());
        fields
            .diags
            .error(span, "`stages` must list at least one stage");
        return None;
    }
    let mut stages = Vec::new();
    let mut ok = true;
    let mut previous: Option<i64> = None;
    for item in items {
        let Some(stage) = fields.integer_of("stages", item) else {
            ok = false;
            continue;
        };
        if !(1..=100).contains(&stage.value) {
            fields.diags.error(
                stage.span,
                format!("a stage is a percentage from 1 to 100, not {}", stage.value),
            );
            ok = false;
            continue;
        }
        if let Some(before) = previous
            && stage.value <= before
        {
            fields
                .diags
                .error(
                    stage.span,
                    format!("stages must increase: {} comes after {before}", stage.value),
                )
                .with_hint("list the stages in rollout order, e.g. [10, 25, 50, 100]");
            ok = false;
        }
        previous = Some(stage.value);
        stages.push(stage.value as u8);
    }
    ok.then_some(stages)
}

fn parse_gate(fields: &mut TableReader) -> Option<Vec<GateCheck>> {
    let Some(items) = fields.array("gate") else {
        if !fields.has("gate") {
            let what = fields.what.clone();
            fields
                .diags
                .error(fields.anchor(), format!("{what} is a progressive rollout without a `gate`"))
                .with_hint("add at least one `[[phase.step.gate]]` (an http check, or `kind = \"metric\"`); a rollout nobody checks is not progressive");
        }
        return None;
    };
    if items.is_empty() {
        let span = fields.key_span("gate").unwrap_or_else(|| fields.anchor());
        fields
            .diags
            .error(span, "`gate` must hold at least one check");
        return None;
    }
    let mut gates = Vec::new();
    let mut ok = true;
    for (index, item) in items.iter().enumerate() {
        let DeValue::Table(table) = item.get_ref() else {
            fields.type_error("each gate", item, "a table of check fields");
            ok = false;
            continue;
        };
        let anchor = table
            .iter()
            .next()
            .map_or(item.span(), |(key, _)| key.span());
        let what = format!("gate {} of {}", index + 1, fields.what);
        let mut gate_fields =
            TableReader::new(table, anchor, what, fields.source, &mut *fields.diags);
        let name = gate_fields.string("name").map(|n| n.value);
        let check = parse_gate_kind(&mut gate_fields);
        gate_fields.finish();
        match check {
            Some(check) => gates.push(GateCheck {
                name: name.unwrap_or_else(|| format!("gate {}", index + 1)),
                check,
            }),
            None => ok = false,
        }
    }
    ok.then_some(gates)
}

/// A gate table's own `kind`: `http` when not written, or `metric`.
fn parse_gate_kind(fields: &mut TableReader) -> Option<GateKind> {
    let kind = fields.string("kind");
    let word = kind.as_ref().map(|k| k.value.clone());
    match word.as_deref() {
        None | Some("http") => {
            let timeout = fields.duration("timeout").map(|t| t.value);
            let check = HttpCheck::parse(fields)?;
            Some(GateKind::Http {
                check: Box::new(check),
                timeout,
            })
        }
        Some("metric") => MetricCheck::parse(fields).map(|check| GateKind::Metric(Box::new(check))),
        Some(other) => {
            let span = kind.map(|k| k.span).unwrap_or_else(|| fields.anchor());
            fields
                .diags
                .error(
                    span,
                    format!("a gate is an `http` or a `metric` check, not `{other}`"),
                )
                .with_hint("leave `kind` out for an http check, or write `kind = \"metric\"`");
            None
        }
    }
}
