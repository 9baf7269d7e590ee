//! The values of a run's variables: `--var`, then the variable's environment variable, then its
//! default; plus the built-ins once the run folder exists. Every problem is reported, not only
//! the first, before anything is written.

use crate::runbook::model::Runbook;
use crate::runbook::template::Scope;
use crate::runbook::template::Secrecy;

/// Every problem with the variables, one sentence each.
#[derive(Debug, thiserror::Error)]
#[error("resolve the variables: {}", .0.join("; "))]
pub struct VariableProblems(pub Vec<String>);

/// The built-in values of one run.
pub(crate) struct Builtins {
    pub run_id: String,
    pub run_dir: String,
    pub run_started: String,
    pub cutover: String,
}

impl Builtins {
    /// The built-ins of a run whose folder is `run_dir`.
    pub(crate) fn of_run(run_id: &str, run_dir: &std::path::Path, run_started: &str) -> Self {
        Self {
            run_id: run_id.to_string(),
            run_dir: run_dir.display().to_string(),
            run_started: run_started.to_string(),
            cutover: cutover_program(),
        }
    }

    /// Adds the built-ins to a resolved scope; they are never secret.
    pub(crate) fn add_to(&self, scope: &mut Scope) {
        scope.set("run.id", &self.run_id, Secrecy::Plain);
        scope.set("run.dir", &self.run_dir, Secrecy::Plain);
        scope.set("run.started", &self.run_started, Secrecy::Plain);
        scope.set("cutover", &self.cutover, Secrecy::Plain);
    }
}

/// The built-in `cutover`: this program, so that a step can call cutover itself (its sandbox).
pub(crate) fn cutover_program() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "cutover".into())
}

/// The shortest secret cutover accepts.
pub(crate) const MIN_SECRET_CHARS: usize = 8;

/// Resolves every variable: `--var` values (`given`), then values the operator typed at the
/// start screen (`typed`: never on a command line, so secrets may come this way), then the
/// environment, then defaults.
/// "; did you mean `x`?" when a known name is close to the one typed.
pub(crate) fn did_you_mean<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    crate::runbook::suggest::did_you_mean(typed, known)
        .map(|close| format!("; did you mean `{close}`?"))
        .unwrap_or_default()
}

pub(crate) fn resolve_variables(
    runbook: &Runbook,
    given: &[(String, String)],
    typed: &[(String, String)],
    environment: &dyn Fn(&str) -> Option<String>,
) -> Result<Scope, VariableProblems> {
    let mut problems = Vec::new();
    for (name, _) in given {
        match runbook.var(name) {
            None => problems.push(format!(
                "--var {name}: the runbook has no variable `{name}`{}",
                did_you_mean(name, runbook.vars.iter().map(|var| var.name.value.as_str()))
            )),
            Some(var) if var.secret => problems.push(format!(
                "--var {name}: a secret on the command line would show in `ps`; set it in ${} instead",
                var.env.as_deref().unwrap_or("its environment variable")
            )),
            Some(_) => {}
        }
    }
    let mut scope = Scope::default();
    for (name, value) in &runbook.constants {
        scope.set(name, value.clone(), Secrecy::Plain);
    }
    for var in &runbook.vars {
        let name = &var.name.value;
        let value = given
            .iter()
            .rev()
            .find(|(given_name, _)| given_name == name)
            .map(|(_, value)| value.clone())
            .or_else(|| {
                typed
                    .iter()
                    .find(|(typed_name, _)| typed_name == name)
                    .map(|(_, value)| value.clone())
            })
            .or_else(|| var.env.as_deref().and_then(environment))
            .or_else(|| var.default.as_ref().map(|d| d.value.clone()));
        let value = match value {
            Some(value) => value,
            None if var.required || var.secret => {
                // A secret is never advised onto the command line, where `ps` shows it.
                problems.push(match (&var.env, var.secret) {
                    (Some(env), true) => format!(
                        "secret `{name}` is required: set ${env} in the environment (it never goes on the command line, where `ps` shows it)"
                    ),
                    (None, true) => format!(
                        "secret `{name}` is required: type it at the start screen; a secret never goes on the command line, where `ps` shows it"
                    ),
                    (Some(env), false) => {
                        format!("variable `{name}` is required: set ${env} or pass --var {name}=…")
                    }
                    (None, false) => format!("variable `{name}` is required: pass --var {name}=…"),
                });
                continue;
            }
            None => String::new(),
        };
        // A short secret garbles every message it is masked in (each "ab" becomes "***"),
        // and the masks give it away.
        if var.secret && value.chars().count() < MIN_SECRET_CHARS {
            problems.push(format!(
                "secret `{name}` has {} characters: secrets shorter than {MIN_SECRET_CHARS} are refused, since masking them would garble every message and give them away",
                value.chars().count()
            ));
            continue;
        }
        if let Some(pattern) = &var.pattern
            && !var.list
            && !pattern.value.is_match(&value)
        {
            let shown = if var.secret {
                "***".to_string()
            } else {
                value.clone()
            };
            problems.push(format!(
                "variable `{name}` = `{shown}` does not match `{}`",
                pattern.value.as_str()
            ));
            continue;
        }
        if var.list {
            let items: Vec<String> = value
                .split(crate::runbook::template::LIST_SEPARATOR)
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_string)
                .collect();
            if let Some(pattern) = &var.pattern
                && let Some(bad) = items.iter().find(|item| !pattern.value.is_match(item))
            {
                problems.push(format!(
                    "variable `{name}`: item `{bad}` does not match `{}`",
                    pattern.value.as_str()
                ));
                continue;
            }
            scope.set_list(name, items, Secrecy::declared(var.secret));
            continue;
        }
        scope.set(name, value, Secrecy::declared(var.secret));
    }
    if problems.is_empty() {
        Ok(scope)
    } else {
        Err(VariableProblems(problems))
    }
}

/// Each secret variable and the environment variable its value comes from: a process that
/// does not name the secret inherits neither (`engine/steps/resolve.rs`).
pub(crate) fn secret_sources(runbook: &crate::runbook::model::Runbook) -> Vec<(String, String)> {
    runbook
        .vars
        .iter()
        .filter(|var| var.secret)
        .filter_map(|var| Some((var.name.value.clone(), var.env.clone()?)))
        .collect()
}
