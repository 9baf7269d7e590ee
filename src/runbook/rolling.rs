//! Placing a runbook's steps on the run's hosts, once the hosts are known (the runbook's
//! groups, `--hosts`, `--limit`, or a resumed run's header): a step with `on` gets its host
//! list, and a rolling phase (`for_each`) becomes each host's turn through its steps, batch by
//! batch — `drain@node-1`, `upgrade@node-1`, …, then the next batch. Every later part of cutover
//! (the engine, the journal, the TUI, resume) sees ordinary steps with ordinary ids.

use std::collections::BTreeMap;

use super::hosts::HostTarget;
use super::model::{HostTurn, Phase, Placement, Runbook, Step};

/// Each group's hosts for this run, in order.
pub(crate) type HostPlan = BTreeMap<String, Vec<String>>;

/// The runbook's own groups, before anything overrides them.
pub(crate) fn runbook_hosts(runbook: &Runbook) -> HostPlan {
    runbook
        .hosts
        .iter()
        .map(|group| {
            let hosts = group.hosts.iter().map(|h| h.value.clone()).collect();
            (group.name.value.clone(), hosts)
        })
        .collect()
}

/// The runbook with every step placed on `hosts`.
pub(crate) fn place_on_hosts(runbook: &Runbook, hosts: &HostPlan) -> Runbook {
    let mut planned = runbook.clone();
    planned.phases = runbook
        .phases
        .iter()
        .map(|phase| place_phase(phase, hosts))
        .collect();
    planned.rollback = runbook
        .rollback
        .iter()
        .map(|step| placed(step, hosts, None))
        .collect();
    planned
}

fn place_phase(phase: &Phase, hosts: &HostPlan) -> Phase {
    let Some(group) = &phase.for_each else {
        return Phase {
            steps: phase
                .steps
                .iter()
                .map(|step| placed(step, hosts, None))
                .collect(),
            ..phase.clone()
        };
    };
    let members = hosts.get(&group.value).cloned().unwrap_or_default();
    let mut steps = Vec::new();
    for (batch, wave) in phase.serial.batches(&members).iter().enumerate() {
        let allowed_failures = phase.max_fail.allowed(wave.len());
        for step in &phase.steps {
            for host in wave {
                let turn = HostTurn {
                    step: step.id.value.clone(),
                    phase: phase.id.value.clone(),
                    host: host.clone(),
                    batch,
                    allowed_failures,
                };
                steps.push(placed(step, hosts, Some(turn)));
            }
        }
    }
    Phase {
        steps,
        ..phase.clone()
    }
}

fn placed(step: &Step, hosts: &HostPlan, turn: Option<HostTurn>) -> Step {
    let current = turn.as_ref().map(|turn| turn.host.clone());
    let remote = match &step.on {
        None => None,
        Some(HostTarget::Group(group)) => {
            Some(hosts.get(&group.value).cloned().unwrap_or_default())
        }
        Some(HostTarget::List(list)) => Some(list.iter().map(|h| h.value.clone()).collect()),
        // `check` allows `{{ host }}` only inside a rolling phase.
        Some(HostTarget::Current(_)) => current.clone().map(|host| vec![host]),
    };
    let mut step = step.clone();
    if let Some(host) = &current {
        step.id.value = Step::turn_id(&step.id.value, host);
        // A title that does not name the host would read the same for every host.
        if !step.title.contains("host") {
            step.title = format!("{} · {host}", step.title);
        }
    }
    step.placement = Placement { remote, turn };
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_runbook_text(text: &str) -> Option<Runbook> {
        let checked = crate::runbook::load::check_bytes(
            std::path::Path::new("t.toml"),
            text.as_bytes().to_vec(),
        );
        assert_eq!(checked.error_count, 0, "{:?}", checked.diagnostics);
        checked.runbook
    }

    const ROLLING: &str = r#"
[runbook]
name = "kubelet"

[hosts]
nodes = ["n1", "n2", "n3"]
web = ["w1", "w2"]

[[phase]]
id = "upgrade"
for_each = "nodes"
serial = 2

[[phase.step]]
id = "drain"
kind = "command"
run = "kubectl drain {{ host }}"

[[phase.step]]
id = "kubelet"
title = "Upgrade the kubelet on {{ host }}"
kind = "command"
on = "{{ host }}"
run = "apt-get install kubelet"

[[phase]]
id = "after"

[[phase.step]]
id = "reload"
kind = "command"
on = "web"
run = "nginx -s reload"
"#;

    #[test]
    fn a_rolling_phase_becomes_each_hosts_turn_batch_by_batch() {
        let runbook = parse_runbook_text(ROLLING).expect("parses");
        let planned = place_on_hosts(&runbook, &runbook_hosts(&runbook));
        let ids: Vec<&str> = planned.steps().map(|(_, s)| s.id.value.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "drain@n1",
                "drain@n2",
                "kubelet@n1",
                "kubelet@n2",
                "drain@n3",
                "kubelet@n3",
                "reload"
            ]
        );
        let steps: Vec<&Step> = planned.steps().map(|(_, s)| s).collect();
        assert_eq!(steps[0].placement.remote, None, "drain runs locally");
        assert_eq!(steps[0].title, "drain · n1");
        assert_eq!(steps[2].placement.remote, Some(vec!["n1".to_string()]));
        assert_eq!(steps[2].title, "Upgrade the kubelet on {{ host }}");
        assert_eq!(steps[4].placement.turn.as_ref().unwrap().batch, 1);
        assert_eq!(
            steps[6].placement.remote,
            Some(vec!["w1".to_string(), "w2".to_string()])
        );
    }

    #[test]
    fn a_limited_group_places_only_its_hosts() {
        let runbook = parse_runbook_text(ROLLING).expect("parses");
        let mut hosts = runbook_hosts(&runbook);
        hosts.insert("nodes".into(), vec!["n2".into()]);
        let planned = place_on_hosts(&runbook, &hosts);
        let ids: Vec<&str> = planned.steps().map(|(_, s)| s.id.value.as_str()).collect();
        assert_eq!(ids, vec!["drain@n2", "kubelet@n2", "reload"]);
    }
}
