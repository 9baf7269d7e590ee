//! What a client attaching to a live run is sent before the live events: enough to draw the
//! screen as it is — every event that changes it, in order; each step's recent output; each
//! running step's latest progress line — without keeping a copy of every output chunk ever
//! printed.

use std::collections::{BTreeMap, VecDeque};

use crate::engine::events::Event;

/// The output kept per step for a newcomer: its scrollback, as the screen keeps a bounded one.
const OUTPUT_KEPT_PER_STEP: usize = 1 << 20;

/// The output kept for all steps together: a run of two hundred chatty steps keeps the latest
/// steps' output, not two hundred megabytes.
const OUTPUT_KEPT: usize = 8 << 20;

#[derive(Default)]
pub(crate) struct History {
    /// Every event but output and progress, in order.
    events: Vec<Event>,
    /// Each step's latest output chunks, oldest first, and their size in bytes.
    outputs: BTreeMap<String, (VecDeque<Event>, usize)>,
    /// Steps in the order their output began.
    output_order: Vec<String>,
    /// The latest progress line of each step that has not ended.
    progress: BTreeMap<String, Event>,
    /// Bytes of output kept, all steps together.
    output_bytes: usize,
}

impl History {
    pub(crate) fn record(&mut self, event: &Event) {
        match event {
            Event::Output { step, text, .. } => {
                if !self.outputs.contains_key(step) {
                    self.output_order.push(step.clone());
                }
                let (chunks, bytes) = self.outputs.entry(step.clone()).or_default();
                chunks.push_back(event.clone());
                *bytes += text.len();
                self.output_bytes += text.len();
                while *bytes > OUTPUT_KEPT_PER_STEP && chunks.len() > 1 {
                    if let Some(Event::Output { text, .. }) = chunks.pop_front() {
                        *bytes -= text.len();
                        self.output_bytes -= text.len();
                    }
                }
                self.forget_oldest_output();
            }
            // The latest word on a step's progress, whichever says it.
            Event::Progress { step, .. } | Event::Unattended { step } => {
                self.progress.insert(step.clone(), event.clone());
            }
            Event::StepResult { step, .. } => {
                self.progress.remove(step);
                self.events.push(event.clone());
            }
            other => self.events.push(other.clone()),
        }
    }

    /// Past [`OUTPUT_KEPT`], the earliest steps' output goes first, a chunk at a time; the
    /// latest chunk of all is always kept.
    fn forget_oldest_output(&mut self) {
        let mut index = 0;
        while self.output_bytes > OUTPUT_KEPT && index < self.output_order.len() {
            let step = &self.output_order[index];
            let Some((chunks, bytes)) = self.outputs.get_mut(step) else {
                index += 1;
                continue;
            };
            let last_step = index + 1 == self.output_order.len();
            if chunks.len() <= usize::from(last_step) {
                index += 1;
                continue;
            }
            if let Some(Event::Output { text, .. }) = chunks.pop_front() {
                *bytes -= text.len();
                self.output_bytes -= text.len();
            }
        }
    }

    /// The events to apply, in an order that rebuilds the screen: the run's events, then each
    /// step's output, then the progress of the steps still going.
    pub(crate) fn replay(&self) -> impl Iterator<Item = &Event> {
        let outputs = self
            .output_order
            .iter()
            .filter_map(|step| self.outputs.get(step))
            .flat_map(|(chunks, _)| chunks.iter());
        self.events
            .iter()
            .chain(outputs)
            .chain(self.progress.values())
    }

    /// The step running or waiting now, and whether it waits for a person.
    pub(crate) fn current(&self) -> (Option<String>, Option<String>) {
        let mut current = None;
        let mut waiting = None;
        for event in &self.events {
            match event {
                Event::StepStarted { step, .. } => {
                    current = Some(step.clone());
                    waiting = None;
                }
                Event::Waiting(prompt) => waiting = Some(prompt.waits_for().to_string()),
                Event::StepResult { .. } | Event::Condition { .. } => waiting = None,
                Event::RunFinished { .. } => {
                    current = None;
                    waiting = None;
                }
                _ => {}
            }
        }
        (current, waiting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::output::Stream;

    fn output(step: &str, text: &str) -> Event {
        Event::Output {
            step: step.into(),
            stream: Stream::Stdout,
            text: text.into(),
        }
    }

    #[test]
    fn a_newcomer_gets_the_events_then_each_steps_recent_output() {
        let mut history = History::default();
        history.record(&Event::PhaseStarted {
            phase: "p".into(),
            title: "P".into(),
        });
        let third = "x".repeat(OUTPUT_KEPT_PER_STEP / 3);
        history.record(&output("a", "first\n"));
        for _ in 0..3 {
            history.record(&output("a", &third));
        }
        history.record(&Event::Progress {
            step: "a".into(),
            message: "3 s left".into(),
        });
        let replayed: Vec<&Event> = history.replay().collect();
        assert!(matches!(replayed[0], Event::PhaseStarted { .. }));
        // The oldest chunk made way for the three latest; then the progress line.
        let sizes: Vec<usize> = replayed
            .iter()
            .map(|event| match event {
                Event::Output { text, .. } => text.len(),
                _ => 0,
            })
            .collect();
        assert_eq!(sizes, [0, third.len(), third.len(), third.len(), 0]);
        assert!(matches!(replayed[4], Event::Progress { .. }));
    }

    #[test]
    fn the_output_kept_for_newcomers_is_bounded_across_steps() {
        let mut history = History::default();
        let chunk = "y".repeat(64 << 10);
        for step in 0..200 {
            for _ in 0..16 {
                history.record(&output(&format!("s{step}"), &chunk));
            }
        }
        let kept: usize = history
            .replay()
            .map(|event| match event {
                Event::Output { text, .. } => text.len(),
                _ => 0,
            })
            .sum();
        assert!(kept <= OUTPUT_KEPT, "{kept} bytes kept");
        // The latest step's output is there.
        assert!(
            history
                .replay()
                .any(|event| matches!(event, Event::Output { step, .. } if step == "s199"))
        );
    }
}
