//! `when` conditions in the run: evaluated and journaled before the step they decide, a false
//! one making the step (or a phase's steps) not applicable, one that cannot be evaluated
//! failing the step under its policy.

use crate::engine::run::course::Course;
use crate::runbook::template::Secrecy;
use tokio::time::Instant;

use super::{AfterFailure, Engine, Flow};
use crate::engine::condition::{StepFact, evaluate};
use crate::engine::error::EngineError;
use crate::engine::events::Event;
use crate::runbook::condition::Condition;
use crate::runbook::model::Step;

/// What a `when` condition said.
pub(super) enum Evaluated {
    Holds,
    False,
    Failed(String),
}

impl Engine {
    /// A step behind its `when` condition: not applicable when it is false, failed when it
    /// cannot be evaluated, run when it holds.
    pub(super) async fn run_step_when(
        &mut self,
        step: &Step,
        course: Course,
    ) -> Result<Flow, EngineError> {
        // A host's turn (or its undo) sees its own host as `{{ host }}`.
        if let Some(host) = step.host() {
            self.plan.scope.set(
                crate::runbook::check::HOST,
                host.to_string(),
                Secrecy::Plain,
            );
        }
        let Some(when) = &step.when else {
            return self.run_step(step, course).await;
        };
        match self.evaluate_condition(when, step, None).await? {
            Evaluated::Holds => self.run_step(step, course).await,
            Evaluated::False => Ok(Flow::Next),
            Evaluated::Failed(message) => self.condition_failed(step, &message, course).await,
        }
    }

    /// Evaluates a condition before `step` and journals it with its value. A false one makes
    /// `step` not applicable (the caller does the same for the rest of a phase).
    pub(super) async fn evaluate_condition(
        &mut self,
        when: &Condition,
        step: &Step,
        phase: Option<&str>,
    ) -> Result<Evaluated, EngineError> {
        let value = evaluate(
            when,
            &self.plan.runbook,
            &self.plan.scope,
            &self.facts,
            step.host(),
        );
        self.emitter
            .emit(Event::Condition {
                step: step.id.value.clone(),
                phase: phase.map(str::to_string),
                expression: when.text.value.clone(),
                value: value.as_ref().ok().copied(),
                error: value.as_ref().err().map(ToString::to_string),
            })
            .await?;
        Ok(match value {
            Ok(true) => Evaluated::Holds,
            Ok(false) => {
                self.facts
                    .insert(step.id.value.clone(), StepFact::not_applicable());
                Evaluated::False
            }
            Err(error) => Evaluated::Failed(error.to_string()),
        })
    }

    /// Journals `step` as not applicable under a false condition already evaluated.
    pub(super) async fn not_applicable(
        &mut self,
        when: &Condition,
        step: &Step,
        phase: Option<&str>,
    ) -> Result<(), EngineError> {
        self.emitter
            .emit(Event::Condition {
                step: step.id.value.clone(),
                phase: phase.map(str::to_string),
                expression: when.text.value.clone(),
                value: Some(false),
                error: None,
            })
            .await?;
        self.facts
            .insert(step.id.value.clone(), StepFact::not_applicable());
        Ok(())
    }

    /// A condition that could not be evaluated is the step's failure, under its policy.
    pub(super) async fn condition_failed(
        &mut self,
        step: &Step,
        message: &str,
        course: Course,
    ) -> Result<Flow, EngineError> {
        self.first_failure.get_or_insert_with(Instant::now);
        loop {
            match self
                .after_failure(step, step.on_failure, message, course)
                .await?
            {
                AfterFailure::Retry => {
                    if let Some(when) = &step.when {
                        match self.evaluate_condition(when, step, None).await? {
                            Evaluated::Holds => return self.run_step(step, course).await,
                            Evaluated::False => return Ok(Flow::Next),
                            Evaluated::Failed(_) => continue,
                        }
                    }
                    return self.run_step(step, course).await;
                }
                AfterFailure::Flow(flow) => return Ok(flow),
            }
        }
    }
}
