//! A run's state rebuilt from its journal alone: which steps are behind it, which step was
//! running when the process stopped, whether the rollback had started, what was captured.

use std::collections::{BTreeMap, BTreeSet};

use super::entry::Body;
use super::verify::report::VerifiedEntry;
use crate::engine::condition::StepFact;
use crate::protocol::decision::{Decision, PolicyAction};
use crate::protocol::status::{ServiceState, StepStatus};
use crate::protocol::step_kind::StepKind;

#[derive(Debug, Default, PartialEq)]
pub(crate) struct RunState {
    /// Steps the run has moved past (passed, skipped, marked done, simulated, failed and continued).
    pub done: BTreeSet<String>,
    /// A step that started and has no outcome: never re-run silently.
    pub interrupted: Option<String>,
    /// A step that failed and whose failure nobody decided on yet.
    pub undecided_failure: Option<String>,
    pub in_rollback: bool,
    pub captures: BTreeMap<String, String>,
    /// The step the run was suspended before, if it was suspended.
    pub suspended_before: Option<String>,
    /// `service` steps that were started: they must be started again.
    pub services: Vec<String>,
    /// The last attempt number of each step that started: a resumed step continues from it,
    /// so no attempt (nor its output file) is ever recorded twice.
    pub attempts: BTreeMap<String, u32>,
    /// What each step that ended did, for the `when` conditions still to come.
    pub facts: BTreeMap<String, StepFact>,
    /// For each step run on hosts, the hosts it passed on: a resume runs only the others.
    pub hosts_passed: BTreeMap<String, BTreeSet<String>>,
    /// Hosts that left the run by failing within `max_fail`, with the step they failed at.
    pub hosts_excluded: BTreeMap<String, String>,
    pub finished: bool,
}

/// Hosts that failed a step whose outcome is not known yet: they leave the run if the step
/// goes on anyway (it passed within `max_fail`, or its failure was let through).
fn exclude_failed(
    state: &mut RunState,
    failed: &mut BTreeMap<String, BTreeSet<String>>,
    step: &str,
) {
    for host in failed.remove(step).unwrap_or_default() {
        state.hosts_excluded.insert(host, step.to_string());
    }
}

fn ended(state: &mut RunState, step: &str, fact: StepFact) {
    state.facts.insert(step.to_string(), fact);
}

