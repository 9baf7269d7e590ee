//! The presence gate: on a run people attach to, no step starts while nobody holds the
//! controls. A step that was running when its controller's terminal went away runs to its end
//! and is journaled; the next one waits here until someone attaches (`cutover attach`), or the
//! run is interrupted. Whoever attached meanwhile is journaled before the step starts.

use super::{Engine, EngineError};
use crate::engine::events::Event;
use crate::engine::interrupt::Interrupt;
use crate::protocol::decision::Decision;
use crate::protocol::status::RunStatus;
use crate::runbook::model::Step;

impl Engine {
    /// `None`: the step may start. Otherwise how the run ends there, interrupted while it
    /// waited (aborted, or suspended before `step`).
    pub(super) async fn await_controller(
        &mut self,
        step: &Step,
    ) -> Result<Option<RunStatus>, EngineError> {
        // A stop meant for the step that just ended is spent: only a hang-up or an abort
        // ends this wait.
        self.stop_spent.clear_stop();
        if let Some(mut presence) = self.presence.clone()
            && !*presence.borrow()
        {
            // What the last step journaled is on disk and shown before anything else.
            self.emitter.flush().await?;
            self.emitter.show(Event::Unattended {
                step: step.id.value.clone(),
            });
            tokio::select! {
                held = presence.wait_for(|held| *held) => {
                    if held.is_err() {
                        let reason = "nobody can attach any more: the run's socket is gone";
                        return self.suspend(reason.into(), Some(step)).await.map(Some);
                    }
                }
                () = self.interrupt.raised() => {
                    if matches!(self.interrupt.current(), Interrupt::AbortNow | Interrupt::KillNow) {
                        self.decide(step, Decision::Abort).await?;
                        return Ok(Some(RunStatus::Aborted));
                    }
                    let reason = "suspended while nobody held the controls (hang-up)";
                    return self.suspend(reason.into(), Some(step)).await.map(Some);
                }
            }
        }
        self.controls.record_asides(&mut self.emitter).await?;
        Ok(None)
    }
}
