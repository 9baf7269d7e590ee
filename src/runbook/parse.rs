//! TOML text → [`Runbook`], recording every problem of the document on the way.

use std::collections::HashMap;

use toml::de::{DeTable, DeValue};

use super::condition::Condition;
use super::diagnostic::Diagnostics;
use super::fields::{TableReader, Value};
use super::hosts::{
    Serial, batches_without_hosts, parse_host_groups, parse_max_fail, parse_serial,
};
use super::include::{Includes, include_steps};
use super::model::{Phase, Runbook, Step, VarDef};
use super::names::{check_env_name, check_id, is_var_name};
use super::source::{Located, SourceFile, Span};
use super::step::parse_step;
use super::template::{GO_TEMPLATE_WORDS, LIST_SEPARATOR};

/// Parses a runbook file. The runbook is returned when its structure could be read, even with
/// errors in `diags`, so that the semantic rules of `check` still run over what was understood.
pub(crate) fn parse_document(
    source: &SourceFile,
    diags: &mut Diagnostics,
    includes: &mut Includes,
) -> Option<Runbook> {
    if let Some(at) = source.invalid_utf8_at {
        diags
            .error(at..at + 1, "the file is not valid UTF-8")
            .with_hint("save the runbook as UTF-8");
    }
    let (document, syntax_errors) = DeTable::parse_recoverable(&source.text);
    for error in &syntax_errors {
        let too_deep = error.message().contains("recurs");
        // The parser gives no place for some errors (too deep a dotted key): point at the most
        // deeply nested line rather than at 1:1.
        let span = error
            .span()
            .or_else(|| too_deep.then(|| most_nested_line(&source.text)))
            .unwrap_or(0..0);
        let diag = diags.error(span, format!("TOML syntax: {}", error.message()));
        if error.message().contains("duplicate key") {
            diag.with_hint("each key may appear once per table; remove or rename one of them");
        } else if too_deep {
            diag.with_hint("a runbook never needs this much nesting: flatten this value or key");
        }
    }
    let document = document.get_ref();
    let mut top = TableReader::new(document, 0..0, "the runbook file", source, diags);

    let meta = top.table("runbook");
    let vars = top.table("vars");
    let phases = top.array("phase");
    let rollback = top.table("rollback");
    let hosts = top.table("hosts");
    let targets = top.table("targets");
    let notify = top.array("notify");
    top.finish();

    let (runbook_table, runbook_span) = match meta {
        Some(found) => found,
        None => {
            if !document.contains_key("runbook") {
                diags
                    .error(0..0, "the file has no `[runbook]` table")
                    .with_hint(
                        "start with `[runbook]`, then `name = \"my-release\"` and `title = \"…\"`",
                    );
            }
            return None;
        }
    };
    let mut ids = IdRegistry::default();
    let mut meta_fields = TableReader::new(
        runbook_table,
        runbook_span.clone(),
        "`[runbook]`",
        source,
        diags,
    );
    let name = meta_fields.required_string("name");
    if let Some(name) = &name {
        check_id(meta_fields.diags, name, "runbook name");
    }
    let title = meta_fields.string("title");
    let environment = meta_fields.string("environment");
    if let Some(environment) = &environment {
        check_id(meta_fields.diags, environment, "environment");
    }
    let expected_duration = meta_fields.duration("expected_duration").map(|d| d.value);
    let description = meta_fields
        .string("description")
        .map_or_else(String::new, |d| d.value);
    let ssh_command = parse_ssh_command(&mut meta_fields);
    let lock = meta_fields.string("lock");
    if let Some(lock) = &lock {
        check_id(meta_fields.diags, lock, "release lock");
    }
    let allowed_signers = meta_fields.string("allowed_signers");
    meta_fields.finish();

    if phases.is_none_or(|items| items.is_empty()) {
        let anchor = name
            .as_ref()
            .map_or(runbook_span.clone(), |n| n.span.clone());
        diags.error(anchor, "the runbook has no step").with_hint(
            "add a `[[phase]]` with `id = \"…\"`, then `[[phase.step]]` tables under it",
        );
    }
    let vars = vars.map_or_else(Vec::new, |(table, _)| parse_vars(table, source, diags));
    let phases = phases.map_or_else(Vec::new, |items| {
        parse_phases(items, source, diags, &mut ids, includes)
    });
    let rollback = rollback.map_or_else(Vec::new, |(table, span)| {
        parse_rollback(table, span, source, diags, &mut ids, includes)
    });
    let hosts = hosts.map_or_else(Vec::new, |(table, _)| parse_host_groups(table, diags));
    let targets = targets.map_or_else(Vec::new, |(table, _)| {
        let runbook_environment = environment.as_ref().map(|e| e.value.as_str());
        super::targets::parse_targets(table, runbook_environment, &vars, &hosts, source, diags)
    });

    let notify = notify.map_or_else(Vec::new, |items| {
        super::notify::parse_channels(items, source, diags)
    });

    let name = name?;
    let lock = lock.map_or_else(|| name.value.clone(), |l| l.value);
    Some(Runbook {
        lock,
        allowed_signers,
        shares_production: false,
        title: title.map_or_else(|| name.value.clone(), |t| t.value),
        name,
        environment: environment.map(|e| e.value),
        expected_duration,
        description,
        vars,
        phases,
        rollback,
        hosts,
        ssh_command,
        constants: includes.constants.clone(),
        targets,
        target: None,
        time_scale: None,
        tools: Vec::new(),
        notify,
    })
}

