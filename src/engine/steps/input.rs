//! Executes an `input` step: asks, checks the answer against the step's options or pattern,
//! journals who gave it (a secret's value never), and hands it to the run as a variable.

use std::time::Duration;

use crate::engine::context::{Asked, Captured, StepContext, StepOutcome, StepStop};
use crate::engine::control::Control;
use crate::engine::events::{Event, Prompt};
use crate::protocol::decision::{ConfirmVia, InputSource};
use crate::runbook::kinds::input::InputStep;
use crate::runbook::template::{Quoting, RenderError};

pub(crate) fn shown(step: &InputStep, ctx: &StepContext<'_>) -> Result<String, RenderError> {
    let prompt = step.prompt.render(ctx.scope, Quoting::Verbatim)?.display;
    Ok(format!("ask: {prompt} → {}", step.variable.value))
}

pub(crate) async fn execute(
    step: &InputStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    let prompt_text = match step.prompt.render(ctx.scope, Quoting::Verbatim) {
        Ok(rendered) => rendered.display,
        Err(err) => return Ok(StepOutcome::fail(err.to_string())),
    };
    let prompt = Prompt::Input {
        step: ctx.id().to_string(),
        variable: step.variable.value.clone(),
        question: prompt_text,
        options: step.options.clone(),
        pattern: step.pattern.as_ref().map(|p| p.value.as_str().to_string()),
        default: step.default.clone(),
        secret: step.secret,
        deadline_s: step.deadline.map(|d| d.as_secs()),
    };
    // A drill's time scale shortens the deadline too.
    let deadline = step
        .deadline
        .map(|d| tokio::time::Instant::now() + ctx.settings.scaled(d));
    let (value, by) = loop {
        let answer = match ctx.ask_until(prompt.clone(), deadline).await? {
            Asked::Answer(answer) => answer,
            Asked::DeadlinePassed => match &step.default {
                Some(default) => break (default.clone(), InputSource::Deadline),
                None => {
                    return Ok(StepOutcome::fail(format!(
                        "nobody answered within {} and the input has no default",
                        crate::runbook::duration::format_duration(
                            step.deadline.unwrap_or(Duration::ZERO)
                        )
                    )));
                }
            },
        };
        match answer {
            Some(Control::Input { value, via }) => {
                if step.refuses(&value).is_some() {
                    continue; // the TUI says why before it sends; ask again
                }
                let by = match via {
                    ConfirmVia::Terminal => InputSource::Terminal,
                    ConfirmVia::CommandLine => InputSource::CommandLine,
                };
                break (value, by);
            }
            Some(Control::Abort) => return Err(StepStop::Abort),
            Some(Control::Suspend { reason }) => return Err(StepStop::Suspend(reason)),
            Some(_) => continue,
            None => {
                return Err(StepStop::Suspend(format!(
                    "step `{}` needs an answer: --input {}=VALUE",
                    ctx.id(),
                    step.variable.value
                )));
            }
        }
    };
    ctx.emitter
        .emit(Event::Answered {
            step: ctx.id().to_string(),
            variable: step.variable.value.clone(),
            value: (!step.secret).then(|| value.clone()),
            by,
        })
        .await?;
    let mut outcome = StepOutcome::pass(if step.secret {
        format!("`{}` set {by} (secret)", step.variable.value)
    } else {
        format!("`{}` = `{value}`, {by}", step.variable.value)
    });
    outcome.captures.push(Captured {
        name: step.variable.value.clone(),
        value,
        secret: step.secret,
    });
    Ok(outcome)
}
