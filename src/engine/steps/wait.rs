//! Executes a `wait` step: a countdown the operator may skip, with a reason.

use std::time::Duration;

use tokio::time::{Instant, sleep_until};

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::engine::control::Control;
use crate::engine::events::{Event, Prompt};
use crate::protocol::decision::Decision;
use crate::protocol::status::StepStatus;
use crate::runbook::duration::format_duration;
use crate::runbook::kinds::wait::WaitStep;

pub(crate) fn shown(step: &WaitStep) -> String {
    match step {
        WaitStep::For(duration) => format!("wait {}", format_duration(*duration)),
        WaitStep::Until(moment) => format!("wait until {moment}"),
    }
}

fn remaining(step: &WaitStep) -> Duration {
    match step {
        WaitStep::For(duration) => *duration,
        WaitStep::Until(moment) => {
            let now = jiff::Timestamp::now();
            Duration::try_from(moment.duration_since(now)).unwrap_or(Duration::ZERO)
        }
    }
}

pub(crate) async fn execute(
    step: &WaitStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    // A drill's time scale shortens a wait `for`; a wait `until` a moment is a moment.
    let total = match step {
        WaitStep::For(duration) => ctx.settings.scaled(*duration),
        WaitStep::Until(_) => remaining(step),
    };
    let waited = match step {
        WaitStep::For(duration) if ctx.settings.time_scale != 1.0 => format!(
            "waited {} at time scale {} ({})",
            format_duration(*duration),
            ctx.settings.time_scale,
            format_duration(total)
        ),
        _ => format!("waited {}", format_duration(total)),
    };
    let end = Instant::now() + total;
    ctx.emitter.show(Event::Waiting(Prompt::Wait {
        step: ctx.id().to_string(),
        seconds: total.as_secs(),
    }));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = sleep_until(end) => return Ok(StepOutcome::pass(waited)),
            _ = tick.tick() => {
                let left = end.saturating_duration_since(Instant::now());
                ctx.progress(format!("{} left", format_duration(Duration::from_secs(left.as_secs()))));
            }
            _ = ctx.interrupt.stop_requested() => return Err(StepStop::Abort),
            control = ctx.controls.recv() => match control.map(|control| control.for_step(ctx.id())) {
                // An answer to another step's question: not this wait's.
                Some(None) => {}
                Some(Some(Control::Skip { reason })) if !reason.trim().is_empty() => {
                    let step_id = ctx.id().to_string();
                    ctx.emitter.emit(Event::Decided { step: step_id, decision: Decision::Skip { reason } }).await?;
                    let mut outcome = StepOutcome::pass("wait skipped by the operator");
                    outcome.status_override = Some(StepStatus::Skipped);
                    return Ok(outcome);
                }
                Some(Some(Control::Abort)) => return Err(StepStop::Abort),
                Some(Some(Control::Suspend { reason })) => return Err(StepStop::Suspend(reason)),
                Some(Some(Control::Note { step, text })) => {
                    ctx.emitter.emit(Event::Noted { step, text }).await?;
                }
                Some(Some(Control::Controller { change })) => {
                    ctx.emitter.emit(Event::Controller(*change)).await?;
                }
                Some(Some(_)) => {}
                // Nobody can answer (headless): the wait simply runs out.
                None => {
                    sleep_until(end).await;
                    return Ok(StepOutcome::pass(waited));
                }
            },
        }
    }
}
