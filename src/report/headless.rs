//! The headless reporter: one line per step start and end with status and duration, each
//! step's output as it comes (`headless_output.rs`), failures with the tail of their output,
//! decisions and the run's end — for CI logs and `tee`.

use std::io::Write;

use std::time::Duration;

use tokio::sync::mpsc;

use super::headless_output::LiveOutput;

use crate::engine::events::{Event, Prompt};
use crate::protocol::decision::ConfirmVia;
use crate::protocol::status::StepStatus;
use crate::runbook::duration::human_ms as seconds;

/// Prints events until the channel closes. Write errors (a closed stderr) are ignored: the
/// journal, not this display, is the record.
pub(crate) async fn print_progress(
    mut events: mpsc::UnboundedReceiver<Event>,
    mut out: impl Write,
) {
    let mut text = String::new();
    let mut live = LiveOutput::default();
    // Often enough that "still running" comes within seconds of the minute.
    let mut check = tokio::time::interval(Duration::from_secs(5));
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        text.clear();
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                // Everything already queued goes out in one write (a step's end and the next
                // one's start, typically): stderr is unbuffered, and a write per line cost a
                // system call per line on every step. Nothing waits: these lines were all due.
                push_event(&mut text, &event, &mut live);
                while let Ok(event) = events.try_recv() {
                    push_event(&mut text, &event, &mut live);
                }
            }
            _ = check.tick() => live.heartbeats(tokio::time::Instant::now(), &mut text),
        }
        if !text.is_empty() {
            // Actions, titles, output and failure tails come from the runbook and the run:
            // nothing in them may move the cursor, set a title or write the clipboard.
            let _ = out.write_all(crate::terminal_text::plain(&text).as_bytes());
            let _ = out.flush();
        }
    }
}

fn push_event(text: &mut String, event: &Event, live: &mut LiveOutput) {
    let now = tokio::time::Instant::now();
    let show_tail = match event {
        Event::Output {
            step, text: chunk, ..
        } => {
            live.output(step, chunk, now, text);
            return;
        }
        // A failure's tail repeats nothing the log already showed whole.
        Event::StepResult { step, .. } => !live.ended(step, text),
        _ => true,
    };
    if let Some(line) = format_event_showing(event, show_tail) {
        text.push_str(&line);
        text.push('\n');
    }
    if let Event::StepStarted { step, .. } = event {
        live.started(step, now);
    }
}

/// Whether the progress lines can say anything of an event: not of progress or probe
/// measurements, so the reporter is not handed a copy of each.
pub(crate) fn is_reported(event: &Event) -> bool {
    !matches!(event, Event::Progress { .. } | Event::Probe { .. })
}

