//! A step's output in the headless progress lines, as it comes: each line prefixed with its
//! step, the first `MAX_LINES` of an attempt (the rest is in the run folder's output file, as
//! every byte is), and a line a minute while a step prints nothing — so that a CI log shows a
//! 20-minute `pg_dump` working, not a silence.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

/// Lines of one attempt shown as they come; the journal's output file has them all.
pub(crate) const MAX_LINES: usize = 100;

/// How long a running step may be silent before the log says it still runs.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(60);

#[derive(Default)]
struct StepLines {
    /// A line begun and not yet ended.
    partial: String,
    shown: usize,
    cut: bool,
}

/// The running steps' output as the log shows it, and when each last said anything.
#[derive(Default)]
pub(crate) struct LiveOutput {
    steps: HashMap<String, StepLines>,
    running: HashMap<String, (Instant, Instant)>,
}

impl LiveOutput {
    pub(crate) fn started(&mut self, step: &str, now: Instant) {
        self.steps.insert(step.to_string(), StepLines::default());
        self.running.insert(step.to_string(), (now, now));
    }

    /// Output of `step`: its complete lines go to `out`, prefixed, up to the limit.
    pub(crate) fn output(&mut self, step: &str, text: &str, now: Instant, out: &mut String) {
        let lines = self.steps.entry(step.to_string()).or_default();
        // One pass over the chunk: its complete lines, then what is left of the last one.
        // Past the limit only the unended line is kept: a gigabyte costs no line splitting.
        let (complete, rest) = match text.rfind('\n') {
            Some(end) => (&text[..end], &text[end + 1..]),
            None => ("", text),
        };
        if text.contains('\n') {
            let first = std::mem::take(&mut lines.partial);
            if !lines.cut {
                let mut each = complete.split('\n');
                let head = first + each.next().unwrap_or_default();
                show(step, head.trim_end_matches('\r'), lines, out);
                for line in each {
                    if lines.cut {
                        break;
                    }
                    show(step, line.trim_end_matches('\r'), lines, out);
                }
            }
        }
        if !lines.cut {
            lines.partial.push_str(rest);
        }
        if let Some((_, said)) = self.running.get_mut(step) {
            *said = now;
        }
    }

    /// The step ended: its last line if it had no newline. Whether every line was shown (then
    /// the failure's tail would only repeat them).
    pub(crate) fn ended(&mut self, step: &str, out: &mut String) -> bool {
        self.running.remove(step);
        let Some(mut lines) = self.steps.remove(step) else {
            return false;
        };
        let rest = std::mem::take(&mut lines.partial);
        if !rest.is_empty() {
            show(step, rest.trim_end_matches('\r'), &mut lines, out);
        }
        lines.shown > 0 && !lines.cut
    }

    /// A line for each step silent for `HEARTBEAT` or more: "still running after 5m".
    pub(crate) fn heartbeats(&mut self, now: Instant, out: &mut String) {
        let mut silent: Vec<(&String, &mut (Instant, Instant))> = self
            .running
            .iter_mut()
            .filter(|(_, (_, said))| now.saturating_duration_since(*said) >= HEARTBEAT)
            .collect();
        silent.sort_by(|a, b| a.0.cmp(b.0));
        for (step, (started, said)) in silent {
            let running = now.saturating_duration_since(*started);
            out.push_str(&format!(
                "   {step} still running after {}\n",
                crate::runbook::duration::format_duration(Duration::from_secs(running.as_secs()))
            ));
            *said = now;
        }
    }
}

fn show(step: &str, line: &str, lines: &mut StepLines, out: &mut String) {
    if lines.shown < MAX_LINES {
        out.push_str(&format!("   {step} | {line}\n"));
        lines.shown += 1;
    } else if !lines.cut {
        lines.cut = true;
        out.push_str(&format!(
            "   {step} | … more output: the run folder's output file has every line\n"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn lines_come_as_they_are_printed_prefixed_and_cut_after_the_limit() {
        let mut live = LiveOutput::default();
        let mut out = String::new();
        let now = Instant::now();
        live.started("dump", now);
        live.output("dump", "first li", now, &mut out);
        assert_eq!(out, "", "half a line waits for its end");
        live.output("dump", "ne\nsecond\n", now, &mut out);
        assert_eq!(out, "   dump | first line\n   dump | second\n");
        let many: String = (0..200).map(|n| format!("line {n}\n")).collect();
        live.output("dump", &many, now, &mut out);
        assert_eq!(out.lines().count(), MAX_LINES + 1);
        assert!(out.ends_with("every line\n"), "{out}");
        assert!(
            !live.ended("dump", &mut out),
            "cut: the tail still says how it ended"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_step_says_it_still_runs_once_a_minute() {
        let mut live = LiveOutput::default();
        let mut out = String::new();
        let started = Instant::now();
        live.started("dump", started);
        live.heartbeats(started + Duration::from_secs(59), &mut out);
        assert_eq!(out, "");
        live.heartbeats(started + Duration::from_secs(60), &mut out);
        assert_eq!(out, "   dump still running after 1m\n");
        live.heartbeats(started + Duration::from_secs(61), &mut out);
        assert_eq!(out.lines().count(), 1, "once a minute, not once a check");
        live.output(
            "dump",
            "a line\n",
            started + Duration::from_secs(100),
            &mut out,
        );
        live.heartbeats(started + Duration::from_secs(150), &mut out);
        assert_eq!(out.lines().count(), 2, "output resets the silence");
        live.heartbeats(started + Duration::from_secs(300), &mut out);
        assert!(out.ends_with("   dump still running after 5m\n"), "{out}");
        assert!(live.ended("dump", &mut out));
    }
}
