//! `[targets.NAME]`: where a runbook can run — `description`, `environment` (`drill` makes
//! every run of the target a drill) and `vars` (values replacing the variables' defaults;
//! `--var` still wins). Every target runs the same steps with the same text: a target changes
//! values, never what the runbook does, so a rehearsal runs the runbook that ships.

use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostics;
use super::fields::TableReader;
use super::hosts::{HostGroup, parse_host_groups};
use super::model::VarDef;
use super::names::check_id;
use super::source::{Located, SourceFile};
use super::suggest::did_you_mean;
use super::template::LIST_SEPARATOR;

#[derive(Clone, Debug)]
pub struct Target {
    pub name: Located<String>,
    pub description: String,
    /// `drill` makes every run of this target a drill; otherwise it replaces the runbook's
    /// `environment` (the word an operator types for `production`).
    pub environment: Option<String>,
    /// Variable → the value that replaces its default (a list's items joined by commas).
    pub vars: Vec<(String, String)>,
    /// Host groups whose hosts this target replaces (each a group of the runbook).
    pub hosts: Vec<HostGroup>,
    /// How OpenSSH is called for this target, instead of the runbook's `ssh_command`.
    pub ssh_command: Option<Vec<String>>,
    /// Drills only: every wait, bake, poll and retry delay multiplied by it.
    pub time_scale: Option<f64>,
    /// Folders of stand-ins for the host's tools, as written (relative to the runbook's
    /// folder): put first on PATH for every process of a run of this target.
    pub tools: Vec<String>,
    /// A drill target that knowingly reaches production hosts or URLs: its runs take the
    /// release lock and need an operator key (`check_targets.rs`).
    pub shares_production: bool,
}

/// What a target's value may refer to: where things are for this run, filled in when it
/// starts (and journaled as filled in). Besides these, `free_port.NAME`: a loopback port the
/// run chose and found free, the same for every value that names NAME.
pub(crate) const TARGET_BUILTINS: [&str; 4] = ["runbook.dir", "run.dir", "run.id", "cutover"];

/// The prefix of a port a run chooses for itself (`{{ free_port.app }}`).
pub(crate) const FREE_PORT: &str = "free_port.";

/// Whether a target's value may name `used`.
pub(crate) fn is_target_builtin(used: &str) -> bool {
    TARGET_BUILTINS.contains(&used)
        || used.strip_prefix(FREE_PORT).is_some_and(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
}

pub(crate) fn parse_targets(
    table: &DeTable,
    runbook_environment: Option<&str>,
    vars: &[VarDef],
    groups: &[HostGroup],
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
        // A production runbook's target that says nothing inherits production: `--target
        // sandbox` would be a real release. Each target of one says what it is.
        if runbook_environment == Some("production") && environment.is_none() {
            fields
                .diags
                .error(
                    name.span.clone(),
                    format!(
                        "target `{}` of a production runbook does not say its environment: a run of it would be a production run",
                        name.value
                    ),
                )
                .with_hint(
                    "add `environment = \"drill\"` to rehearse with it, or `environment = \"production\"` if it is a real release",
                );
        }
        let values = fields.table("vars");
        let credentials = fields.table("credentials");
        let hosts = fields.table("hosts");
        let ssh_command = fields
            .has("ssh_command")
            .then(|| fields.string_list("ssh_command"));
        let time_scale = fields.number("time_scale");
        let tools = fields.string_list("tools");
        let shares_production = fields.bool("shares_production").unwrap_or(false);
        let is_drill = environment.as_ref().is_some_and(|e| e.value == "drill");
        if !is_drill && let Some(first) = tools.first() {
            fields
                .diags
                .error(
                    first.span.clone(),
                    format!(
                        "target `{}` puts stand-ins first on PATH, and only a drill runs against stand-ins",
                        name.value
                    ),
                )
                .with_hint("add `environment = \"drill\"` to the target, or remove `tools`");
        }
        fields.finish();
        let mut values = values.map_or_else(Vec::new, |(table, _)| {
            target_values(&name.value, table, vars, is_drill, diags)
        });
        if let Some((table, span)) = credentials {
            values.extend(target_credentials(
                &name.value,
                table,
                span,
                vars,
                is_drill,
                diags,
            ));
        }
        let hosts = hosts.map_or_else(Vec::new, |(table, _)| {
            let own = parse_host_groups(table, diags);
            for group in &own {
                if !groups.iter().any(|g| g.name.value == group.name.value) {
                    diags
                        .error(
                            group.name.span.clone(),
                            format!(
                                "target `{}` gives hosts to `{}`, which is not a host group of the runbook",
                                name.value, group.name.value
                            ),
                        )
                        .with_hint("a target replaces the hosts of the runbook's `[hosts]` groups");
                }
            }
            own
        });
        if let Some(command) = &ssh_command
            && command.is_empty()
        {
            diags.error(
                name.span.clone(),
                format!(
                    "target `{}`: `ssh_command` must name at least the program",
                    name.value
                ),
            );
        }
        if let Some(scale) = &time_scale {
            if !is_drill {
                diags
                    .error(
                        scale.span.clone(),
                        format!(
                            "target `{}` scales time, and only a drill's time may be scaled",
                            name.value
                        ),
                    )
                    .with_hint(
                        "add `environment = \"drill\"` to the target, or remove `time_scale`",
                    );
            } else if scale.value <= 0.0 {
                diags.error(
                    scale.span.clone(),
                    "`time_scale` must be above 0 (0.01 makes an hour 36 s)",
                );
            }
        }
        targets.push(Target {
            name,
            description,
            environment: environment.map(|e| e.value),
            vars: values,
            hosts,
            ssh_command: ssh_command.map(|parts| parts.into_iter().map(|p| p.value).collect()),
            time_scale: time_scale.map(|s| s.value),
            tools: tools.into_iter().map(|t| t.value).collect(),
            shares_production,
        });
    }
    targets
}

