//! Executes a `manual` step: shows the instructions, waits for the operator to tick every
//! checklist item and confirm, with a note when the step requires one.

use crate::engine::context::{Asked, StepContext, StepOutcome, StepStop, Then};
use crate::engine::control::Control;
use crate::engine::events::{Event, Prompt};
use crate::protocol::decision::OptionAction;
use crate::protocol::decision::{ConfirmVia, Decision};
use crate::protocol::on_deadline::OnDeadline;
use crate::protocol::status::StepStatus;
use crate::runbook::kinds::manual::{ManualStep, NotesPolicy};
use crate::runbook::template::{Quoting, RenderError};

pub(crate) struct Resolved {
    pub instructions: String,
    pub checklist: Vec<String>,
}

pub(crate) fn resolve(step: &ManualStep, ctx: &StepContext<'_>) -> Result<Resolved, RenderError> {
    let render = |t: &crate::runbook::template::Template| {
        t.render(ctx.scope, Quoting::Verbatim).map(|r| r.display)
    };
    Ok(Resolved {
        instructions: step
            .instructions
            .as_ref()
            .map(render)
            .transpose()?
            .unwrap_or_default(),
        checklist: step
            .checklist
            .iter()
            .map(render)
            .collect::<Result<_, _>>()?,
    })
}

pub(crate) fn shown(step: &ManualStep, ctx: &StepContext<'_>) -> Result<String, RenderError> {
    let resolved = resolve(step, ctx)?;
    // What the operator is asked, whole: the journal records it at the step's start.
    let mut parts = Vec::new();
    if !resolved.instructions.trim().is_empty() {
        parts.push(resolved.instructions);
    }
    if !resolved.checklist.is_empty() {
        parts.push(format!("checklist: {}", resolved.checklist.join(" · ")));
    }
    Ok(if parts.is_empty() {
        "confirm by hand".to_string()
    } else {
        parts.join(" — ")
    })
}

pub(crate) async fn execute(
    step: &ManualStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    let resolved = match resolve(step, ctx) {
        Ok(resolved) => resolved,
        Err(err) => return Ok(StepOutcome::fail(err.to_string())),
    };
    // A drill's time scale shortens the deadline too.
    let deadline_at = step
        .deadline
        .map(|d| tokio::time::Instant::now() + ctx.settings.scaled(d));
    loop {
        let prompt = Prompt::Manual {
            step: ctx.id().to_string(),
            instructions: resolved.instructions.clone(),
            checklist: resolved.checklist.clone(),
            notes: step.notes,
            can_fail: step.can_fail,
            deadline_s: deadline_at.map(|at| {
                at.saturating_duration_since(tokio::time::Instant::now())
                    .as_secs()
            }),
            on_deadline: step.on_deadline,
        };
        // A deadline does something only where the runbook says what.
        let deadline = deadline_at.filter(|_| step.on_deadline.is_some());
        let answer = match ctx.ask_until(prompt, deadline).await? {
            Asked::Answer(answer) => answer,
            Asked::DeadlinePassed => {
                let on_deadline = step.on_deadline.expect("filtered");
                return deadline_passed(ctx, step, on_deadline).await;
            }
        };
        match answer {
            Some(Control::Confirm {
                checklist,
                note,
                via,
            }) => {
                let missing: Vec<&String> = resolved
                    .checklist
                    .iter()
                    .filter(|item| !checklist.contains(item))
                    .collect();
                let note = note.filter(|n| !n.trim().is_empty());
                if !missing.is_empty() || (step.notes == NotesPolicy::Required && note.is_none()) {
                    continue; // the TUI does not offer to confirm in this state; ask again
                }
                // The TUI offers no note where the runbook wants none; a note given with
                // `--confirm STEP=NOTE` is kept: it is what the operator said.
                let note = if step.notes == NotesPolicy::None && via == ConfirmVia::Terminal {
                    None
                } else {
                    note
                };
                let step_id = ctx.id().to_string();
                ctx.emitter
                    .emit(Event::Confirmed {
                        step: step_id,
                        note,
                        checklist,
                        via,
                    })
                    .await?;
                return Ok(StepOutcome::pass(match via {
                    ConfirmVia::Terminal => "confirmed by the operator",
                    ConfirmVia::CommandLine => {
                        "confirmed in advance by --confirm on the command line"
                    }
                }));
            }
            Some(Control::NotDone { note, via }) if step.can_fail && !note.trim().is_empty() => {
                return Ok(StepOutcome::fail(match via {
                    ConfirmVia::Terminal => {
                        format!("the operator reported it did not work: {note}")
                    }
                    ConfirmVia::CommandLine => {
                        format!("reported not done by --fail on the command line: {note}")
                    }
                }));
            }
            Some(Control::Abort) => return Err(StepStop::Abort),
            Some(Control::Suspend { reason }) => return Err(StepStop::Suspend(reason)),
            Some(_) => continue,
            // Nobody can answer (headless without --confirm): the deadline decides, if any.
            None if deadline_at.is_some() && step.on_deadline.is_some() => {
                tokio::time::sleep_until(deadline_at.expect("checked")).await;
                let on_deadline = step.on_deadline.expect("checked");
                return deadline_passed(ctx, step, on_deadline).await;
            }
            None => {
                return Err(StepStop::Suspend(format!(
                    "step `{}` needs an operator",
                    ctx.id()
                )));
            }
        }
    }
}

/// Nobody confirmed by the deadline: what the runbook said happens, journaled as the
/// deadline's doing (a `decision` the engine signs), never as a confirmation.
async fn deadline_passed(
    ctx: &mut StepContext<'_>,
    step: &ManualStep,
    on_deadline: OnDeadline,
) -> Result<StepOutcome, StepStop> {
    let action = match on_deadline {
        OnDeadline::Continue => OptionAction::Go,
        OnDeadline::Abort => OptionAction::Abort,
        OnDeadline::Rollback => OptionAction::Rollback,
    };
    let step_id = ctx.id().to_string();
    ctx.emitter
        .emit(Event::Decided {
            step: step_id,
            decision: Decision::Deadline {
                option: on_deadline.as_str().to_string(),
                action,
            },
        })
        .await?;
    let waited = crate::runbook::duration::format_duration(step.deadline.unwrap_or_default());
    let mut outcome = StepOutcome::pass(format!(
        "nobody confirmed within {waited}: {}, as the runbook says",
        on_deadline.as_str()
    ));
    // Not done: never counted as confirmed.
    outcome.status_override = Some(StepStatus::Skipped);
    outcome.then = match on_deadline {
        OnDeadline::Continue => Then::Next,
        OnDeadline::Abort => Then::Abort,
        OnDeadline::Rollback => Then::Rollback,
    };
    Ok(outcome)
}
