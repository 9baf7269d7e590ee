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
    Ok(format!(
        "check {source}: require {} · forbid {} · min_length {} · matches {}",
        step.require.len(),
        step.forbid.len(),
        step.min_length.len(),
        step.matches.len()
    ))
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

/// Checks every rule; the message lists every failure, by name only.
pub(crate) fn judge(step: &EnvStep, variables: &HashMap<String, String>) -> StepOutcome {
    let mut problems = Vec::new();
    for name in &step.require {
        if variables.get(&name.value).is_none_or(|v| v.is_empty()) {
            problems.push(format!("{} is not set", name.value));
        }
    }
    for name in &step.forbid {
        if variables.contains_key(&name.value) {
            problems.push(format!("{} is set and must not be", name.value));
        }
    }
    for (name, min) in &step.min_length {
        match variables.get(&name.value) {
            Some(value) if value.chars().count() >= *min => {}
            Some(value) => problems.push(format!(
                "{} is {} characters, needs at least {min}",
                name.value,
                value.chars().count()
            )),
            None => problems.push(format!(
                "{} is not set (needs at least {min} characters)",
                name.value
            )),
        }
    }
    for (name, regex) in &step.matches {
        match variables.get(&name.value) {
            Some(value) if regex.value.is_match(value) => {}
            Some(_) => problems.push(format!(
                "{} does not match `{}`",
                name.value,
                regex.value.as_str()
            )),
            None => problems.push(format!(
                "{} is not set (must match `{}`)",
                name.value,
                regex.value.as_str()
            )),
        }
    }
    let checked =
        step.require.len() + step.forbid.len() + step.min_length.len() + step.matches.len();
    if problems.is_empty() {
        StepOutcome::pass(format!("{checked} checks passed"))
    } else {
        StepOutcome::fail(problems.join("; "))
    }
}
