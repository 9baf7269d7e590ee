//! `check`'s rules for hosts: every group a step or a rolling phase names exists, only a
//! `command` runs over ssh, `{{ host }}` as a place only inside a rolling phase, and nothing
//! that needs one host's answer (`capture`, `poll_*`) on a step that runs on many.

use super::diagnostic::Diagnostics;
use super::hosts::HostTarget;
use super::model::{Runbook, Step, StepAction};
use super::source::Located;
use super::suggest::did_you_mean;

pub(crate) fn check_hosts(runbook: &Runbook, diags: &mut Diagnostics) {
    for phase in &runbook.phases {
        if let Some(group) = &phase.for_each {
            check_group(runbook, group, diags);
        }
        for step in &phase.steps {
            check_step(runbook, step, phase.for_each.is_some(), diags);
        }
    }
    for step in &runbook.rollback {
        check_step(runbook, step, false, diags);
    }
}

fn check_group(runbook: &Runbook, group: &Located<String>, diags: &mut Diagnostics) {
    if runbook.host_group(&group.value).is_some() {
        return;
    }
    let error = diags.error(
        group.span.clone(),
        format!("host group `{}` is not in `[hosts]`", group.value),
    );
    match did_you_mean(
        &group.value,
        runbook.hosts.iter().map(|g| g.name.value.as_str()),
    ) {
        Some(known) => error.with_hint(format!("did you mean `{known}`?")),
        None => error.with_hint(format!(
            "declare it: `[hosts]` then `{} = [\"host-1\", \"host-2\"]`",
            group.value
        )),
    };
}

fn check_step(runbook: &Runbook, step: &Step, in_rolling_phase: bool, diags: &mut Diagnostics) {
    let Some(on) = &step.on else {
        return;
    };
    let span = match on {
        HostTarget::Group(group) => {
            check_group(runbook, group, diags);
            group.span.clone()
        }
        HostTarget::List(hosts) => hosts[0].span.clone(),
        HostTarget::Current(span) => {
            if !in_rolling_phase {
                diags
                    .error(
                        span.clone(),
                        "`on = \"{{ host }}\"` has a host only in a rolling phase",
                    )
                    .with_hint("give the phase `for_each = \"GROUP\"`, or name a group here");
            }
            span.clone()
        }
    };
    // On a host, `env` travels on ssh's command line, which `ps` shows on both ends.
    if let StepAction::Command(command) = &step.action {
        for (_, value) in &command.process.env {
            for (name, at) in value.references() {
                if runbook.var(name).is_some_and(|var| var.secret) {
                    diags
                        .error(at, format!("secret `{name}` cannot go to a host in `env`: it would travel on ssh's command line, which `ps` shows on both ends"))
                        .with_hint("keep the secret in a file on the host, or fetch it there");
                }
            }
        }
    }
    let StepAction::Command(command) = &step.action else {
        diags
            .error(
                span,
                format!(
                    "a `{}` step cannot run on hosts: `on` runs a command over ssh",
                    step.kind()
                ),
            )
            .with_hint("use a `command` step, or remove `on`");
        return;
    };
    let hosts = match on {
        HostTarget::Current(_) => return,
        HostTarget::List(hosts) => hosts.len(),
        HostTarget::Group(group) => runbook
            .host_group(&group.value)
            .map_or(0, |g| g.hosts.len()),
    };
    if hosts <= 1 {
        return;
    }
    if !command.capture.is_empty() {
        diags
            .error(
                span.clone(),
                "a step run on several hosts cannot `capture`: whose line would it be?",
            )
            .with_hint(
                "capture in a rolling phase's step, where `on = \"{{ host }}\"` is one host",
            );
    }
    if command.poll.is_some() {
        diags
            .error(span, "a step run on several hosts cannot poll")
            .with_hint("poll in a rolling phase's step, where `on = \"{{ host }}\"` is one host");
    }
}
