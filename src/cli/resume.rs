//! `cutover resume RUN`: maps the flags to a resume request; on a terminal the run's screen
//! opens, as for `cutover run`, otherwise it runs headless.

use std::io::IsTerminal;

use super::args::ResumeArgs;
use super::run::answers;
use crate::exit::{Failure, Outcome};
use crate::launch::headless::run_to_end;
use crate::launch::interactive::resume_interactive;
use crate::launch::request::ResumeRequest;
use crate::launch::resume::resume as resume_run;
use crate::protocol::decision::Decision;

pub(crate) fn resume(args: &ResumeArgs) -> Result<Outcome, Failure> {
    let request = resume_request(args);
    let interactive =
        !args.headless && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if interactive {
        let status = resume_interactive(&request, args.ascii)?;
        return Ok(status.map_or(Outcome::Done, Outcome::of_run));
    }
    let launched = resume_run(&request)?;
    Ok(Outcome::of_run(run_to_end(launched, &request.answers)?))
}

fn resume_request(args: &ResumeArgs) -> ResumeRequest {
    let rerun = args
        .rerun
        .iter()
        .map(|step| (step.clone(), Decision::Retry));
    let mark_done = args.mark_done.iter().map(|(step, note)| {
        (
            step.clone(),
            Decision::MarkDone {
                evidence: note.clone(),
            },
        )
    });
    let skip = args.skip.iter().map(|(step, reason)| {
        (
            step.clone(),
            Decision::Skip {
                reason: reason.clone(),
            },
        )
    });
    ResumeRequest {
        run: args.run.clone(),
        decisions: rerun.chain(mark_done).chain(skip).collect(),
        rollback: args.rollback,
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
        on_terminal: false,
    }
}
