//! A drill never touches production without saying so. A drill target of a production
//! runbook that keeps what points at production — the hosts its steps run on, an
//! `ssh_command` the runbook gives, a variable a URL is built from — would rehearse against
//! the real thing, with no release lock and no operator key, even while a real release holds
//! the lock. `check` refuses it, unless the target says `shares_production = true`: then its
//! runs take the release lock and need an operator key, like a release.

use std::collections::BTreeMap;

use super::diagnostic::Diagnostics;
use super::model::Runbook;
use super::targets::Target;

pub(crate) fn check_targets(runbook: &Runbook, diags: &mut Diagnostics) {
    if !runbook.is_production() {
        return;
    }
    let reaches = what_reaches_production(runbook);
    for target in &runbook.targets {
        let is_drill = target.environment.as_deref() == Some("drill");
        if !is_drill || target.shares_production {
            continue;
        }
        let kept: Vec<String> = reaches
            .iter()
            .filter(|(what, _)| !target_replaces(target, what))
            .map(|(what, used)| format!("{} ({used})", what.describe()))
            .collect();
        if kept.is_empty() {
            continue;
        }
        diags
            .error(
                target.name.span.clone(),
                format!(
                    "drill target `{}` of a production runbook would reach production: it keeps {}",
                    target.name.value,
                    kept.join(", ")
                ),
            )
            .with_hint(format!(
                "give the target its own values (`[targets.{0}.vars]`, `[targets.{0}.hosts]`, `ssh_command`), or say `shares_production = true` if it knowingly reaches production: its runs then take the release lock and need an operator key",
                target.name.value
            ));
    }
}

/// Something of the runbook a run reaches production through.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    /// A host group a step runs on.
    Hosts(String),
    /// The runbook's own `ssh_command`.
    SshCommand,
    /// A variable a URL is built from.
    Variable(String),
}

impl Reach {
    fn describe(&self) -> String {
        match self {
            Self::Hosts(group) => format!("the hosts of group `{group}`"),
            Self::SshCommand => "the runbook's `ssh_command`".to_string(),
            Self::Variable(name) => format!("`{name}`"),
        }
    }
}

/// Each way the runbook reaches production, with the first place that uses it.
fn what_reaches_production(runbook: &Runbook) -> BTreeMap<Reach, String> {
    let mut reaches = BTreeMap::new();
    let declared = |name: &str| runbook.var(name).is_some();
    let steps = runbook
        .phases
        .iter()
        .flat_map(|phase| phase.steps.iter().map(move |step| (Some(phase), step)))
        .chain(runbook.rollback.iter().map(|step| (None, step)));
    for (phase, step) in steps {
        let id = &step.id.value;
        let groups = step
            .on
            .as_ref()
            .and_then(|on| match on {
                super::hosts::HostTarget::Group(group) => Some(group.value.clone()),
                _ => None,
            })
            .into_iter()
            .chain(
                phase
                    .and_then(|p| p.for_each.as_ref())
                    .map(|g| g.value.clone()),
            );
        for group in groups {
            if runbook.host_group(&group).is_some() {
                reaches
                    .entry(Reach::Hosts(group))
                    .or_insert_with(|| format!("step `{id}` runs there"));
            }
        }
        for usage in step.action.templates().into_iter().filter(|u| u.is_url) {
            for name in where_it_goes(usage.template) {
                if declared(name) {
                    reaches
                        .entry(Reach::Variable(name.to_string()))
                        .or_insert_with(|| format!("the URL of step `{id}`"));
                }
            }
        }
    }
    let runs_on_hosts = reaches.keys().any(|r| matches!(r, Reach::Hosts(_)))
        || runbook.steps().any(|(_, step)| step.on.is_some());
    if runs_on_hosts && runbook.ssh_command != ["ssh"] {
        reaches.insert(Reach::SshCommand, "how hosts are reached".to_string());
    }
    reaches
}

/// The placeholders of a URL that say where it goes (scheme, host, port): those before the
/// path. In `{{ base_url }}{{ path }}` that is `base_url`; in `https://{{ host }}/x`, `host`.
fn where_it_goes(url: &super::template::Template) -> Vec<&str> {
    let source = &url.source;
    let authority_end = match source.find("://") {
        Some(scheme) => {
            let after = scheme + 3;
            source[after..]
                .find(['/', '?', '#'])
                .map_or(source.len(), |at| after + at)
        }
        // No scheme written: the placeholder the URL starts with brings it, host and all.
        None => usize::from(source.starts_with("{{")),
    };
    url.reference_ranges()
        .filter(|(_, at)| at.start < authority_end)
        .map(|(name, _)| name)
        .collect()
}

fn target_replaces(target: &Target, what: &Reach) -> bool {
    match what {
        Reach::Hosts(group) => target.hosts.iter().any(|g| &g.name.value == group),
        Reach::SshCommand => target.ssh_command.is_some(),
        Reach::Variable(name) => target.vars.iter().any(|(var, _)| var == name),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn problems(targets: &str) -> Vec<String> {
        let text = format!(
            r#"[runbook]
name = "pay"
environment = "production"
ssh_command = ["ssh", "-F", "ops/ssh_config"]

[vars.api]
default = "https://pay.example"

[hosts]
web = ["web-1"]

[[phase]]
id = "p"

[[phase.step]]
id = "deploy"
kind = "command"
on = "web"
run = "true"

[vars.path]
default = "/health"

[[phase.step]]
id = "pay"
kind = "http"
url = "{{{{ api }}}}{{{{ path }}}}"

{targets}"#
        );
        crate::runbook::load::check_bytes(Path::new("pay.toml"), text.into_bytes())
            .diagnostics
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn a_drill_target_that_keeps_what_points_at_production_is_refused() {
        let found = problems("[targets.rehearsal]\nenvironment = \"drill\"\n");
        assert_eq!(found.len(), 1, "{found:?}");
        let message = &found[0];
        assert!(message.contains("would reach production"), "{message}");
        assert!(
            message.contains("`api` (the URL of step `pay`)"),
            "{message}"
        );
        assert!(message.contains("the hosts of group `web`"), "{message}");
        assert!(message.contains("`ssh_command`"), "{message}");
        assert!(
            !message.contains("`path`"),
            "a path goes nowhere: {message}"
        );
    }

    #[test]
    fn a_target_with_its_own_values_or_that_says_so_passes() {
        let own = "[targets.rehearsal]\nenvironment = \"drill\"\nssh_command = [\"ssh\", \"-F\", \"drill/ssh_config\"]\n[targets.rehearsal.vars]\napi = \"http://127.0.0.1:8080\"\n[targets.rehearsal.hosts]\nweb = [\"stand-in-1\"]\n";
        assert_eq!(problems(own), Vec::<String>::new());
        let says = "[targets.staging-on-prod]\nenvironment = \"drill\"\nshares_production = true\n";
        assert_eq!(problems(says), Vec::<String>::new());
        let release = "[targets.production]\nenvironment = \"production\"\n";
        assert_eq!(problems(release), Vec::<String>::new());
    }
}
