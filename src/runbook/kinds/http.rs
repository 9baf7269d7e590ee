//! `kind = "http"`: one request, a poll until it passes, or an SLO probe. [`HttpCheck`] is also
//! what a `progressive` step's gate is made of.

use std::time::Duration;

use toml::de::DeValue;

use super::super::fields::{TableReader, Value};
use super::super::model::TemplateUse;
use super::super::source::Located;
use super::super::template::Template;

const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

#[derive(Clone, Debug)]
pub struct HttpCheck {
    pub method: String,
    pub url: Template,
    pub headers: Vec<(Located<String>, Template)>,
    pub body: Option<HttpBody>,
    /// Accepted statuses; any 2xx when empty.
    pub expect_status: Vec<u16>,
    /// A substring the body must contain.
    pub expect_body: Option<Template>,
    /// JSON pointer → expected value; strings in it are templates.
    pub expect_json: Vec<(Located<String>, serde_json::Value)>,
    /// The templates inside `expect_json`, for `check`.
    pub expect_json_templates: Vec<Template>,
    /// Header name → expected value.
    pub expect_header: Vec<(Located<String>, Template)>,
    pub follow_redirects: bool,
    /// Variable → JSON pointer into the response body.
    pub capture: Vec<Capture>,
    pub mode: HttpMode,
    /// A PEM file of CA certificates to trust for this check, besides the system's.
    pub ca_file: Option<Located<String>>,
    /// The most of a response body that is read to be inspected (`expect_body`,
    /// `expect_json`, `capture`); the rest is read and discarded.
    pub max_body: u64,
}

/// Bodies are inspected up to this many bytes unless `max_body` says otherwise.
pub(crate) const DEFAULT_MAX_BODY: u64 = 16 << 20;

#[derive(Clone, Debug)]
pub enum HttpBody {
    Text(Template),
    /// A JSON document; every string in it is a template.
    Json(serde_json::Value, Vec<Template>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum HttpMode {
    /// One request.
    Once,
    /// Repeat until the expectations hold, or fail after `timeout`.
    Poll {
        interval: Duration,
        timeout: Duration,
    },
    /// `samples` requests, `concurrency` at a time, judged on latency percentiles and errors.
    Probe(Probe),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub samples: u32,
    pub concurrency: u32,
    pub max_p95: Option<Duration>,
    pub max_p99: Option<Duration>,
    pub max_error_rate: Option<f64>,
}

impl HttpCheck {
    /// Whether the body is parsed as JSON (`expect_json` or `capture`).
    pub fn inspects_json(&self) -> bool {
        !self.expect_json.is_empty() || !self.capture.is_empty()
    }

    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let method = parse_method(fields);
        let url = fields.required_template("url");
        let headers = fields.template_map("headers");
        let body = parse_body(fields);
        let expect_status = parse_statuses(fields);
        let expect_body = fields.template("expect_body");
        let (expect_json, expect_json_templates) = parse_json_expectations(fields);
        let expect_header = fields.template_map("expect_header");
        let follow_redirects = fields.bool("follow_redirects").unwrap_or(false);
        let capture = parse_captures(fields);
        let mode = parse_mode(fields);
        let ca_file = fields.string("ca_file");
        let max_body = fields
            .integer_in("max_body", 1..=(1 << 40))
            .map_or(DEFAULT_MAX_BODY, |bytes| bytes.value as u64);
        // A field in error (already reported) does not hide the rest: the check is still
        // built so that `check` can report the problems in its templates at the same time.
        Some(Self {
            method: method.unwrap_or_else(|| "GET".into()),
            url: url?,
            headers,
            body: body.unwrap_or_default(),
            expect_status: expect_status.unwrap_or_default(),
            expect_body,
            expect_json,
            expect_json_templates,
            expect_header,
            follow_redirects,
            capture,
            mode: mode.unwrap_or(HttpMode::Once),
            ca_file,
            max_body,
        })
    }

    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        let mut uses = vec![TemplateUse::url(&self.url)];
        uses.extend(
            self.headers
                .iter()
                .map(|(_, value)| TemplateUse::text(value)),
        );
        match &self.body {
            Some(HttpBody::Text(text)) => uses.push(TemplateUse::text(text)),
            Some(HttpBody::Json(_, strings)) => uses.extend(strings.iter().map(TemplateUse::text)),
            None => {}
        }
        uses.extend(self.expect_body.iter().map(TemplateUse::text));
        uses.extend(self.expect_json_templates.iter().map(TemplateUse::text));
        uses.extend(
            self.expect_header
                .iter()
                .map(|(_, value)| TemplateUse::text(value)),
        );
        uses
    }

