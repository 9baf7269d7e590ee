//! Executes a `progressive` step: for each stage, the command with `{{ stage }}`, the bake,
//! then every gate; the first failing gate stops the rollout and `on_gate_failure` decides.

use crate::runbook::template::Secrecy;
use std::time::Duration;

use tokio::time::{Instant, sleep_until};

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::engine::events::Event;
use crate::runbook::duration::format_duration;
use crate::runbook::kinds::progressive::{GateFailure, GateKind, ProgressiveStep};
use crate::runbook::model::FailurePolicy;
use crate::runbook::template::RenderError;
use crate::runbook::template::Scope;

use super::command::run_to_outcome;
use super::http::{Budget, run_check};
use super::metric::{GatePlace, run_gate};
use super::metric_verdict::GateVerdict;
use super::resolve::{resolve_process, shown_process};

fn scope_at(scope: &Scope, stage: u8) -> Scope {
    let mut scope = scope.clone();
    scope.set("stage", stage.to_string(), Secrecy::Plain);
    scope
}

pub(crate) fn shown(step: &ProgressiveStep, scope: &Scope) -> Result<String, RenderError> {
    let first = step.stages[0];
    let display = shown_process(&step.process, &scope_at(scope, first))?;
    let stages: Vec<String> = step.stages.iter().map(|s| format!("{s}%")).collect();
    let gates: Vec<&str> = step.gate.iter().map(|gate| gate.name.as_str()).collect();
    Ok(format!(
        "stages {} · {} (at {first}%) · bake {} · gates: {}",
        stages.join(" → "),
        display,
        format_duration(step.bake),
        gates.join(", ")
    ))
}

pub(crate) async fn execute(
    step: &ProgressiveStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    let base_scope = ctx.scope.clone();
    for &stage in &step.stages {
        let scope = scope_at(&base_scope, stage);
        let resolved = match resolve_process(&step.process, &scope, ctx.settings, ctx.step.timeout)
        {
            Ok(resolved) => resolved,
            Err(err) => return Ok(StepOutcome::fail(err.to_string())),
        };
        ctx.progress(format!("stage {stage}%: {}", resolved.display));
        let stage_started = std::time::Instant::now();
        let (ran, _) =
            run_to_outcome(&resolved.request, ctx, &[0], &format!(".stage-{stage}")).await?;
        let step_id = ctx.id().to_string();
        if !ran.passed {
            ctx.emitter
                .emit(Event::Stage {
                    step: step_id,
                    attempt: ctx.attempt,
                    stage,
                    duration_ms: stage_started.elapsed().as_millis() as u64,
                    passed: false,
                    message: ran.message.clone(),
                    output: ran.output.clone(),
                })
                .await?;
            let mut outcome = StepOutcome::fail(format!("stage {stage}%: {}", ran.message));
            outcome.tail = ran.tail;
            return Ok(outcome);
        }
        bake(ctx.settings.scaled(step.bake), stage, ctx).await?;
        let mut failure = None;
        for gate in &step.gate {
            let (verdict, message) = match &gate.check {
                GateKind::Http { check, timeout } => {
                    let budget = Budget::of(*timeout, ctx.settings.http_timeout);
                    let result = run_check(check, ctx, budget).await?;
                    let verdict = if result.passed {
                        GateVerdict::Pass
                    } else {
                        GateVerdict::Fail
                    };
                    (verdict, result.message)
                }
                GateKind::Metric(check) => {
                    let place = GatePlace {
                        gate: Some(gate.name.clone()),
                        stage: Some(stage),
                    };
                    let run = run_gate(check, ctx, &scope, place).await?;
                    (run.verdict, run.message)
                }
            };
            let word = match verdict {
                GateVerdict::Pass => continue,
                GateVerdict::Fail => "failed",
                GateVerdict::Inconclusive => "was inconclusive",
            };
            failure = Some((
                format!("gate `{}` {word} at {stage}%: {message}", gate.name),
                verdict,
            ));
            break;
        }
        let message = failure
            .as_ref()
            .map(|(message, _)| message.clone())
            .unwrap_or_else(|| format!("stage {stage}%: every gate passed ({})", step.gate.len()));
        ctx.emitter
            .emit(Event::Stage {
                step: ctx.id().to_string(),
                attempt: ctx.attempt,
                stage,
                duration_ms: stage_started.elapsed().as_millis() as u64,
                passed: failure.is_none(),
                message,
                output: ran.output,
            })
            .await?;
        if let Some((failure, verdict)) = failure {
            let mut outcome = StepOutcome::fail(failure);
            // Missing data is not a failure to roll back on: a person looks at the numbers.
            outcome.policy_override = Some(match step.on_gate_failure {
                _ if verdict == GateVerdict::Inconclusive => FailurePolicy::Ask,
                GateFailure::Rollback => FailurePolicy::Rollback,
                GateFailure::Ask => FailurePolicy::Ask,
            });
            return Ok(outcome);
        }
    }
    let last = step.stages.last().copied().unwrap_or(100);
    Ok(StepOutcome::pass(format!(
        "rolled out to {last}% through {} stages",
        step.stages.len()
    )))
}

async fn bake(duration: Duration, stage: u8, ctx: &mut StepContext<'_>) -> Result<(), StepStop> {
    if duration.is_zero() {
        return Ok(());
    }
    let end = Instant::now() + duration;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = sleep_until(end) => return Ok(()),
            _ = tick.tick() => {
                let left = end.saturating_duration_since(Instant::now());
                ctx.progress(format!("stage {stage}%: baking, {} left", format_duration(Duration::from_secs(left.as_secs()))));
            }
            _ = ctx.interrupt.stop_requested() => return Err(StepStop::Abort),
        }
    }
}
