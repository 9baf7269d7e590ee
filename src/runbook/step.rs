//! Reading one `[[phase.step]]` or `[[rollback.step]]` table: the fields every step has, then
//! the fields of its kind (each kind reads its own, in `kinds/`).

use std::time::Duration;

use toml::de::DeTable;

use super::condition::Condition;
use super::diagnostic::Diagnostics;
use super::fields::TableReader;
use super::hosts::{batches_without_hosts, parse_max_fail, parse_on, parse_serial};
use super::kinds::{
    command::CommandStep, decision::DecisionStep, env::EnvStep, http::HttpStep, input::InputStep,
    manual::ManualStep, metric::MetricStep, progressive::ProgressiveStep, service::ServiceStep,
    wait::WaitStep, window::WindowStep,
};
use super::model::{FailurePolicy, Step, StepAction};
use super::names::check_id;
use super::source::{Located, SourceFile, Span};
use super::suggest::did_you_mean;
use super::template::Template;
use crate::protocol::on_deadline::OnDeadline;

pub(crate) const KINDS: [&str; 11] = [
    "command",
    "http",
    "manual",
    "env",
    "wait",
    "window",
    "progressive",
    "service",
    "input",
    "metric",
    "decision",
];

/// Reads a step table. Returns `None` when the step is too broken to run; its problems are in
/// `diags`. The id is returned either way so duplicate ids are still found.
pub(crate) fn parse_step(
    table: &DeTable,
    table_span: Span,
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> (Option<Located<String>>, Option<Step>) {
    let first_key = table
        .iter()
        .next()
        .map_or(table_span, |(key, _)| key.span());
    let mut fields = TableReader::new(table, first_key, "this step", source, diags);

    let id = fields.required_string("id");
    if let Some(id) = &id {
        check_id(fields.diags, id, "step id");
        fields.what = format!("step `{}`", id.value);
        fields.set_anchor(id.span.clone());
    }
    let title = fields.string("title");
    let description = fields.string("description");
    // Titles, descriptions and confirmation phrases are filled in when the step runs
    // ("type the instance name to delete it"); their placeholders are checked like any other.
    let mut texts: Vec<Template> = title
        .iter()
        .chain(&description)
        .filter_map(|text| parse_text(fields.diags, text))
        .collect();
    let title = title.map(|t| t.value);
    let description = description.map_or_else(String::new, |d| d.value);
    let timeout = fields.duration("timeout").map(|d| d.value);
    let retries = fields
        .integer_in("retries", 0..=100)
        .map_or(0, |r| r.value as u32);
    let retry_delay = fields
        .duration("retry_delay")
        .map_or(Duration::from_secs(1), |d| d.value);
    let on_failure = fields
        .choice(
            "on_failure",
            &[
                ("ask", FailurePolicy::Ask),
                ("abort", FailurePolicy::Abort),
                ("rollback", FailurePolicy::Rollback),
                ("continue", FailurePolicy::Continue),
            ],
        )
        .unwrap_or(FailurePolicy::Ask);
    let required = fields.bool("required").unwrap_or(false);
    let confirm = fields.bool("confirm").unwrap_or(false);
    let dangerous = fields.bool("dangerous").unwrap_or(false);
    let confirm_phrase = fields.string("confirm_phrase");
    texts.extend(
        confirm_phrase
            .iter()
            .filter_map(|text| parse_text(fields.diags, text)),
    );
    if let Some(phrase) = &confirm_phrase {
        if phrase.value.trim().is_empty() {
            fields
                .diags
                .error(phrase.span.clone(), "`confirm_phrase` cannot be empty");
        } else if !dangerous {
            fields.diags.warning(
                phrase.span.clone(),
                "`confirm_phrase` has no effect unless `dangerous = true`",
            );
        }
    }
    let approvals = fields.integer_in("approvals", 0..=9);
    let approvers = fields.string_list("approvers");
    for approver in &approvers {
        if !crate::protocol::principal::valid_principal(&approver.value) {
            fields.diags.error(
                approver.span.clone(),
                format!(
                    "`{}` cannot be a principal: approvers are named as allowed_signers files name them, without spaces, quotes or commas",
                    approver.value
                ),
            );
        }
    }
    if let Some(needed) = &approvals
        && !approvers.is_empty()
        && (approvers.len() as i64) < needed.value
    {
        fields.diags.error(
            needed.span.clone(),
            format!(
                "`approvals = {}` can never be met: `approvers` names {} principals",
                needed.value,
                approvers.len()
            ),
        );
    }
    if approvals.as_ref().is_none_or(|needed| needed.value == 0)
        && let Some(first) = approvers.first()
    {
        fields.diags.warning(
            first.span.clone(),
            "`approvers` has no effect without `approvals = N`",
        );
    }
    let readonly = fields.bool("readonly");
    let expected_duration = fields.duration("expected_duration").map(|d| d.value);
    let when = fields
        .string("when")
        .and_then(|text| Condition::parse(text, fields.diags));
    let undo = fields.template("undo");
    let on = parse_on(&mut fields);
    let serial = parse_serial(&mut fields);
    let max_fail = parse_max_fail(&mut fields);
    if on.is_none() {
        batches_without_hosts(
            &mut fields,
            [
                serial.as_ref().map(|s| s.span.clone()),
                max_fail.as_ref().map(|m| m.span.clone()),
            ],
            "`{key}` of a step needs `on`",
            "`on = \"GROUP\"` runs the step's command on each host of a group",
        );
    }

    let kind = fields.required_string("kind");
    let action = match &kind {
        Some(kind) => {
            fields.set_anchor(kind.span.clone());
            parse_action(&mut fields, kind)
        }
        None => None,
    };
    let required_approvals = approvals.as_ref().map_or(0, |n| n.value);
    let approval_deadline = match (&action, kind.as_ref().map(|k| k.value.as_str())) {
        // A manual step's deadline bounds both waits for people: its approvals, its confirming.
        (Some(StepAction::Manual(manual)), _) => manual.deadline.zip(manual.on_deadline),
        // Their own `deadline` is the question's; an approval wait before them has none.
        (_, Some("decision" | "input")) => None,
        _ => parse_approval_deadline(&mut fields, required_approvals),
    };
    let kind_known = kind
        .as_ref()
        .is_some_and(|k| KINDS.contains(&k.value.as_str()));
    if kind_known {
        fields.finish();
    }

    let step = match (&id, action, kind) {
        (Some(id), Some(action), Some(kind)) => Some(Step {
            id: id.clone(),
            title: title.unwrap_or_else(|| id.value.clone()),
            description,
            timeout,
            retries,
            retry_delay,
            on_failure,
            required,
            confirm,
            dangerous,
            approvals: approvals.map_or(0, |n| n.value as u32),
            approvers: approvers.into_iter().map(|a| a.value).collect(),
            approval_deadline,
            confirm_phrase: confirm_phrase.map_or_else(|| id.value.clone(), |p| p.value),
            readonly: readonly.unwrap_or_else(|| readonly_by_default(&action)),
            expected_duration,
            kind_span: kind.span,
            when,
            undo,
            texts,
            on,
            serial: serial.map(|s| s.value).unwrap_or_default(),
            max_fail: max_fail.map(|m| m.value).unwrap_or_default(),
            placement: Default::default(),
            action,
        }),
        _ => None,
    };
    (id, step)
}

/// `deadline` and `on_deadline` of a step whose kind has no question of its own: they bound the
/// wait for its approvals.
fn parse_approval_deadline(
    fields: &mut TableReader,
    approvals: i64,
) -> Option<(Duration, OnDeadline)> {
    let (deadline, on_deadline) = super::deadline::deadline_fields(
        fields,
        "a step with a `deadline` says what happens when its approvals have not come by then",
    );
    match (&deadline, on_deadline) {
        (Some(deadline), _) if approvals == 0 => {
            fields
                .diags
                .error(
                    deadline.span.clone(),
                    "a `deadline` on this step bounds the wait for its approvals, and it requires none",
                )
                .with_hint("add `approvals = N`, or bound the step itself with `timeout`");
            None
        }
        (Some(deadline), Some(then)) => Some((deadline.value, then)),
        // Said already: one without the other.
        _ => None,
    }
}

fn parse_action(fields: &mut TableReader, kind: &Located<String>) -> Option<StepAction> {
    Some(match kind.value.as_str() {
        "command" => StepAction::Command(CommandStep::parse(fields)?),
        "http" => StepAction::Http(Box::new(HttpStep::parse(fields)?)),
        "manual" => StepAction::Manual(ManualStep::parse(fields)?),
        "env" => StepAction::Env(EnvStep::parse(fields)?),
        "wait" => StepAction::Wait(WaitStep::parse(fields)?),
        "window" => StepAction::Window(WindowStep::parse(fields)?),
        "progressive" => StepAction::Progressive(ProgressiveStep::parse(fields)?),
        "service" => StepAction::Service(ServiceStep::parse(fields)?),
        "input" => StepAction::Input(InputStep::parse(fields)?),
        "metric" => StepAction::Metric(Box::new(MetricStep::parse(fields)?)),
        "decision" => StepAction::Decision(DecisionStep::parse(fields)?),
        unknown => {
            let diag = fields
                .diags
                .error(kind.span.clone(), format!("unknown step kind `{unknown}`"));
            match did_you_mean(unknown, KINDS) {
                Some(close) => diag.with_hint(format!("did you mean `{close}`?")),
                None => diag.with_hint(format!("the kinds are {}", KINDS.join(", "))),
            };
            return None;
        }
    })
}

/// Titles and descriptions are shown before the run knows its variables, so they are never
/// filled in: a `{{ name }}` there would reach the screen and the journal as written.
fn parse_text(diags: &mut Diagnostics, text: &Located<String>) -> Option<Template> {
    match Template::parse(&text.value, text.span.clone(), None) {
        Ok(template) => Some(template),
        Err(err) => {
            diags.error(text.span.clone(), err.message);
            None
        }
    }
}

/// Kinds that only observe (checks, timers, the window's clock) run for real in `--dry-run`;
/// kinds that act on the world are simulated unless the step says `readonly = true`. An HTTP
/// request observes only with a safe method: a dry run must not submit a form or start a
/// payment because the step happens to be a check.
fn readonly_by_default(action: &StepAction) -> bool {
    match action {
        StepAction::Http(http) => {
            matches!(http.check.method.as_str(), "GET" | "HEAD" | "OPTIONS")
        }
        StepAction::Env(_)
        | StepAction::Wait(_)
        | StepAction::Window(_)
        | StepAction::Manual(_)
        | StepAction::Input(_)
        | StepAction::Metric(_) => true,
        _ => false,
    }
}
