//! From a step's kind to its executor.

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::runbook::model::StepAction;
use crate::runbook::template::RenderError;

/// The resolved command or request, secrets masked: shown before the step runs and journaled
/// with its start. An error is a value that cannot be resolved yet.
pub(crate) fn shown_action(
    action: &StepAction,
    ctx: &StepContext<'_>,
) -> Result<String, RenderError> {
    match action {
        StepAction::Command(step) => super::command::shown(step, ctx),
        StepAction::Http(step) => super::http::shown(step, ctx.scope),
        StepAction::Manual(step) => super::manual::shown(step, ctx),
        StepAction::Env(step) => super::env::shown(step, ctx),
        StepAction::Wait(step) => Ok(super::wait::shown(step)),
        StepAction::Window(step) => Ok(super::window::shown(step)),
        StepAction::Input(step) => super::input::shown(step, ctx),
        StepAction::Progressive(step) => super::progressive::shown(step, ctx.scope),
        StepAction::Service(step) => super::service::shown(step, ctx),
        StepAction::Metric(step) => super::metric::shown(&step.check, ctx.scope),
        StepAction::Decision(step) => super::decision::shown(step, ctx),
    }
}

pub(crate) async fn execute(
    action: &StepAction,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    match action {
        StepAction::Command(step) => super::command::execute(step, ctx).await,
        StepAction::Http(step) => super::http::execute(step, ctx).await,
        StepAction::Manual(step) => super::manual::execute(step, ctx).await,
        StepAction::Env(step) => super::env::execute(step, ctx).await,
        StepAction::Wait(step) => super::wait::execute(step, ctx).await,
        StepAction::Window(step) => super::window::execute(step, ctx).await,
        StepAction::Input(step) => super::input::execute(step, ctx).await,
        StepAction::Progressive(step) => super::progressive::execute(step, ctx).await,
        StepAction::Service(step) => super::service::execute(step, ctx).await,
        StepAction::Metric(step) => super::metric::execute(step, ctx).await,
        StepAction::Decision(step) => super::decision::execute(step, ctx).await,
    }
}