    /// Whether a status passes: the listed ones, or any 2xx when none is listed.
    pub fn status_ok(&self, status: u16) -> bool {
        if self.expect_status.is_empty() {
            (200..300).contains(&status)
        } else {
            self.expect_status.contains(&status)
        }
    }
}

#[derive(Clone, Debug)]
pub struct HttpStep {
    pub check: HttpCheck,
}

impl HttpStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        HttpCheck::parse(fields).map(|check| Self { check })
    }
}

fn parse_method(fields: &mut TableReader) -> Option<String> {
    let Some(method) = fields.string("method") else {
        return (!fields.has("method")).then(|| "GET".to_string());
    };
    let upper = method.value.to_ascii_uppercase();
    if METHODS.contains(&upper.as_str()) {
        return Some(upper);
    }
    let diag = fields.diags.error(
        method.span,
        format!("`{}` is not an HTTP method cutover sends", method.value),
    );
    match super::super::suggest::did_you_mean(&upper, METHODS) {
        Some(close) => diag.with_hint(format!("did you mean `{close}`?")),
        None => diag.with_hint(format!("use one of {}", METHODS.join(", "))),
    };
    None
}

fn parse_body(fields: &mut TableReader) -> Option<Option<HttpBody>> {
    let text = fields.template("body");
    let json = fields.raw("json");
    match (text, json) {
        (Some(_), Some(json)) => {
            fields
                .diags
                .error(json.span(), "a request takes `body` or `json`, not both");
            None
        }
        (Some(text), None) => Some(Some(HttpBody::Text(text))),
        (None, Some(json)) => {
            let mut strings = Vec::new();
            let value = to_json(fields, json, &mut strings)?;
            Some(Some(HttpBody::Json(value, strings)))
        }
        (None, None) => Some(None),
    }
}

/// Converts a TOML value to JSON, collecting its strings as templates.
fn to_json(
    fields: &mut TableReader,
    value: &Value<'_>,
    strings: &mut Vec<Template>,
) -> Option<serde_json::Value> {
    Some(match value.get_ref() {
        DeValue::String(text) => {
            strings.push(fields.template_of("json", value)?);
            serde_json::Value::String(text.to_string())
        }
        DeValue::Integer(_) => fields.integer_of("json", value)?.value.into(),
        DeValue::Float(float) => {
            let number: f64 = float.as_str().parse().ok()?;
            serde_json::Number::from_f64(number)?.into()
        }
        DeValue::Boolean(flag) => (*flag).into(),
        DeValue::Datetime(datetime) => datetime.to_string().into(),
        DeValue::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|item| to_json(fields, item, strings))
                .collect::<Option<_>>()?,
        ),
        DeValue::Table(table) => serde_json::Value::Object(
            table
                .iter()
                .map(|(key, item)| {
                    Some((key.get_ref().to_string(), to_json(fields, item, strings)?))
                })
                .collect::<Option<_>>()?,
        ),
    })
}

