//! The presence gate: on a run people attach to, no step starts while nobody holds the
//! controls. A step that was running when its controller's terminal went away runs to its end
//! and is journaled; the next one waits here until someone attaches (`cutover attach`), or the
//! run is interrupted. Whoever attached meanwhile is journaled before the step starts.

use super::{Engine, EngineError, Flow};
use crate::engine::events::Event;
use crate::engine::interrupt::Interrupt;
use crate::runbook::model::Step;

impl Engine {
    /// `None`: the step may start. A flow when the run was interrupted while it waited.
    pub(super) async fn await_controller(
        &mut self,
        step: &Step,
    ) -> Result<Option<Flow>, EngineError> {
        if let Some(mut presence) = self.presence.clone()
            && !*presence.borrow()
        {
            // What the last step journaled is on disk and shown before anything else.
            self.emitter.flush().await?;
            self.emitter.show(Event::Progress {
                step: step.id.value.clone(),
                message: "nobody holds the controls: this step starts once someone attaches (`cutover attach`)".into(),
            });
            self.emitter.show(Event::Unattended {
                step: step.id.value.clone(),
            });
            tokio::select! {
                held = presence.wait_for(|held| *held) => {
                    if held.is_err() {
                        return Ok(Some(Flow::Suspend(
                            "nobody can attach any more: the run's socket is gone".into(),
                        )));
                    }
                }
                () = self.interrupt.raised() => {
                    return Ok(Some(match self.interrupt.current() {
                        Interrupt::AbortNow | Interrupt::KillNow => Flow::Abort,
                        _ => Flow::Suspend(
                            "suspended while nobody held the controls (hang-up)".into(),
                        ),
                    }));
                }
            }
        }
        self.controls.record_asides(&mut self.emitter).await?;
        Ok(None)
    }
}
