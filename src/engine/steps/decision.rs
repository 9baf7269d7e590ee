//! Executes a `decision` step: asks the question with its options, waits for an answer — or
//! for the deadline, when the default is taken and journaled as exactly that — and tells the
//! run where to go: on, back, or nowhere. `hold` journals the wait and asks again; the
//! deadline keeps running.

use crate::engine::context::{Asked, StepContext, StepOutcome, StepStop, Then};
use crate::engine::control::Control;
use crate::engine::events::{Event, Prompt};
use crate::protocol::decision::Decision;
use crate::protocol::decision::OptionAction;
use crate::runbook::kinds::decision::DecisionStep;
use crate::runbook::template::{Quoting, RenderError};

pub(crate) fn shown(step: &DecisionStep, ctx: &StepContext<'_>) -> Result<String, RenderError> {
    let question = step.question.render(ctx.scope, Quoting::Verbatim)?.display;
    let options: Vec<String> = step
        .options
        .iter()
        .map(|option| {
            if option.name == option.action.as_str() {
                option.name.clone()
            } else {
                format!("{} ({})", option.name, option.action.as_str())
            }
        })
        .collect();
    let deadline = match (&step.deadline, &step.default) {
        (Some(deadline), Some(default)) => format!(
            "; {default} after {}",
            crate::runbook::duration::format_duration(*deadline)
        ),
        _ => String::new(),
    };
    Ok(format!(
        "decide: {question} [{}]{deadline}",
        options.join(" / ")
    ))
}

pub(crate) async fn execute(
    step: &DecisionStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    let question = match step.question.render(ctx.scope, Quoting::Verbatim) {
        Ok(rendered) => rendered.display,
        Err(err) => return Ok(StepOutcome::fail(err.to_string())),
    };
    // A drill's time scale shortens the deadline too.
    let deadline = step.deadline.map(|d| ctx.settings.scaled(d));
    let deadline_at = deadline.map(|d| tokio::time::Instant::now() + d);
    loop {
        let prompt = Prompt::Decision {
            step: ctx.id().to_string(),
            question: question.clone(),
            options: step.options.clone(),
            default: step.default.clone(),
            deadline_s: deadline_at.map(|at| {
                at.saturating_duration_since(tokio::time::Instant::now())
                    .as_secs()
            }),
        };
        let answer = match ctx.ask_until(prompt, deadline_at).await? {
            Asked::Answer(answer) => answer,
            Asked::DeadlinePassed => return deadline_passed(ctx, step).await,
        };
        match answer {
            Some(Control::Choose { option, via }) => {
                let Some(chosen) = step.option(&option) else {
                    continue; // the TUI offers only the options; ask again
                };
                let action = chosen.action;
                decided(
                    ctx,
                    Decision::Chose {
                        option: option.clone(),
                        action,
                        via,
                    },
                )
                .await?;
                if action == OptionAction::Hold {
                    continue;
                }
                return Ok(outcome(action, format!("decided: {option}")));
            }
            Some(Control::Abort) => return Err(StepStop::Abort),
            Some(Control::Suspend { reason }) => return Err(StepStop::Suspend(reason)),
            Some(_) => continue,
            // Nobody can answer (headless without --decide): the deadline decides, if any.
            None => match deadline_at {
                Some(at) => {
                    tokio::time::sleep_until(at).await;
                    return deadline_passed(ctx, step).await;
                }
                None => {
                    return Err(StepStop::Suspend(format!(
                        "step `{}` needs a decision: --decide {}=OPTION",
                        ctx.id(),
                        ctx.id()
                    )));
                }
            },
        }
    }
}

/// Nobody answered by the deadline: its default, journaled as the deadline's.
async fn deadline_passed(
    ctx: &mut StepContext<'_>,
    step: &DecisionStep,
) -> Result<StepOutcome, StepStop> {
    let option = step
        .default
        .clone()
        .expect("check requires a default with a deadline");
    let action = step
        .option(&option)
        .map_or(OptionAction::Abort, |o| o.action);
    decided(
        ctx,
        Decision::Deadline {
            option: option.clone(),
            action,
        },
    )
    .await?;
    Ok(outcome(
        action,
        format!("no answer by the deadline: {option}"),
    ))
}

async fn decided(ctx: &mut StepContext<'_>, decision: Decision) -> Result<(), StepStop> {
    ctx.emitter
        .emit(Event::Decided {
            step: ctx.id().to_string(),
            decision,
        })
        .await
        .map_err(StepStop::Record)
}

fn outcome(action: OptionAction, message: String) -> StepOutcome {
    let mut outcome = StepOutcome::pass(message);
    outcome.then = match action {
        OptionAction::Go | OptionAction::Hold => Then::Next,
        OptionAction::Rollback => Then::Rollback,
        OptionAction::Abort => Then::Abort,
    };
    outcome
}
