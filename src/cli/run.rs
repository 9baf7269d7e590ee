//! `cutover run RUNBOOK`: maps the flags to a start request; on a terminal the TUI runs it,
//! otherwise it runs headless.

use std::io::IsTerminal;

use super::args::{OnFailure, RunArgs};
use crate::exit::{Failure, Outcome};
use crate::launch::headless::run_to_end;
use crate::launch::interactive::run_interactive;
use crate::launch::prepare::prepare;
use crate::launch::request::{Answers, FailureAnswer, StartRequest};
use crate::launch::start::start;

pub(crate) fn run(args: &RunArgs) -> Result<Outcome, Failure> {
    let interactive =
        !args.headless && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let request = start_request(args);
    let prepared = prepare(&request, interactive)?;
    if interactive {
        let status = run_interactive(&request, prepared, args.ascii)?;
        return Ok(status.map_or(Outcome::Done, Outcome::of_run));
    }
    let launched = start(&request, prepared, &[])?;
    Ok(Outcome::of_run(run_to_end(launched, &request.answers)?))
}

pub fn start_request(args: &RunArgs) -> StartRequest {
    StartRequest {
        runbook: args.runbook.clone(),
        vars: args.vars.clone(),
        drill: args.drill,
        dry_run: args.dry_run,
        auto: args.auto,
        step: args.step,
        environment: args.environment.clone(),
        inject_failures: args.inject_failures.clone(),
        time_scale: args.time_scale,
        hosts: args.hosts.clone(),
        limit: args.limit.clone(),
        break_lock: args.break_lock.clone(),
        share_with: args.share_with.clone(),
        target: args.target.clone(),
        log_dir: args.log_dir.clone(),
        key: args.key.clone(),
        operator: args.operator.clone(),
        allowed_signers: args.allowed_signers.clone(),
        answers: answers(
            &args.confirms,
            &args.fails,
            &args.inputs,
            &args.decides,
            args.on_failure,
        ),
    }
}

pub(crate) fn answers(
    confirms: &[(String, Option<String>)],
    fails: &[(String, String)],
    inputs: &[(String, String)],
    decides: &[(String, String)],
    on_failure: OnFailure,
) -> Answers {
    Answers {
        confirms: confirms.to_vec(),
        fails: fails.to_vec(),
        inputs: inputs.to_vec(),
        decides: decides.to_vec(),
        on_failure: match on_failure {
            OnFailure::Abort => FailureAnswer::Abort,
            OnFailure::Rollback => FailureAnswer::Rollback,
            OnFailure::Suspend => FailureAnswer::Suspend,
        },
    }
}
