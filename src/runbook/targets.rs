//! `[targets.NAME]`: where a runbook can run — `description`, `environment` (`drill` makes
//! every run of the target a drill) and `vars` (values replacing the variables' defaults;
//! `--var` still wins). Every target runs the same steps with the same text: a target changes
//! values, never what the runbook does, so a rehearsal runs the runbook that ships.

use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostics;
use super::fields::TableReader;
use super::model::VarDef;
use super::names::check_id;
use super::source::{Located, SourceFile};
use super::suggest::did_you_mean;
use super::template::LIST_SEPARATOR;

#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub name: Located<String>,
    pub description: String,
    /// `drill` makes every run of this target a drill; otherwise it replaces the runbook's
    /// `environment` (the word an operator types for `production`).
    pub environment: Option<String>,
    /// Variable → the value that replaces its default (a list's items joined by commas).
    pub vars: Vec<(String, String)>,
}

pub(crate) fn parse_targets(
    table: &DeTable,
    vars: &[VarDef],
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> Vec<Target> {
    let mut targets = Vec::new();
    for (name, value) in table.iter() {
        let name = Located::new(name.get_ref().to_string(), name.span());
        check_id(diags, &name, "target name");
        let DeValue::Table(target_table) = value.get_ref() else {
            diags
                .error(
                    value.span(),
                    format!("target `{}` must be a table", name.value),
                )
                .with_hint(format!(
                    "write `[targets.{}]` followed by `description = \"…\"`",
                    name.value
                ));
            continue;
        };
        let what = format!("target `{}`", name.value);
        let mut fields = TableReader::new(target_table, name.span.clone(), what, source, diags);
        let description = fields
            .string("description")
            .map_or_else(String::new, |d| d.value);
        let environment = fields.string("environment");
        if let Some(environment) = &environment {
            check_id(fields.diags, environment, "environment");
        }
        let values = fields.table("vars");
        fields.finish();
        let values = values.map_or_else(Vec::new, |(table, _)| {
            target_values(&name.value, table, vars, diags)
        });
        targets.push(Target {
            name,
            description,
            environment: environment.map(|e| e.value),
            vars: values,
        });
    }
    targets
}

/// A target's `vars`: each names a variable of the runbook, is not a secret (a secret's value
/// is never written in a runbook), and matches the variable's pattern.
fn target_values(
    target: &str,
    table: &DeTable,
    vars: &[VarDef],
    diags: &mut Diagnostics,
) -> Vec<(String, String)> {
    let mut values = Vec::new();
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        let Some(var) = vars.iter().find(|v| v.name.value == name) else {
            let known: Vec<&str> = vars.iter().map(|v| v.name.value.as_str()).collect();
            let diag = diags.error(
                key.span(),
                format!("target `{target}` sets `{name}`, which is not a variable of the runbook"),
            );
            match did_you_mean(&name, known.iter().copied()) {
                Some(close) => diag.with_hint(format!("did you mean `{close}`?")),
                None => diag.with_hint("declare it under `[vars]` first"),
            };
            continue;
        };
        if var.secret {
            diags
                .error(
                    value.span(),
                    format!("target `{target}` writes the value of secret `{name}` in the runbook"),
                )
                .with_hint(format!(
                    "remove it; the secret comes from the environment (`env` of `[vars.{name}]`)"
                ));
            continue;
        }
        let text = match value.get_ref() {
            DeValue::String(text) => text.to_string(),
            DeValue::Integer(number) => number.to_string(),
            DeValue::Boolean(flag) => flag.to_string(),
            DeValue::Array(items) if var.list => {
                let mut texts = Vec::new();
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::String(text)
                            if !text.is_empty() && !text.contains(LIST_SEPARATOR) =>
                        {
                            texts.push(text.to_string())
                        }
                        _ => {
                            diags.error(
                                item.span(),
                                "each item of a list value is a non-empty string without a comma",
                            );
                        }
                    }
                }
                texts.join(&LIST_SEPARATOR.to_string())
            }
            _ => {
                diags.error(
                    value.span(),
                    format!(
                        "target `{target}`: `{name}` must be {}",
                        if var.list {
                            "a list of strings"
                        } else {
                            "a string"
                        }
                    ),
                );
                continue;
            }
        };
        if let Some(pattern) = &var.pattern {
            let separator = if var.list { LIST_SEPARATOR } else { '\0' };
            if text
                .split(separator)
                .any(|item| !pattern.value.is_match(item))
            {
                diags.error(
                    value.span(),
                    format!(
                        "target `{target}`: `{text}` does not match the pattern of `{name}` (`{}`)",
                        pattern.value.as_str()
                    ),
                );
                continue;
            }
        }
        values.push((name, text));
    }
    values
}
