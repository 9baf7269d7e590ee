//! One line per journal entry, for the timeline of the review and the reports: what happened,
//! in words, from the entry's body alone.

use crate::journal::entry::{Body, CheckpointReason};
use crate::protocol::decision::{ConfirmVia, Decision};
use crate::runbook::duration::human_ms;

/// The first line of a text, cut to `max` characters.
pub(crate) fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    let more = text.lines().nth(1).is_some();
    if line.chars().count() > max {
        format!("{}…", line.chars().take(max).collect::<String>())
    } else if more {
        format!("{line} …")
    } else {
        line.to_string()
    }
}

pub(crate) fn timeline_line(body: &Body, who: &str) -> String {
    match body {
        Body::Header(header) => format!(
            "{} run of {} started by {who} on {}",
            header.mode.as_str(),
            header.runbook.name,
            header.host
        ),
        Body::PhaseStart(phase) => format!("phase {}: {}", phase.phase, phase.title),
        Body::StepStart(start) => {
            let attempt = if start.attempt > 1 {
                format!(" (attempt {})", start.attempt)
            } else {
                String::new()
            };
            let rollback = if start.rollback { " [rollback]" } else { "" };
            let approved = if start.approvals.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = start
                    .approvals
                    .iter()
                    .map(|a| a.principal.as_str())
                    .collect();
                format!(" (approved by {})", names.join(", "))
            };
            format!(
                "{}{rollback}{attempt} started{approved}: {}",
                start.step,
                first_line(&start.action, 120)
            )
        }
        Body::StepResult(result) => {
            let what = match result.stage {
                Some(stage) => format!("{} stage {stage}%", result.step),
                None => result.step.clone(),
            };
            format!(
                "{what} {} in {}: {}",
                result.status,
                human_ms(result.duration_ms),
                first_line(&result.message, 160)
            )
        }
        Body::Host(host) => {
            let exit = host
                .exit_code
                .map_or_else(String::new, |code| format!(" (exit {code})"));
            format!(
                "{} on {}: {}{exit} in {}: {}",
                host.step,
                host.host,
                host.status,
                human_ms(host.duration_ms),
                first_line(&host.message, 160)
            )
        }
        Body::Metric(sample) => {
            let place = sample
                .place()
                .map_or_else(String::new, |place| format!(" gate {place}"));
            format!(
                "{}{place} sample {}: {} — {}",
                sample.step,
                sample.sample,
                sample.verdict,
                first_line(&sample.reason, 160)
            )
        }
        Body::Probe(probe) => {
            let outcome = match (&probe.error, probe.status) {
                (Some(error), _) => format!("error: {error}"),
                (None, Some(status)) => format!("status {status}"),
                (None, None) => "no answer".into(),
            };
            format!(
                "{} sample {}: {:.1} ms, {outcome}",
                probe.step, probe.sample, probe.latency_ms
            )
        }
        Body::Confirm(confirm) => {
            let mut text = match confirm.via {
                Some(ConfirmVia::CommandLine) => format!(
                    "{} confirmed in advance by --confirm on {who}'s command line",
                    confirm.step
                ),
                Some(ConfirmVia::Terminal) => {
                    format!("{} confirmed by {who} at the terminal", confirm.step)
                }
                None => format!("{} confirmed by {who}", confirm.step),
            };
            if !confirm.checklist.is_empty() {
                text.push_str(&format!(": {}", confirm.checklist.join(" · ")));
            }
            if let Some(note) = &confirm.note {
                text.push_str(&format!("; note: {}", first_line(note, 120)));
            }
            text
        }
        Body::Decision(decided) => {
            let by = match decided.decision {
                Decision::Policy { .. } | Decision::Deadline { .. } => String::new(),
                _ => format!(" by {who}"),
            };
            format!("{}: {}{by}", decided.step, decided.decision)
        }
        Body::Service(service) => format!("service {}: {}", service.step, service.state),
        Body::Input(input) => format!(
            "{}: {} = {} ({}, {who})",
            input.step,
            input.variable,
            input.value.as_deref().unwrap_or("*** (secret)"),
            input.by
        ),
        Body::Condition(condition) => {
            let whose = match &condition.phase {
                Some(phase) => format!("phase {phase}'s condition"),
                None => "condition".to_string(),
            };
            match (condition.value, &condition.error) {
                (Some(true), _) => format!(
                    "{}: {whose} `{}` holds",
                    condition.step, condition.expression
                ),
                (Some(false), _) => format!(
                    "{}: not applicable, {whose} `{}` is false",
                    condition.step, condition.expression
                ),
                (None, error) => format!(
                    "{}: {whose} `{}` failed: {}",
                    condition.step,
                    condition.expression,
                    error.as_deref().unwrap_or("no value")
                ),
            }
        }
        Body::Note(note) => match &note.step {
            Some(step) => format!("note on {step} by {who}: {}", first_line(&note.text, 160)),
            None => format!("note by {who}: {}", first_line(&note.text, 160)),
        },
        Body::Approval(approval) => format!(
            "{} approved by {} ({}), {} of {}",
            approval.step,
            approval.principal,
            approval.fingerprint,
            approval.count,
            approval.required
        ),
        Body::Notify(delivery) => {
            use crate::protocol::delivery::DeliveryOutcome;
            match (&delivery.outcome, &delivery.error) {
                (DeliveryOutcome::Sent, _) => format!(
                    "notified {} ({}) after {} attempt(s)",
                    delivery.channel,
                    delivery.event.as_str(),
                    delivery.attempts
                ),
                (DeliveryOutcome::Failed, error) => format!(
                    "could not notify {} ({}): {}",
                    delivery.channel,
                    delivery.event.as_str(),
                    error.as_deref().unwrap_or("no reason given")
                ),
            }
        }
        Body::Attach(change) => {
            use crate::engine::controller_change::SeatAction;
            let seat = change.seat.describe();
            match (change.action, &change.from) {
                (SeatAction::Takeover, Some(from)) => {
                    format!("{seat} took the controls over from {}", from.describe())
                }
                (SeatAction::Takeover, None) => format!("{seat} took the controls over"),
                (SeatAction::Attach, _) => format!("{seat} attached at the controls"),
                (SeatAction::Detach, _) => format!("{seat} left the controls"),
            }
        }
        Body::Window(window) => match (
            window.action.as_str(),
            window.duration_ms,
            window.overrun_ms,
        ) {
            ("overrun", _, Some(ms)) => format!("maintenance window overran by {}", human_ms(ms)),
            (action, Some(ms), _) => format!("maintenance window {action} for {}", human_ms(ms)),
            (action, _, _) => format!("maintenance window {action}"),
        },
        Body::Checkpoint(checkpoint) => match checkpoint.reason() {
            Some(CheckpointReason::PhaseEnd {
                phase,
                duration_ms,
                expected_ms,
            }) => {
                let plan = expected_ms
                    .map(|e| format!(" (planned {})", human_ms(e)))
                    .unwrap_or_default();
                format!("phase {phase} ended in {}{plan}", human_ms(duration_ms))
            }
            _ => format!(
                "checkpoint ({}): first {} bytes attested",
                checkpoint.reason, checkpoint.upto_bytes
            ),
        },
        Body::Suspend(suspend) => match &suspend.next_step {
            Some(step) => format!("suspended before {step}: {}", suspend.reason),
            None => format!("suspended: {}", suspend.reason),
        },
        Body::Resume(resume) => {
            let mut text = format!(
                "resumed by {} on {}",
                resume.operator.principal, resume.host
            );
            if let Some(torn) = &resume.torn {
                text.push_str(&format!(
                    "; {} torn bytes at offset {} accounted for",
                    torn.length, torn.offset
                ));
            }
            if let Some(decided) = &resume.interrupted {
                text.push_str(&format!(
                    "; interrupted step {}: {}",
                    decided.step, decided.decision
                ));
            }
            text
        }
        Body::Footer(footer) => {
            let status = footer.status.as_str();
            let recovery = footer
                .recovery_ms
                .map(|ms| format!("; first failure to rollback complete {}", human_ms(ms)))
                .unwrap_or_default();
            format!("run {status} in {}{recovery}", human_ms(footer.duration_ms))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_or_multi_line_text_is_cut_visibly() {
        assert_eq!(first_line("short", 10), "short");
        assert_eq!(first_line("abcdefghijkl", 5), "abcde…");
        assert_eq!(first_line("one\ntwo", 10), "one …");
    }
}