pub(crate) fn replay(entries: &[VerifiedEntry]) -> RunState {
    let mut state = RunState::default();
    let mut running: Option<(String, StepKind)> = None;
    let mut failed_hosts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for verified in entries {
        match &verified.entry.body {
            Body::Host(host) => {
                let failed = failed_hosts.entry(host.step.clone()).or_default();
                if host.status == crate::protocol::status::HostStatus::Passed {
                    failed.remove(&host.host);
                    state
                        .hosts_passed
                        .entry(host.step.clone())
                        .or_default()
                        .insert(host.host.clone());
                } else if host.status.is_failure() {
                    failed.insert(host.host.clone());
                }
            }
            Body::StepStart(start) => {
                running = Some((start.step.clone(), start.kind));
                let last = state.attempts.entry(start.step.clone()).or_default();
                *last = (*last).max(start.attempt);
                if start.rollback {
                    state.in_rollback = true;
                }
                state.suspended_before = None;
                state.undecided_failure = None;
            }
            Body::StepResult(result) if result.stage.is_none() => {
                running = None;
                ended(
                    &mut state,
                    &result.step,
                    StepFact::ended(result.status, result.exit_code),
                );
                match result.status {
                    StepStatus::Failed => state.undecided_failure = Some(result.step.clone()),
                    _ => {
                        exclude_failed(&mut state, &mut failed_hosts, &result.step);
                        state.done.insert(result.step.clone());
                        state.captures.extend(result.captures.clone());
                    }
                }
            }
            Body::Decision(decision) => {
                running = None;
                let step = decision.step.clone();
                state.undecided_failure = None;
                match &decision.decision {
                    Decision::Skip { .. } => {
                        ended(
                            &mut state,
                            &step,
                            StepFact::ended(StepStatus::Skipped, None),
                        );
                        state.done.insert(step);
                    }
                    Decision::MarkDone { .. } => {
                        ended(
                            &mut state,
                            &step,
                            StepFact::ended(StepStatus::DoneManually, None),
                        );
                        state.done.insert(step);
                    }
                    Decision::Policy {
                        action: PolicyAction::Continue,
                        ..
                    } => {
                        exclude_failed(&mut state, &mut failed_hosts, &step);
                        state.done.insert(step);
                    }
                    Decision::Rollback
                    | Decision::Policy {
                        action: PolicyAction::Rollback,
                        ..
                    } => state.in_rollback = true,
                    Decision::Chose { action, .. } | Decision::Deadline { action, .. }
                        if *action == crate::protocol::decision::OptionAction::Rollback =>
                    {
                        state.in_rollback = true
                    }
                    Decision::Retry
                    | Decision::Abort
                    | Decision::Policy { .. }
                    | Decision::Chose { .. }
                    | Decision::Deadline { .. } => {}
                }
            }
            Body::Resume(resume) => {
                if let Some(decided) = &resume.interrupted {
                    match &decided.decision {
                        Decision::Skip { .. } | Decision::MarkDone { .. } => {
                            state.done.insert(decided.step.clone());
                        }
                        Decision::Rollback => state.in_rollback = true,
                        _ => {}
                    }
                }
                running = None;
                state.undecided_failure = None;
            }
            // A step whose condition was false is behind the run: a resume does not ask again.
            Body::Condition(condition) if condition.value == Some(false) => {
                ended(&mut state, &condition.step, StepFact::not_applicable());
                state.done.insert(condition.step.clone());
            }
            Body::Suspend(suspend) => state.suspended_before = suspend.next_step.clone(),
            // A service is known by its own entry, never by a note's text: an operator's note
            // reading "service ready" is only a note.
            Body::Service(service)
                if service.state == ServiceState::Ready
                    && !state.services.contains(&service.step) =>
            {
                state.services.push(service.step.clone());
            }
            Body::Footer(_) => state.finished = true,
            _ => {}
        }
    }
    // A manual step waiting for its operator has a start and no result, but it did nothing:
    // asking again is safe. Anything else that started and did not finish is interrupted.
    if let Some((step, kind)) = running
        && kind != StepKind::Manual
    {
        state.interrupted = Some(step);
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::entry::{Entry, NoteBody, ServiceBody, StepResultBody};

    fn entries(bodies: Vec<Body>) -> Vec<VerifiedEntry> {
        bodies
            .into_iter()
            .enumerate()
            .map(|(n, body)| VerifiedEntry {
                line: n + 2,
                offset: 0,
                entry: Entry {
                    v: 1,
                    sid: String::new(),
                    seq: n as u64 + 1,
                    prev: String::new(),
                    ts: String::new(),
                    body,
                },
                signer: crate::journal::verify::report::Signer::Session,
            })
            .collect()
    }

    fn passed(step: &str) -> Body {
        Body::StepResult(StepResultBody {
            step: step.into(),
            attempt: 1,
            stage: None,
            status: StepStatus::Passed,
            duration_ms: 1,
            expected_ms: None,
            exit_code: Some(0),
            http_status: None,
            message: String::new(),
            output: None,
            tail: Vec::new(),
            captures: Default::default(),
        })
    }

    #[test]
    fn an_operator_note_reading_service_ready_is_a_note_not_a_service() {
        let state = replay(&entries(vec![
            passed("migrate"),
            Body::Note(NoteBody {
                step: Some("migrate".into()),
                text: "service ready".into(),
            }),
        ]));
        assert!(state.services.is_empty(), "{state:?}");
        assert!(state.done.contains("migrate"));
    }

    #[test]
    fn a_service_is_known_by_its_own_entry() {
        let state = replay(&entries(vec![
            passed("sandbox"),
            Body::Service(ServiceBody {
                step: "sandbox".into(),
                state: ServiceState::Ready,
            }),
        ]));
        assert_eq!(state.services, vec!["sandbox".to_string()]);
    }
}
