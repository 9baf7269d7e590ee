//! Executes a `window` step: opens or closes the maintenance window, journaled.

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::engine::events::Event;
use crate::protocol::step_kind::WindowAction;
use crate::runbook::duration::format_duration;
use crate::runbook::kinds::window::WindowStep;

pub(crate) fn shown(step: &WindowStep) -> String {
    match (step.action, step.duration) {
        (WindowAction::Open, Some(duration)) => format!(
            "open the maintenance window for {}",
            format_duration(duration)
        ),
        (WindowAction::Open, None) => "open the maintenance window".into(),
        (WindowAction::Close, _) => "close the maintenance window".into(),
    }
}

pub(crate) async fn execute(
    step: &WindowStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    if step.action == WindowAction::Close
        && let Some(overrun) = ctx.window.take_overrun()
    {
        ctx.emitter
            .emit(Event::WindowOverrun {
                overrun_ms: overrun.as_millis() as u64,
            })
            .await?;
    }
    match step.action {
        WindowAction::Open => ctx.window.open(step.duration.unwrap_or_default()),
        WindowAction::Close => ctx.window.close(),
    }
    ctx.emitter
        .emit(Event::Window {
            action: step.action,
            duration_ms: step.duration.map(|d| d.as_millis() as u64),
        })
        .await?;
    Ok(StepOutcome::pass(shown(step)))
}
