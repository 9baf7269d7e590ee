//! The hosts of a new run: the runbook's `[hosts]` groups, a group replaced with
//! `--hosts GROUP=a,b`, then every group cut down to `--limit HOST,…`. The result is journaled
//! in the header, so that a resumed run places its steps on exactly the same hosts.

use crate::runbook::hosts::is_host_name;
use crate::runbook::model::Runbook;
use crate::runbook::rolling::{HostPlan, runbook_hosts};

#[derive(Debug, thiserror::Error)]
pub enum HostsError {
    #[error(
        "start the run: --hosts {0}=…: the runbook has no host group `{0}` (its groups: {1}){2}"
    )]
    UnknownGroup(String, String, String),
    #[error(
        "start the run: `{0}` is not a host name cutover passes to ssh (letters, digits, `.`, `-`, `_`, `user@`; give anything else an alias in the ssh config)"
    )]
    BadName(String),
    #[error("start the run: --limit {0}: no group of this run has that host{1}")]
    NotInAnyGroup(String, String),
}

/// The run's groups, from the runbook and the command line.
pub(crate) fn resolve_hosts(
    runbook: &Runbook,
    replaced: &[(String, Vec<String>)],
    limit: &[String],
) -> Result<HostPlan, HostsError> {
    let mut hosts = runbook_hosts(runbook);
    for (group, members) in replaced {
        if !hosts.contains_key(group) {
            let known: Vec<&str> = hosts.keys().map(String::as_str).collect();
            return Err(HostsError::UnknownGroup(
                group.clone(),
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
                super::variables::did_you_mean(group, known.iter().copied()),
            ));
        }
        if let Some(bad) = members.iter().find(|m| !is_host_name(m)) {
            return Err(HostsError::BadName(bad.clone()));
        }
        hosts.insert(group.clone(), members.clone());
    }
    if !limit.is_empty() {
        if let Some(missing) = limit
            .iter()
            .find(|host| !hosts.values().any(|members| members.contains(host)))
        {
            let known = hosts.values().flatten().map(String::as_str);
            return Err(HostsError::NotInAnyGroup(
                missing.clone(),
                super::variables::did_you_mean(missing, known),
            ));
        }
        for members in hosts.values_mut() {
            members.retain(|host| limit.contains(host));
        }
    }
    Ok(hosts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runbook() -> Runbook {
        let text = r#"
[runbook]
name = "r"
[hosts]
web = ["w1", "w2", "w3"]
db = ["d1"]
[[phase]]
id = "p"
[[phase.step]]
id = "s"
kind = "command"
on = "web"
run = "true"
"#;
        crate::runbook::load::check_bytes(std::path::Path::new("r.toml"), text.into())
            .runbook
            .expect("checks clean")
    }

    #[test]
    fn a_group_is_replaced_then_every_group_is_limited() {
        let hosts = resolve_hosts(
            &runbook(),
            &[("web".into(), vec!["w7".into(), "w8".into()])],
            &["w8".into(), "d1".into()],
        )
        .unwrap();
        assert_eq!(hosts["web"], vec!["w8"]);
        assert_eq!(hosts["db"], vec!["d1"]);
    }

    #[test]
    fn an_unknown_group_a_bad_name_and_a_stray_limit_are_refused() {
        let unknown = resolve_hosts(&runbook(), &[("wbe".into(), vec!["x".into()])], &[]);
        assert!(matches!(unknown, Err(HostsError::UnknownGroup(..))));
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .ends_with("did you mean `web`?")
        );
        let bad = resolve_hosts(
            &runbook(),
            &[("web".into(), vec!["-oProxyCommand=x".into()])],
            &[],
        );
        assert!(matches!(bad, Err(HostsError::BadName(_))));
        let stray = resolve_hosts(&runbook(), &[], &["w9".into()]);
        assert!(matches!(stray, Err(HostsError::NotInAnyGroup(..))));
    }
}
