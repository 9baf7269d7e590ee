//! Executes an `env` step: every rule checked against the process environment, or against a
//! dotenv file; every failing rule reported, values never shown.

use std::collections::HashMap;

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::runbook::kinds::env::EnvStep;
use crate::runbook::template::{Quoting, RenderError};

use super::dotenv::parse_dotenv;

pub(crate) fn shown(step: &EnvStep, ctx: &StepContext<'_>) -> Result<String, RenderError> {
    let source = match &step.env_file {
        Some(file) => format!(
            "dotenv {}",
            file.render(ctx.scope, Quoting::Verbatim)?.display
        ),
        None => "process environment".to_string(),
    };
    let names = |items: &mut dyn Iterator<Item = &str>| items.collect::<Vec<_>>().join(", ");
    let mut rules = Vec::new();
    if !step.require.is_empty() {
        rules.push(format!(
            "set: {}",
            names(&mut step.require.iter().map(|n| n.value.as_str()))
        ));
    }
    if !step.forbid.is_empty() {
        rules.push(format!(
            "unset: {}",
            names(&mut step.forbid.iter().map(|n| n.value.as_str()))
        ));
    }
    for (name, min) in &step.min_length {
        rules.push(format!("{} at least {min} characters", name.value));
    }
    for (name, regex) in &step.matches {
        rules.push(format!("{} matches `{}`", name.value, regex.value.as_str()));
    }
    Ok(format!("check {source} · {}", rules.join(" · ")))
}

pub(crate) async fn execute(
    step: &EnvStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    let variables: HashMap<String, String> = match &step.env_file {
        Some(file) => {
            let path = match file.render(ctx.scope, Quoting::Verbatim) {
                Ok(path) => path.text,
                Err(err) => return Ok(StepOutcome::fail(err.to_string())),
            };
            // Relative to where cutover was started, as a command's default `cwd` is.
            let path = std::path::PathBuf::from(path);
            match std::fs::read(&path) {
                Ok(bytes) => match parse_dotenv(&String::from_utf8_lossy(&bytes)) {
                    Ok(pairs) => pairs.into_iter().collect(),
                    Err(err) => return Ok(StepOutcome::fail(format!("{}: {err}", path.display()))),
                },
                Err(err) => {
                    return Ok(StepOutcome::fail(format!(
                        "cannot read {}: {err}",
                        path.display()
                    )));
                }
            }
        }
        None => std::env::vars().collect(),
    };
    Ok(judge(step, &variables))
}

/// Checks every rule; the message lists every failure, and the names that passed, by name
/// only.
pub(crate) fn judge(step: &EnvStep, variables: &HashMap<String, String>) -> StepOutcome {
    // Each rule's name and, when it did not hold, why.
    let mut rules: Vec<(&str, Option<String>)> = Vec::new();
    for name in &step.require {
        let problem = variables
            .get(&name.value)
            .is_none_or(|v| v.is_empty())
            .then(|| format!("{} is not set", name.value));
        rules.push((&name.value, problem));
    }
    for name in &step.forbid {
        let problem = variables
            .contains_key(&name.value)
            .then(|| format!("{} is set and must not be", name.value));
        rules.push((&name.value, problem));
    }
    for (name, min) in &step.min_length {
        let problem = match variables.get(&name.value) {
            Some(value) if value.chars().count() >= *min => None,
            Some(value) => Some(format!(
                "{} is {} characters, needs at least {min}",
                name.value,
                value.chars().count()
            )),
            None => Some(format!(
                "{} is not set (needs at least {min} characters)",
                name.value
            )),
        };
        rules.push((&name.value, problem));
    }
    for (name, regex) in &step.matches {
        let problem = match variables.get(&name.value) {
            Some(value) if regex.value.is_match(value) => None,
            Some(_) => Some(format!(
                "{} does not match `{}`",
                name.value,
                regex.value.as_str()
            )),
            None => Some(format!(
                "{} is not set (must match `{}`)",
                name.value,
                regex.value.as_str()
            )),
        };
        rules.push((&name.value, problem));
    }
    let problems: Vec<&str> = rules.iter().filter_map(|(_, p)| p.as_deref()).collect();
    // A name passed when every one of its rules held; in the order the runbook gives them.
    let mut passed: Vec<&str> = Vec::new();
    for (name, _) in &rules {
        let every_rule_held = rules.iter().all(|(n, p)| n != name || p.is_none());
        if every_rule_held && !passed.contains(name) {
            passed.push(name);
        }
    }
    if problems.is_empty() {
        StepOutcome::pass(format!(
            "{} checks passed: {}",
            rules.len(),
            passed.join(", ")
        ))
    } else if passed.is_empty() {
        StepOutcome::fail(problems.join("; "))
    } else {
        StepOutcome::fail(format!(
            "{}; passed: {}",
            problems.join("; "),
            passed.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::source::Located;

    fn name(text: &str) -> Located<String> {
        Located::new(text.to_string(), 0..0)
    }

    #[test]
    fn the_result_names_what_passed_and_what_did_not() {
        let step = EnvStep {
            require: vec![name("DATABASE_URL"), name("JWT_SECRET")],
            forbid: vec![name("SKIP_AUTH")],
            min_length: vec![(name("JWT_SECRET"), 32)],
            matches: Vec::new(),
            env_file: None,
        };
        let mut variables = HashMap::from([
            ("DATABASE_URL".to_string(), "postgres://db".to_string()),
            ("JWT_SECRET".to_string(), "short".to_string()),
        ]);
        let failed = judge(&step, &variables);
        assert!(!failed.passed);
        assert_eq!(
            failed.message,
            "JWT_SECRET is 5 characters, needs at least 32; passed: DATABASE_URL, SKIP_AUTH"
        );
        variables.insert("JWT_SECRET".into(), "x".repeat(32));
        let passed = judge(&step, &variables);
        assert!(passed.passed);
        assert_eq!(
            passed.message,
            "4 checks passed: DATABASE_URL, JWT_SECRET, SKIP_AUTH"
        );
        assert!(
            !passed.message.contains(&"x".repeat(32)),
            "values are never shown"
        );
    }
}
