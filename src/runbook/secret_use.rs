//! Which steps receive which secret. A process gets a secret's `CUTOVER_<NAME>` only when its
//! step names it (`ProcessSpec::names`); a request or a gate gets one it names in a
//! placeholder. `cutover check --format json` lists them, so a reviewer sees where each secret
//! goes without reading every step.

use std::collections::BTreeMap;

use super::model::{Runbook, Step, StepAction};

/// Each secret variable, with the ids of the steps that receive it (rollback included), in
/// runbook order; a secret no step receives has an empty list.
pub(crate) fn secret_receivers(runbook: &Runbook) -> BTreeMap<String, Vec<String>> {
    let mut receivers: BTreeMap<String, Vec<String>> = runbook
        .vars
        .iter()
        .filter(|var| var.secret)
        .map(|var| (var.name.value.clone(), Vec::new()))
        .collect();
    let steps = runbook
        .steps()
        .map(|(_, step)| step)
        .chain(&runbook.rollback);
    for step in steps {
        for (secret, steps) in receivers.iter_mut() {
            if receives(step, secret) {
                steps.push(step.id.value.clone());
            }
        }
    }
    receivers
}

fn receives(step: &Step, secret: &str) -> bool {
    let process = match &step.action {
        StepAction::Command(step) => Some(&step.process),
        StepAction::Progressive(step) => Some(&step.process),
        StepAction::Service(step) => Some(&step.process),
        _ => None,
    };
    match process {
        Some(process) => process.names(secret),
        None => step
            .action
            .templates()
            .iter()
            .any(|usage| usage.template.references().any(|(name, _)| name == secret)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_goes_only_where_a_step_names_it() {
        let text = r#"[runbook]
name = "r"

[vars.token]
env = "TOKEN"
secret = true

[vars.unused]
env = "UNUSED"
secret = true

[[phase]]
id = "p"

[[phase.step]]
id = "uses-it"
kind = "command"
run = 'curl -H "Authorization: Bearer $CUTOVER_TOKEN" https://example.com'

[[phase.step]]
id = "passes-it"
kind = "command"
run = "./deploy.sh"
env = { API_TOKEN = "{{ token }}" }

[[phase.step]]
id = "asks"
kind = "http"
url = "https://example.com"
headers = { Authorization = "Bearer {{ token }}" }

[[phase.step]]
id = "other"
kind = "command"
run = "echo hello"
"#;
        let checked =
            crate::runbook::load::check_bytes(std::path::Path::new("r.toml"), text.into());
        let runbook = checked.runbook.expect("valid");
        let receivers = secret_receivers(&runbook);
        assert_eq!(receivers["token"], ["uses-it", "passes-it", "asks"]);
        assert!(receivers["unused"].is_empty());
    }
}