/// A drill target's `credentials`: values for secrets that open only its stand-ins (the
/// sandbox's tokens). Each names a secret of the runbook; a real secret never goes here, and
/// the secret's environment variable still wins over the value.
fn target_credentials(
    target: &str,
    table: &DeTable,
    span: super::source::Span,
    vars: &[VarDef],
    is_drill: bool,
    diags: &mut Diagnostics,
) -> Vec<(String, String)> {
    if !is_drill {
        diags
            .error(
                span,
                format!("target `{target}` has credentials, and only a drill's stand-ins have credentials of their own"),
            )
            .with_hint("a real secret comes from the environment (`env` of its `[vars.NAME]`)");
        return Vec::new();
    }
    let mut values = Vec::new();
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        match vars.iter().find(|v| v.name.value == name) {
            Some(var) if var.secret => {}
            Some(_) => {
                diags.error(
                    key.span(),
                    format!(
                        "target `{target}`: `{name}` is not a secret; its value goes in `vars`"
                    ),
                );
                continue;
            }
            None => {
                diags.error(
                    key.span(),
                    format!("target `{target}` gives a credential for `{name}`, which is not a variable of the runbook"),
                );
                continue;
            }
        }
        match value.get_ref() {
            DeValue::String(text) if text.chars().count() >= 8 => {
                values.push((name, text.to_string()))
            }
            _ => {
                diags.error(
                    value.span(),
                    format!("target `{target}`: the credential for `{name}` must be a string of at least 8 characters, as every secret"),
                );
            }
        }
    }
    values
}

/// A target's `vars`: each names a variable of the runbook, is not a secret (a secret's value
/// is never written in a runbook), and matches the variable's pattern.
fn target_values(
    target: &str,
    table: &DeTable,
    vars: &[VarDef],
    is_drill: bool,
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
                .with_hint(if is_drill {
                    format!("a stand-in's own credential goes in the target's `credentials`; a real secret comes from the environment (`env` of `[vars.{name}]`)")
                } else {
                    format!("remove it; the secret comes from the environment (`env` of `[vars.{name}]`)")
                });
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
        // Where things are for this run (`{{ run.dir }}/backups`): filled in when it starts,
        // and its pattern checked then.
        if text.contains("{{") {
            match super::template::Template::parse(&text, value.span(), None) {
                Ok(template) => {
                    for (used, span) in template.references() {
                        if !is_target_builtin(used) {
                            diags
                                .error(
                                    span,
                                    format!("target `{target}`: `{name}` refers to `{used}`, and a target's value may refer only to where things are for the run"),
                                )
                                .with_hint(format!("use {}, or `{{{{ free_port.NAME }}}}` for a port of its own", TARGET_BUILTINS.map(|b| format!("`{{{{ {b} }}}}`")).join(", ")));
                        }
                    }
                }
                Err(err) => {
                    diags.error(value.span(), err.message);
                }
            }
            values.push((name, text));
            continue;
        }
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