/// `ssh_command = ["ssh", "-F", "ops/ssh_config"]`: the program and its first arguments.
fn parse_ssh_command(fields: &mut TableReader) -> Vec<String> {
    let has = fields.has("ssh_command");
    let command = fields.string_list("ssh_command");
    if has && command.is_empty() {
        let span = fields
            .key_span("ssh_command")
            .unwrap_or_else(|| fields.anchor());
        fields
            .diags
            .error(span, "`ssh_command` must name at least the program")
            .with_hint("e.g. `ssh_command = [\"ssh\", \"-F\", \"ops/ssh_config\"]`");
    }
    if command.is_empty() {
        vec!["ssh".to_string()]
    } else {
        command.into_iter().map(|part| part.value).collect()
    }
}

/// Step ids are unique across the whole runbook (rollback included): the journal, `--confirm`
/// and `--inject-failure` name steps by id alone.
#[derive(Default)]
struct IdRegistry {
    steps: HashMap<String, Span>,
}

impl IdRegistry {
    fn claim(&mut self, id: &Located<String>, diags: &mut Diagnostics, source: &SourceFile) {
        if let Some(first) = self.steps.get(&id.value) {
            let (line, _) = source.line_col(first.start);
            diags
                .error(id.span.clone(), format!("duplicate step id `{}`", id.value))
                .with_hint(format!(
                    "the first step `{}` is on line {line}; step ids are unique in a runbook",
                    id.value
                ));
        } else {
            self.steps.insert(id.value.clone(), id.span.clone());
        }
    }
}

