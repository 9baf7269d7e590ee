//! The rules that need the whole runbook: names resolve, captures come before their use,
//! secrets stay off command lines, URLs are URLs once the defaults are filled in.

use crate::runbook::template::Secrecy;
use std::collections::HashMap;

use super::diagnostic::Diagnostics;
use super::model::{Runbook, Step, TemplateUse};
use super::names::is_var_name;
use super::source::{Located, Span};
use super::suggest::did_you_mean;
use super::template::{Quoting, Scope, env_name};

/// Names every runbook can use without declaring them.
pub(crate) const BUILTINS: [&str; 4] = ["run.id", "run.dir", "run.started", "cutover"];
/// Defined only in the `run` of a `progressive` step.
pub(crate) const STAGE: &str = "stage";
/// The current host: in a rolling phase, and in a step run on hosts (`on`).
pub(crate) const HOST: &str = "host";

pub(crate) fn check_runbook(runbook: &Runbook, diags: &mut Diagnostics) {
    check_exported_names(runbook, diags);
    super::check_conditions::check_conditions(runbook, diags);
    let captures = check_captures(runbook, diags);
    let url_scope = default_scope(runbook);
    check_secret_captures_in_commands(runbook, diags);
    super::check_hosts::check_hosts(runbook, diags);
    super::check_targets::check_targets(runbook, diags);

    // Main flow in order: a capture is visible from the step after the one that sets it.
    let mut visible: HashMap<&str, &str> = HashMap::new();
    for (phase, step) in runbook.steps() {
        let has_host = phase.for_each.is_some() || step.on.is_some();
        let context = Visible {
            names: &visible,
            has_host,
        };
        check_step_templates(runbook, step, &context, &captures, &url_scope, diags);
        for name in step.action.captures() {
            visible.insert(&name.value, &step.id.value);
        }
    }
    // A rollback can start after any step, so it may name any capture of the main flow; the
    // engine refuses to render one that was not captured yet in this run.
    for step in &runbook.rollback {
        let context = Visible {
            names: &visible,
            has_host: step.on.is_some(),
        };
        check_step_templates(runbook, step, &context, &captures, &url_scope, diags);
        for name in step.action.captures() {
            visible.insert(&name.value, &step.id.value);
        }
    }
}

/// Two names exported as the same `CUTOVER_*` variable would silently shadow each other.
fn check_exported_names(runbook: &Runbook, diags: &mut Diagnostics) {
    let mut exported: HashMap<String, &str> = HashMap::new();
    for var in &runbook.vars {
        let env = env_name(&var.name.value);
        if let Some(other) = exported.insert(env.clone(), &var.name.value) {
            diags.error(
                var.name.span.clone(),
                format!(
                    "variables `{other}` and `{}` would both be exported as ${env}",
                    var.name.value
                ),
            );
        }
    }
}

/// A capture declared secret may reach a command only through its `CUTOVER_<NAME>` export,
/// like a secret variable: on a command line it would show in `ps`.
fn check_secret_captures_in_commands(runbook: &Runbook, diags: &mut Diagnostics) {
    let secret: std::collections::HashSet<&str> = runbook
        .steps()
        .map(|(_, step)| step)
        .chain(&runbook.rollback)
        .flat_map(|step| step.action.secret_captures())
        .collect();
    if secret.is_empty() {
        return;
    }
    for step in runbook
        .steps()
        .map(|(_, step)| step)
        .chain(&runbook.rollback)
    {
        for usage in step.action.templates().into_iter().filter(|u| u.shell) {
            for (name, span) in usage.template.references() {
                if secret.contains(name) {
                    diags
                        .error(
                            span,
                            format!(
                                "captured secret `{name}` inside a command line would show in `ps`"
                            ),
                        )
                        .with_hint(format!(
                            "use ${} in the command instead",
                            crate::runbook::template::env_name(name)
                        ));
                }
            }
        }
    }
}

/// Validates capture names; returns, for each captured name, the first step that sets it.
fn check_captures<'r>(
    runbook: &'r Runbook,
    diags: &mut Diagnostics,
) -> HashMap<&'r str, &'r Located<String>> {
    let mut first_capture = HashMap::new();
    let steps = runbook
        .steps()
        .map(|(_, step)| step)
        .chain(&runbook.rollback);
    for step in steps {
        for name in step.action.captures() {
            if !is_var_name(&name.value) {
                diags.error(
                    name.span.clone(),
                    format!("capture name `{}` must be lowercase: a-z, 0-9, `_` and `-`, starting with a letter", name.value),
                );
            } else if runbook.var(&name.value).is_some()
                || BUILTINS.contains(&name.value.as_str())
                || name.value == STAGE
            {
                diags
                    .error(
                        name.span.clone(),
                        format!(
                            "capture `{}` would overwrite the variable of that name",
                            name.value
                        ),
                    )
                    .with_hint("give the captured value its own name");
            }
            first_capture.entry(name.value.as_str()).or_insert(&step.id);
        }
    }
    first_capture
}

/// What a step's templates may name besides the runbook's variables.
struct Visible<'a, 'r> {
    /// Captures of earlier steps, with the step that sets each.
    names: &'a HashMap<&'r str, &'r str>,
    /// `{{ host }}` has a value here.
    has_host: bool,
}

