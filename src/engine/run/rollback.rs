//! The rollback: what the run undoes when a failure or a person says so — each completed
//! step's `undo`, in reverse order, then the runbook's `[[rollback.step]]` section — after
//! starting again the services a resumed run needs for it.

use super::{Engine, EngineError, Flow};
use crate::engine::run::course::Course;
use crate::protocol::status::RunStatus;
use crate::runbook::model::Step;

impl Engine {
    pub(super) async fn rollback(&mut self) -> Result<RunStatus, EngineError> {
        // A resumed run that goes straight to its rollback has none of its services yet (they
        // died with the process before): the rollback's steps may need them (the stand-in
        // application a drill restores), so they start again first, as a resume going forward
        // starts them.
        let restart: Vec<Step> = self
            .plan
            .runbook
            .steps()
            .map(|(_, step)| step)
            .filter(|step| {
                self.plan
                    .resume
                    .as_ref()
                    .is_some_and(|r| r.services.contains(&step.id.value))
                    && !self.services.names().contains(&step.id.value)
            })
            .cloned()
            .collect();
        for step in &restart {
            // A service is started like any step: with someone at the controls.
            if let Some(ended) = self.await_controller(step).await? {
                return Ok(ended);
            }
            match self.run_step_when(step, Course::Forward).await? {
                Flow::Next => {}
                Flow::Suspend(reason) => return self.suspend(reason, Some(step)).await,
                Flow::Rollback | Flow::Abort => return Ok(RunStatus::Aborted),
            }
        }
        // First undo what was done, in reverse order, then the runbook's rollback section.
        let mut steps = self.undo_steps();
        steps.extend(self.plan.runbook.rollback.iter().cloned());
        let done = self
            .plan
            .resume
            .as_ref()
            .map(|r| r.done.clone())
            .unwrap_or_default();
        for step in steps.iter().filter(|step| !done.contains(&step.id.value)) {
            if let Some(ended) = self.await_controller(step).await? {
                return Ok(ended);
            }
            match self.run_step_when(step, Course::RollingBack).await? {
                Flow::Next => {}
                Flow::Rollback | Flow::Abort => return Ok(RunStatus::Aborted),
                Flow::Suspend(reason) => return self.suspend(reason, Some(step)).await,
            }
        }
        Ok(RunStatus::RolledBack)
    }
}
