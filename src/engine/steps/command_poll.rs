//! A `command` step with `poll_interval` and `poll_timeout`: the command runs again until it
//! passes (a replica caught up, a file appeared), for hours if need be. The journal gets one
//! result, not one per try: the tries in order of their changes (`exit 1 ×37, then exit 0`),
//! and the output of the last try, whose file is the only one kept. The screen shows one line
//! that updates.

use std::time::Duration;

use tokio::time::Instant;

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::engine::process::ProcessRequest;
use crate::runbook::duration::{format_duration, human_ms};
use crate::runbook::kinds::command::{CommandStep, Poll};

use super::command::run_to_outcome;

pub(crate) async fn poll_until_passed(
    request: &ProcessRequest,
    ctx: &mut StepContext<'_>,
    step: &CommandStep,
    poll: Poll,
) -> Result<(StepOutcome, Vec<String>), StepStop> {
    // A drill's time scale shortens both; the messages say the runbook's figures.
    let (interval, timeout) = (
        ctx.settings.scaled(poll.interval),
        ctx.settings.scaled(poll.timeout),
    );
    let at_scale = match ctx.settings.time_scale {
        1.0 => String::new(),
        scale => format!(" at time scale {scale}"),
    };
    let started = Instant::now();
    let give_up = started + timeout;
    // Each distinct result and how many tries in a row gave it.
    let mut changes: Vec<(String, u32)> = Vec::new();
    let mut previous_output: Option<String> = None;
    let mut tries = 0u32;
    loop {
        tries += 1;
        let (mut outcome, last_line) =
            run_to_outcome(request, ctx, &step.expect_exit, &format!(".try{tries}")).await?;
        // Only the last try's output is the step's: the earlier ones are superseded.
        if let Some(path) = previous_output.take() {
            let _ = std::fs::remove_file(ctx.run_dir.join(path));
        }
        previous_output = outcome.output.as_ref().map(|record| record.path.clone());
        let result = outcome.message.clone();
        match changes.last_mut() {
            Some((last, count)) if *last == result => *count += 1,
            _ => changes.push((result.clone(), 1)),
        }
        let waited = human_ms(started.elapsed().as_millis() as u64);
        if outcome.passed {
            outcome.message = format!(
                "passed on try {tries} after {waited}: {}",
                history(&changes)
            );
            return Ok((outcome, last_line));
        }
        if Instant::now() + interval >= give_up {
            outcome.message = format!(
                "still failing after {waited} ({tries} tries, poll_timeout {}{at_scale}): {}",
                format_duration(poll.timeout),
                history(&changes)
            );
            return Ok((outcome, last_line));
        }
        ctx.progress(format!(
            "try {tries}: {result}; next in {}, gives up in {}",
            format_duration(interval),
            format_duration(Duration::from_secs(
                give_up.saturating_duration_since(Instant::now()).as_secs()
            ))
        ));
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = ctx.interrupt.stop_requested() => return Err(StepStop::Abort),
        }
    }
}

/// `exit 1 ×37, then exit 0`.
fn history(changes: &[(String, u32)]) -> String {
    changes
        .iter()
        .map(|(result, count)| match count {
            1 => result.clone(),
            n => format!("{result} ×{n}"),
        })
        .collect::<Vec<_>>()
        .join(", then ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tries_read_as_the_changes_of_their_result() {
        let changes = vec![
            ("exit 1, expected 0".to_string(), 37),
            ("exit 0".to_string(), 1),
        ];
        assert_eq!(history(&changes), "exit 1, expected 0 ×37, then exit 0");
    }
}