fn check_step_templates(
    runbook: &Runbook,
    step: &Step,
    visible: &Visible,
    captures: &HashMap<&str, &Located<String>>,
    url_scope: &Scope,
    diags: &mut Diagnostics,
) {
    for usage in step.templates() {
        for (name, span) in usage.template.references() {
            check_reference(runbook, step, usage, name, span, visible, captures, diags);
        }
        if usage.shell {
            for (name, span) in usage.template.quoted_placeholders() {
                diags
                    .warning(
                        span,
                        format!("`{{{{ {name} }}}}` is inside quotes, and cutover already quotes it for the shell"),
                    )
                    .with_hint("close the quotes before it (`-m \"done: \"{{ x }}`), or its quotes become part of the value");
            }
        }
        if usage.is_url {
            check_url(usage, url_scope, diags);
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "a reference is judged against the whole of its context; a struct would only rename these"
)]
fn check_reference(
    runbook: &Runbook,
    step: &Step,
    usage: TemplateUse,
    name: &str,
    span: Span,
    visible: &Visible,
    captures: &HashMap<&str, &Located<String>>,
    diags: &mut Diagnostics,
) {
    if name == HOST && runbook.var(HOST).is_none() {
        if !visible.has_host {
            diags
                .error(
                    span,
                    "`{{ host }}` has a value only where a step runs per host",
                )
                .with_hint("use it in a `for_each` phase, or in a step with `on = \"GROUP\"`");
        }
        return;
    }
    if name == STAGE {
        if !usage.has_stage {
            diags
                .error(
                    span,
                    "`{{ stage }}` only exists in a progressive step's `run` and metric gates",
                )
                .with_hint("use it in a `kind = \"progressive\"` step's `run`, or in a `kind = \"metric\"` gate of it");
        }
        return;
    }
    if let Some(var) = runbook.var(name) {
        let whole_argument = usage.template.sole_placeholder() == Some(name);
        if var.list && !usage.shell {
            diags
                .warning(
                    span.clone(),
                    format!(
                        "`{name}` is a list: here it becomes one text, its items joined by commas"
                    ),
                )
                .with_hint(
                    "a list is meant for a command line, where each item is a word of its own",
                );
        } else if var.list && usage.is_argv && !whole_argument {
            diags
                .warning(
                    span.clone(),
                    format!("`{name}` is a list: inside a longer argument it becomes one text, its items joined by commas"),
                )
                .with_hint(format!("give it an argument of its own, `\"{{{{ {name} }}}}\"`, to get one argument per item"));
        }
        if var.secret && usage.shell {
            diags
                .error(
                    span,
                    format!("secret `{name}` inside a command line would show in `ps`"),
                )
                .with_hint(format!("secrets reach commands as ${}", env_name(name)));
        }
        return;
    }
    if BUILTINS.contains(&name)
        || visible.names.contains_key(name)
        || runbook.constants.contains_key(name)
    {
        return;
    }
    if let Some(capturer) = captures.get(name) {
        let (own, later) = (&step.id.value, &capturer.value);
        let message = if own == later {
            format!(
                "`{name}` is captured by this step `{own}`, so it has no value while the step runs"
            )
        } else {
            format!("`{name}` is used before the step `{later}` that captures it")
        };
        diags
            .error(span, message)
            .with_hint("a captured variable exists only after the step that captures it");
        return;
    }
    let known = runbook
        .vars
        .iter()
        .map(|var| var.name.value.as_str())
        .chain(BUILTINS)
        .chain(visible.names.keys().copied());
    let diag = diags.error(span, format!("undefined variable `{name}`"));
    match did_you_mean(name, known) {
        Some(close) => diag.with_hint(format!("did you mean `{close}`?")),
        None => diag.with_hint(format!(
            "declare it with `[vars.{name}]`, or capture it in an earlier step"
        )),
    };
}

/// The values known before a run starts: variable defaults and stand-ins for the built-ins.
fn default_scope(runbook: &Runbook) -> Scope {
    let mut scope = Scope::default();
    for var in &runbook.vars {
        if let Some(default) = &var.default {
            scope.set(
                &var.name.value,
                default.value.clone(),
                Secrecy::declared(var.secret),
            );
        }
    }
    scope.set("run.id", "20260101T000000Z-00000000", Secrecy::Plain);
    scope.set("run.started", "20260101T000000Z", Secrecy::Plain);
    scope
}

/// A URL whose variables all have defaults must be a valid http(s) URL once they are filled in.
fn check_url(usage: TemplateUse, scope: &Scope, diags: &mut Diagnostics) {
    let Ok(rendered) = usage.template.render(scope, Quoting::Verbatim) else {
        return; // depends on a value only known at run time
    };
    let problem = match url::Url::parse(&rendered.text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => return,
        Ok(url) => format!(
            "the scheme is `{}`, cutover speaks http and https",
            url.scheme()
        ),
        Err(err) => err.to_string(),
    };
    let shown = if usage.template.has_placeholders() {
        format!(" (with defaults: `{}`)", rendered.display)
    } else {
        String::new()
    };
    diags
        .error(
            usage.template.span.clone(),
            format!("invalid URL{shown}: {problem}"),
        )
        .with_hint("write an absolute URL such as \"http://127.0.0.1:8080/api/health\"");
}