/// The line(s) for one event, or `None` for events not shown this way (output, progress);
/// a failure's tail only when `show_tail`.
fn format_event_showing(event: &Event, show_tail: bool) -> Option<String> {
    Some(match event {
        Event::RunStarted {
            run_id,
            runbook,
            title,
            mode,
            run_dir,
            ..
        } => {
            format!(
                "cutover: {runbook} — {title} ({mode} run {run_id})\ncutover: run folder {run_dir}"
            )
        }
        Event::PhaseStarted { phase, title } => format!("== {phase}: {title}"),
        Event::HostResult {
            step,
            host,
            status,
            message,
            ..
        } => format!("   {step} on {host}: {status} — {message}"),
        Event::StepStarted {
            step,
            title,
            attempt,
            action,
            rollback,
            ..
        } => {
            let rollback = if *rollback { " [rollback]" } else { "" };
            let attempt = if *attempt > 1 {
                format!(" (attempt {attempt})")
            } else {
                String::new()
            };
            // A multi-line command stays inside the step's indented block.
            let action = action.replace('\n', "\n   ");
            format!("-> {step}{rollback}{attempt}: {title}\n   {action}")
        }
        Event::StepResult {
            step,
            status,
            duration_ms,
            message,
            tail,
            ..
        } => {
            // A failure is shouted: it is the line a scrolling log must not hide.
            let word = match status {
                StepStatus::Failed => "FAILED".to_string(),
                other => other.to_string(),
            };
            let mut line = format!("   {step} {word} in {}: {message}", seconds(*duration_ms));
            for tail_line in tail.iter().filter(|_| show_tail) {
                line.push_str(&format!("\n   | {tail_line}"));
            }
            line
        }
        Event::Stage {
            step,
            stage,
            passed,
            message,
            ..
        } => {
            format!(
                "   {step} stage {stage}%: {} — {message}",
                if *passed { "ok" } else { "FAILED" }
            )
        }
        Event::Confirmed {
            step,
            note,
            checklist,
            via,
        } => {
            let note = note
                .as_deref()
                .map(|n| format!(", note: {n}"))
                .unwrap_or_default();
            let ticked = match checklist.len() {
                1 => "1 item ticked".to_string(),
                count => format!("{count} items ticked"),
            };
            let by = match via {
                ConfirmVia::Terminal => "at the terminal",
                ConfirmVia::CommandLine => "by --confirm on the command line",
            };
            format!("   {step} confirmed {by} ({ticked}{note})")
        }
        Event::Decided { step, decision } => {
            format!("   {step} decision: {}", decision)
        }
        Event::Answered {
            step,
            variable,
            value,
            by,
        } => format!(
            "   {step}: {variable} = {} ({by})",
            value.as_deref().unwrap_or("*** (secret)")
        ),
        Event::Waiting(Prompt::Approvals {
            step,
            run,
            required,
            approved,
            ..
        }) => format!(
            "   {step} waits for approvals ({} of {required}): cutover approve {run} {step}",
            approved.len()
        ),
        Event::Approved(approval) => format!(
            "   {} approved by {} ({}), {} of {}",
            approval.step,
            approval.principal,
            approval.fingerprint,
            approval.count,
            approval.required
        ),
        Event::Waiting(Prompt::Input { step, variable, .. }) => {
            format!("   {step} asks for {variable}")
        }
        Event::Condition {
            step,
            phase,
            expression,
            value,
            error,
        } => {
            let whose = match phase {
                Some(phase) => format!("phase {phase}'s condition"),
                None => "condition".to_string(),
            };
            match (value, error) {
                (Some(true), _) => return None,
                (Some(false), _) => {
                    format!("   {step} not applicable: {whose} `{expression}` is false")
                }
                (None, error) => format!(
                    "   {step}: {whose} `{expression}` failed: {}",
                    error.as_deref().unwrap_or("no value")
                ),
            }
        }
        Event::Window {
            action,
            duration_ms,
        } => match duration_ms {
            Some(ms) => {
                format!("   maintenance window {action:?} for {}", seconds(*ms)).to_lowercase()
            }
            None => format!("   maintenance window {action:?}").to_lowercase(),
        },
        Event::WindowOverrun { overrun_ms } => format!(
            "!! the maintenance window overran by {}",
            seconds(*overrun_ms)
        ),
        Event::Service { step, state } => format!("   service {step}: {state}"),
        Event::Notified { delivery } => match &delivery.error {
            None => format!(
                "   notified {} ({})",
                delivery.channel,
                delivery.event.as_str()
            ),
            Some(error) => format!(
                "   could not notify {} ({}): {error}",
                delivery.channel,
                delivery.event.as_str()
            ),
        },
        Event::Controller(change) => format!(
            "   controls: {} {}",
            change.seat.describe(),
            change.action.as_str()
        ),
        Event::Noted { step, text } => match step {
            Some(step) => format!("   {step} note: {text}"),
            None => format!("   note: {text}"),
        },
        Event::Suspended { reason, next_step } => {
            let next = next_step
                .as_deref()
                .map(|s| format!(" before `{s}`"))
                .unwrap_or_default();
            format!("cutover: run suspended{next}: {reason}")
        }
        Event::RunFinished {
            status,
            duration_ms,
            recovery_ms,
        } => {
            let word = status.to_string();
            let recovery = recovery_ms
                .map(|ms| format!(" (first failure to rollback complete: {})", seconds(ms)))
                .unwrap_or_default();
            format!("cutover: run {word} in {}{recovery}", seconds(*duration_ms))
        }
        Event::MetricSample(sample) => {
            let place = sample
                .place()
                .map_or_else(String::new, |place| format!(" gate {place}"));
            format!(
                "   {}{place} sample {}: {} — {}",
                sample.step, sample.sample, sample.verdict, sample.reason
            )
        }
        Event::Waiting(Prompt::Manual { step, .. }) => {
            format!("   {step} waits for the operator")
        }
        Event::Retrying {
            step,
            attempt,
            of,
            delay_ms,
        } => format!(
            "   {step}: attempt {attempt} of {of} failed; attempt {} in {}",
            attempt + 1,
            seconds(*delay_ms)
        ),
        Event::PhaseFinished { .. }
        | Event::Output { .. }
        | Event::Progress { .. }
        | Event::Unattended { .. }
        | Event::Probe { .. }
        | Event::Waiting(_) => {
            return None;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each `write` call separately, as stderr would issue them.
    #[derive(Clone, Default)]
    struct Writes(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(buf).into_owned());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn phase(id: &str) -> Event {
        Event::PhaseStarted {
            phase: id.to_string(),
            title: format!("Phase {id}"),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn queued_lines_go_out_in_one_write_and_later_ones_in_another() {
        let (events, receiver) = mpsc::unbounded_channel();
        let writes = Writes::default();
        events.send(phase("backup")).unwrap();
        events
            .send(Event::Progress {
                step: "dump".into(),
                message: "40%".into(),
            })
            .unwrap();
        events.send(phase("deploy")).unwrap();
        let printer = tokio::spawn(print_progress(receiver, writes.clone()));
        tokio::task::yield_now().await;
        events.send(phase("verify")).unwrap();
        drop(events);
        printer.await.unwrap();
        assert_eq!(
            *writes.0.lock().unwrap(),
            vec![
                "== backup: Phase backup\n== deploy: Phase deploy\n".to_string(),
                "== verify: Phase verify\n".to_string(),
            ]
        );
    }
}