fn parse_vars(table: &DeTable, source: &SourceFile, diags: &mut Diagnostics) -> Vec<VarDef> {
    let mut vars = Vec::new();
    for (name, value) in table.iter() {
        let name = Located::new(name.get_ref().to_string(), name.span());
        let DeValue::Table(var_table) = value.get_ref() else {
            diags
                .error(
                    value.span(),
                    format!("variable `{}` must be a table", name.value),
                )
                .with_hint(format!(
                    "write `[vars.{}]` followed by `default = \"…\"`",
                    name.value
                ));
            continue;
        };
        if !is_var_name(&name.value) {
            diags
                .error(name.span.clone(), format!("variable name `{}` must be lowercase: a-z, 0-9, `_` and `-`, starting with a letter", name.value))
                .with_hint("it is exported to commands as CUTOVER_<NAME>, uppercased for you");
        }
        if GO_TEMPLATE_WORDS.contains(&name.value.as_str()) {
            diags
                .error(name.span.clone(), format!("`{}` is a Go template word and cannot name a variable", name.value))
                .with_hint("`{{end}}` and the like pass through to docker and kubectl untouched; pick another name");
        }
        let what = format!("variable `{}`", name.value);
        let mut fields = TableReader::new(var_table, name.span.clone(), what, source, diags);
        let description = fields
            .string("description")
            .map_or_else(String::new, |d| d.value);
        let (default, list) = match fields.raw("default").map(|v| v.get_ref()) {
            Some(DeValue::Array(_)) => (list_text(&mut fields), true),
            _ => (scalar_text(&mut fields, "default"), false),
        };
        let required = fields.bool("required").unwrap_or(false);
        let secret = fields.bool("secret").unwrap_or(false);
        let env = fields.string("env");
        if let Some(env) = &env {
            check_env_name(fields.diags, env);
        }
        let pattern = fields.regex("pattern");
        fields.finish();
        if let Some(default) = &default {
            if secret {
                diags
                    .error(default.span.clone(), format!("secret `{}` has its value written in the runbook", name.value))
                    .with_hint("remove `default`; take the value from the environment with `env = \"NAME\"`");
            } else if let Some(pattern) = &pattern
                && default
                    .value
                    .split(if list { LIST_SEPARATOR } else { '\0' })
                    .any(|item| !pattern.value.is_match(item))
            {
                diags.error(
                    default.span.clone(),
                    format!(
                        "the default `{}` does not match the variable's pattern `{}`",
                        default.value,
                        pattern.value.as_str()
                    ),
                );
            }
        }
        vars.push(VarDef {
            name,
            description,
            default,
            required,
            pattern,
            env: env.map(|e| e.value),
            secret,
            list,
        });
    }
    vars
}

/// A list default, `["web-1", "web-2"]`: its items joined by commas, each checked to be a
/// non-empty string without a comma (the comma separates items in `--var` and the header).
fn list_text(fields: &mut TableReader) -> Option<Located<String>> {
    let value = fields.raw("default")?;
    let items = fields.string_list("default");
    let mut ok = true;
    for item in &items {
        if item.value.is_empty() || item.value.contains(LIST_SEPARATOR) {
            fields.diags.error(
                item.span.clone(),
                "a list's items are non-empty and hold no comma (commas separate them in `--var NAME=a,b`)",
            );
            ok = false;
        }
    }
    let text = items
        .iter()
        .map(|item| item.value.as_str())
        .collect::<Vec<_>>()
        .join(&LIST_SEPARATOR.to_string());
    ok.then(|| Located::new(text, value.span()))
}

/// A default may be written as a string, a number or a boolean; it is used as text.
fn scalar_text(fields: &mut TableReader, key: &'static str) -> Option<Located<String>> {
    let value: &Value = fields.raw(key)?;
    let text = match value.get_ref() {
        DeValue::String(text) => text.to_string(),
        DeValue::Integer(_) => fields.integer_of(key, value)?.value.to_string(),
        DeValue::Float(float) => float.as_str().to_string(),
        DeValue::Boolean(flag) => flag.to_string(),
        _ => {
            fields.type_error(key, value, "a string");
            return None;
        }
    };
    Some(Located::new(text, value.span()))
}