fn parse_statuses(fields: &mut TableReader) -> Option<Vec<u16>> {
    let Some(value) = fields.raw("expect_status") else {
        return Some(Vec::new());
    };
    let items: Vec<&Value> = match value.get_ref() {
        DeValue::Array(items) => items.iter().collect(),
        _ => vec![value],
    };
    let mut statuses = Vec::new();
    let mut ok = true;
    for item in items {
        match fields.integer_of("expect_status", item) {
            Some(status) if (100..=599).contains(&status.value) => {
                statuses.push(status.value as u16)
            }
            Some(status) => {
                fields.diags.error(
                    status.span,
                    format!("HTTP statuses are 100 to 599, not {}", status.value),
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    ok.then_some(statuses)
}

type JsonExpectations = (Vec<(Located<String>, serde_json::Value)>, Vec<Template>);

fn parse_json_expectations(fields: &mut TableReader) -> JsonExpectations {
    let Some((table, _)) = fields.table("expect_json") else {
        return (Vec::new(), Vec::new());
    };
    let mut expectations = Vec::new();
    let mut templates = Vec::new();
    for (pointer, value) in table.iter() {
        let pointer = Located::new(pointer.get_ref().to_string(), pointer.span());
        if !is_json_pointer(&pointer.value) {
            bad_pointer(fields, &pointer);
            continue;
        }
        if let Some(expected) = to_json(fields, value, &mut templates) {
            expectations.push((pointer, expected));
        }
    }
    (expectations, templates)
}

/// A value taken from a JSON response into a variable.
#[derive(Clone, Debug)]
pub struct Capture {
    pub name: Located<String>,
    pub pointer: Located<String>,
    /// Declared secret (`{ pointer = "/token", secret = true }`): masked everywhere, never
    /// journaled. A captured value that contains a secret is secret too, declared or not.
    pub secret: bool,
}

/// `capture = { NAME = "/pointer" }`, or `{ NAME = { pointer = "/pointer", secret = true } }`.
fn parse_captures(fields: &mut TableReader) -> Vec<Capture> {
    let Some((table, _)) = fields.table("capture") else {
        return Vec::new();
    };
    let mut captures = Vec::new();
    for (name, value) in table.iter() {
        let key = format!("capture.{}", name.get_ref());
        let (pointer, secret) = match value.get_ref() {
            DeValue::String(text) => (Located::new(text.to_string(), value.span()), false),
            DeValue::Table(spec) => {
                let pointer = match spec.get("pointer").map(|p| (p.get_ref(), p.span())) {
                    Some((DeValue::String(text), span)) => Located::new(text.to_string(), span),
                    _ => {
                        fields.type_error(
                            &key,
                            value,
                            "a table with `pointer` (a JSON pointer string)",
                        );
                        continue;
                    }
                };
                let secret = match spec.get("secret").map(|s| s.get_ref()) {
                    None => false,
                    Some(DeValue::Boolean(secret)) => *secret,
                    Some(_) => {
                        fields.type_error(&key, value, "`secret` as true or false");
                        continue;
                    }
                };
                if let Some((unknown, _)) = spec
                    .iter()
                    .find(|(k, _)| !matches!(k.get_ref().as_ref(), "pointer" | "secret"))
                {
                    fields.type_error(
                        &key,
                        value,
                        &format!(
                            "a table with `pointer` and `secret` only, not `{}`",
                            unknown.get_ref()
                        ),
                    );
                    continue;
                }
                (pointer, secret)
            }
            _ => {
                fields.type_error(&key, value, "a JSON pointer string");
                continue;
            }
        };
        if !is_json_pointer(&pointer.value) {
            bad_pointer(fields, &pointer);
            continue;
        }
        captures.push(Capture {
            name: Located::new(name.get_ref().to_string(), name.span()),
            pointer,
            secret,
        });
    }
    captures
}

fn is_json_pointer(text: &str) -> bool {
    text.is_empty() || text.starts_with('/')
}

fn bad_pointer(fields: &mut TableReader, pointer: &Located<String>) {
    fields
        .diags
        .error(
            pointer.span.clone(),
            format!("`{}` is not a JSON pointer", pointer.value),
        )
        .with_hint("a JSON pointer starts with `/`, e.g. \"/data/status\" (quote it as a key)");
}

fn parse_mode(fields: &mut TableReader) -> Option<HttpMode> {
    let interval = fields.duration("poll_interval");
    let poll_timeout = fields.duration("poll_timeout");
    let samples = fields.integer_in("samples", 1..=100_000);
    let concurrency = fields.integer_in("concurrency", 1..=256);
    let max_p95 = fields.duration("max_p95");
    let max_p99 = fields.duration("max_p99");
    let max_error_rate = fields.number("max_error_rate");
    if let Some(rate) = &max_error_rate
        && !(0.0..=1.0).contains(&rate.value)
    {
        fields
            .diags
            .error(
                rate.span.clone(),
                format!(
                    "`max_error_rate` is a fraction from 0 to 1, not {}",
                    rate.value
                ),
            )
            .with_hint("1 % is written 0.01");
        return None;
    }
    let polling = interval.is_some() || poll_timeout.is_some();
    let probing = samples.is_some();
    if polling && probing {
        let span = fields
            .key_span("samples")
            .unwrap_or_else(|| fields.anchor());
        fields.diags.error(
            span,
            "a step either polls (`poll_*`) or probes (`samples`), not both",
        );
        return None;
    }
    if let Some(samples) = samples {
        return Some(HttpMode::Probe(Probe {
            samples: samples.value as u32,
            concurrency: concurrency.map_or(1, |c| c.value as u32),
            max_p95: max_p95.map(|d| d.value),
            max_p99: max_p99.map(|d| d.value),
            max_error_rate: max_error_rate.map(|r| r.value),
        }));
    }
    for key in ["concurrency", "max_p95", "max_p99", "max_error_rate"] {
        if let Some(span) = fields.key_span(key) {
            fields
                .diags
                .error(span, format!("`{key}` only applies to a probe"))
                .with_hint("add `samples = N` to make this step a probe");
        }
    }
    match (interval, poll_timeout) {
        (None, None) => Some(HttpMode::Once),
        (interval, Some(timeout)) => Some(HttpMode::Poll {
            interval: interval.map_or(Duration::from_secs(1), |i| i.value),
            timeout: timeout.value,
        }),
        (Some(interval), None) => {
            fields
                .diags
                .error(
                    interval.span,
                    "`poll_interval` needs `poll_timeout`: how long to keep trying",
                )
                .with_hint("add e.g. `poll_timeout = \"2m\"`");
            None
        }
    }
}
