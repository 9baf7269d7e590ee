//! Rolling phases in the run: each host's turn through the phase's steps (placed by
//! `runbook/rolling.rs`), with `{{ host }}` set for its turn, the phase's `when` decided per
//! host, a host that fails within the batch's `max_fail` leaving the run (its later turns not
//! applicable, journaled as such), and each turn's end journaled as that host's.

use super::course::Course;
use crate::runbook::template::Secrecy;
use std::collections::BTreeSet;

use super::{Engine, Flow};
use crate::engine::condition::StepFact;
use crate::engine::error::EngineError;
use crate::engine::events::Event;
use crate::protocol::decision::PolicyAction;
use crate::protocol::status::{HostStatus, StepStatus};
use crate::runbook::check::HOST;
use crate::runbook::model::{HostTurn, Phase, Step};

use super::conditions::Evaluated;

/// Per host, what the phase's `when` said (each host's first turn evaluates it).
#[derive(Default)]
pub(super) struct PhaseHosts {
    decided: BTreeSet<String>,
    not_applicable: BTreeSet<String>,
}

/// Whether a host's turn runs.
pub(super) enum Gate {
    Run,
    NotApplicable,
    Flow(Flow),
}

impl Engine {
    /// Before a host's turn: `{{ host }}` is its host; it does not run if the host left the run
    /// or the phase's condition is false for it.
    pub(super) async fn enter_turn(
        &mut self,
        phase: &Phase,
        step: &Step,
        hosts: &mut PhaseHosts,
    ) -> Result<Gate, EngineError> {
        let Some(host) = step.host().map(str::to_string) else {
            return Ok(Gate::Run);
        };
        self.plan.scope.set(HOST, host.clone(), Secrecy::Plain);
        if let Some(failed_at) = self.hosts.excluded.get(&host).cloned() {
            self.emitter
                .emit(Event::Condition {
                    step: step.id.value.clone(),
                    phase: None,
                    expression: format!(
                        "host `{host}` is still in the run (it failed at `{failed_at}`)"
                    ),
                    value: Some(false),
                    error: None,
                })
                .await?;
            self.facts
                .insert(step.id.value.clone(), StepFact::not_applicable());
            return Ok(Gate::NotApplicable);
        }
        let Some(when) = &phase.when else {
            return Ok(Gate::Run);
        };
        if hosts.not_applicable.contains(&host) {
            self.not_applicable(when, step, Some(&phase.id.value))
                .await?;
            return Ok(Gate::NotApplicable);
        }
        if !hosts.decided.insert(host.clone()) {
            return Ok(Gate::Run);
        }
        match self
            .evaluate_condition(when, step, Some(&phase.id.value))
            .await?
        {
            Evaluated::Holds => Ok(Gate::Run),
            Evaluated::False => {
                hosts.not_applicable.insert(host);
                Ok(Gate::NotApplicable)
            }
            Evaluated::Failed(message) => Ok(Gate::Flow(
                self.condition_failed(step, &message, Course::Forward)
                    .await?,
            )),
        }
    }

    /// A host's turn failed: within its batch's `max_fail`, the host leaves the run and the
    /// rolling goes on (journaled as the runbook's decision to continue). `None`: the failure
    /// goes to the step's policy.
    pub(super) async fn tolerate_turn_failure(
        &mut self,
        step: &Step,
    ) -> Result<Option<Flow>, EngineError> {
        let Some(turn) = step.placement.turn.clone() else {
            return Ok(None);
        };
        let failed_in_batch = self
            .hosts
            .excluded
            .values()
            .filter(|at| {
                self.turn_of(at)
                    .is_some_and(|t| t.phase == turn.phase && t.batch == turn.batch)
            })
            .count();
        if failed_in_batch + 1 > turn.allowed_failures {
            return Ok(None);
        }
        self.hosts
            .excluded
            .insert(turn.host.clone(), step.id.value.clone());
        self.runbook_decides(step, PolicyAction::Continue).await?;
        Ok(Some(Flow::Next))
    }

    /// A host's turn ended: journaled as that host's result too, so that every host's fate
    /// reads the same way, whether its step ran over ssh or locally on its behalf.
    pub(super) async fn turn_ended(
        &mut self,
        step: &Step,
        attempt: u32,
        status: StepStatus,
        exit_code: Option<i32>,
        duration_ms: u64,
        message: &str,
    ) -> Result<(), EngineError> {
        // A step across its hosts journals each itself; a local turn, or a single ssh, here.
        let Some(host) = step
            .single_remote_host()
            .or_else(|| step.host().filter(|_| step.placement.remote.is_none()))
        else {
            return Ok(());
        };
        let status = match status {
            StepStatus::Passed => HostStatus::Passed,
            StepStatus::Failed if exit_code == Some(255) && step.placement.remote.is_some() => {
                HostStatus::Unreachable
            }
            StepStatus::Failed => HostStatus::Failed,
            _ => return Ok(()),
        };
        self.emitter
            .emit(Event::HostResult {
                step: step.id.value.clone(),
                attempt,
                host: host.to_string(),
                status,
                exit_code,
                duration_ms,
                message: self.scrubber.scrub_text(message),
                output: None,
            })
            .await?;
        Ok(())
    }

    fn turn_of(&self, step_id: &str) -> Option<&HostTurn> {
        self.plan
            .runbook
            .steps()
            .find(|(_, step)| step.id.value == step_id)
            .and_then(|(_, step)| step.placement.turn.as_ref())
    }
}