fn parse_phases(
    items: &[Value],
    source: &SourceFile,
    diags: &mut Diagnostics,
    ids: &mut IdRegistry,
    includes: &mut Includes,
) -> Vec<Phase> {
    let mut phases = Vec::new();
    let mut phase_ids: HashMap<String, Span> = HashMap::new();
    for item in items {
        let DeValue::Table(table) = item.get_ref() else {
            diags.error(
                item.span(),
                "`phase` must be an array of tables: write `[[phase]]`",
            );
            continue;
        };
        let anchor = table
            .iter()
            .next()
            .map_or(item.span(), |(key, _)| key.span());
        let mut fields = TableReader::new(table, anchor, "this phase", source, diags);
        let id = fields.required_string("id");
        if let Some(id) = &id {
            check_id(fields.diags, id, "phase id");
            fields.what = format!("phase `{}`", id.value);
            fields.set_anchor(id.span.clone());
            if phase_ids
                .insert(id.value.clone(), id.span.clone())
                .is_some()
            {
                fields.diags.error(
                    id.span.clone(),
                    format!("duplicate phase id `{}`", id.value),
                );
            }
        }
        let title = fields.string("title").map(|t| t.value);
        let description = fields
            .string("description")
            .map_or_else(String::new, |d| d.value);
        let expected_duration = fields.duration("expected_duration").map(|d| d.value);
        let when = fields
            .string("when")
            .and_then(|text| Condition::parse(text, fields.diags));
        let for_each = fields.string("for_each");
        let serial = parse_serial(&mut fields);
        let max_fail = parse_max_fail(&mut fields);
        if for_each.is_none() {
            batches_without_hosts(
                &mut fields,
                [
                    serial.as_ref().map(|s| s.span.clone()),
                    max_fail.as_ref().map(|m| m.span.clone()),
                ],
                "`{key}` of a phase needs `for_each`",
                "add `for_each = \"GROUP\"` to roll the phase host by host",
            );
        }
        let step_items = fields.array("step");
        let anchor = fields.anchor();
        let what = fields.what.clone();
        fields.finish();
        let steps = parse_steps(step_items.unwrap_or(&[]), source, diags, ids, includes);
        if step_items.is_none_or(|items| items.is_empty()) {
            diags
                .error(anchor, format!("{what} has no step"))
                .with_hint("add `[[phase.step]]` tables under the `[[phase]]`");
        }
        if let Some(id) = id {
            phases.push(Phase {
                title: title.unwrap_or_else(|| id.value.clone()),
                id,
                description,
                expected_duration,
                when,
                for_each,
                serial: serial.map_or_else(Serial::one_at_a_time, |s| s.value),
                max_fail: max_fail.map(|m| m.value).unwrap_or_default(),
                steps,
            });
        }
    }
    phases
}

fn parse_rollback(
    table: &DeTable,
    span: Span,
    source: &SourceFile,
    diags: &mut Diagnostics,
    ids: &mut IdRegistry,
    includes: &mut Includes,
) -> Vec<Step> {
    let mut fields = TableReader::new(table, span, "`[rollback]`", source, diags);
    let items = fields.array("step");
    fields.finish();
    parse_steps(items.unwrap_or(&[]), source, diags, ids, includes)
}

fn parse_steps(
    items: &[Value],
    source: &SourceFile,
    diags: &mut Diagnostics,
    ids: &mut IdRegistry,
    includes: &mut Includes,
) -> Vec<Step> {
    let mut steps = Vec::new();
    for item in items {
        let DeValue::Table(table) = item.get_ref() else {
            diags.error(
                item.span(),
                "`step` must be an array of tables: write `[[phase.step]]`",
            );
            continue;
        };
        if table.contains_key("include") {
            let (_, block) = include_steps(table, item.span(), source, diags, includes);
            for step in &block {
                ids.claim(&step.id, diags, source);
            }
            steps.extend(block);
            continue;
        }
        let (id, step) = parse_step(table, item.span(), source, diags);
        if let Some(id) = &id {
            ids.claim(id, diags, source);
        }
        steps.extend(step);
    }
    steps
}

/// The span of the line with the most nesting characters (`[`, `{` and the dots of dotted keys).
fn most_nested_line(text: &str) -> Span {
    let mut best = (0, 0..0);
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let depth = line
            .bytes()
            .filter(|b| matches!(b, b'[' | b'{' | b'.'))
            .count();
        if depth > best.0 {
            best = (depth, start..start + line.trim_end().len());
        }
        start += line.len();
    }
    best.1
}
