//! The review's state: the verified history, the entry selected in the timeline, the output
//! shown for it, and the keys that move between entries, failures and decisions. Read-only:
//! nothing here can write to the run.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::output_file::{OutputView, OutputViewError};
use crate::journal::history::model::{AttemptRecord, Importance, RunHistory, TimelineEntry};
use crate::protocol::output::OutputRecord;

/// Lines PgUp/PgDn move the output by.
const PAGE: usize = 10;

pub struct ReviewApp {
    pub history: RunHistory,
    pub run_dir: PathBuf,
    pub selected: usize,
    /// First output line shown.
    pub output_scroll: usize,
    /// The output of the selected entry's attempt, opened on demand: (its record, the view or
    /// why it cannot be shown).
    pub output: Option<(OutputRecord, Result<OutputView, OutputViewError>)>,
    pub help: bool,
    /// Said once after a key that found nothing (no later failure…).
    pub message: Option<String>,
    pub ascii: bool,
    pub color: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ReviewAction {
    Stay,
    Quit,
}

impl ReviewApp {
    pub fn new(history: RunHistory, run_dir: PathBuf, ascii: bool, color: bool) -> Self {
        Self {
            history,
            run_dir,
            selected: 0,
            output_scroll: 0,
            output: None,
            help: false,
            message: None,
            ascii,
            color,
        }
    }

    pub fn selected_entry(&self) -> Option<&TimelineEntry> {
        self.history.timeline.get(self.selected)
    }

    /// The attempt the selected entry belongs to: its own for a step's start, result, stage or
    /// probe; the step's last attempt for a confirmation, decision or note about it.
    pub fn selected_attempt(&self) -> Option<&AttemptRecord> {
        let entry = self.selected_entry()?;
        let step = self.history.step(entry.step.as_deref()?)?;
        // The latest attempt started at or before the entry; a dangerous step's confirmation
        // comes before its first attempt.
        step.attempts
            .iter()
            .rev()
            .find(|attempt| attempt.line <= entry.line)
            .or_else(|| step.attempts.first())
    }

    /// The output file of the selected entry: a stage's own for a stage's result, else its
    /// attempt's (or, for a rollout, the attempt's last stage that has one).
    pub fn selected_output(&self) -> Option<&OutputRecord> {
        let line = self.selected_entry()?.line;
        let attempt = self.selected_attempt()?;
        if let Some(stage) = attempt.stages.iter().find(|s| s.line == line) {
            return stage.result.output.as_ref();
        }
        attempt
            .result
            .as_ref()
            .and_then(|(_, result)| result.output.as_ref())
            .or_else(|| {
                attempt
                    .stages
                    .iter()
                    .rev()
                    .find_map(|s| s.result.output.as_ref())
            })
    }

    /// Opens the selected entry's output if it is not open yet (reads the file).
    pub fn load_output(&mut self) {
        let wanted = self.selected_output().cloned();
        match (&self.output, wanted) {
            (Some((open, _)), Some(wanted)) if *open == wanted => {}
            (_, Some(wanted)) => {
                let view = OutputView::open(&self.run_dir, &wanted);
                self.output = Some((wanted, view));
                self.output_scroll = 0;
            }
            (_, None) => self.output = None,
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> ReviewAction {
        self.message = None;
        if self.help {
            self.help = false;
            return ReviewAction::Stay;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let last = self.history.timeline.len().saturating_sub(1);
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return ReviewAction::Quit,
            KeyCode::Char('c') if ctrl => return ReviewAction::Quit,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Up | KeyCode::Char('k') => self.select(self.selected.saturating_sub(1)),
            KeyCode::Down | KeyCode::Char('j') => self.select((self.selected + 1).min(last)),
            KeyCode::Home | KeyCode::Char('g') => self.select(0),
            KeyCode::End | KeyCode::Char('G') => self.select(last),
            KeyCode::Char('f') => self.jump(Importance::Failure, true),
            KeyCode::Char('F') => self.jump(Importance::Failure, false),
            KeyCode::Char('d') => self.jump(Importance::Decision, true),
            KeyCode::Char('D') => self.jump(Importance::Decision, false),
            KeyCode::PageDown => self.scroll_output(PAGE as isize),
            KeyCode::PageUp => self.scroll_output(-(PAGE as isize)),
            _ => {}
        }
        ReviewAction::Stay
    }

    fn select(&mut self, index: usize) {
        if index != self.selected {
            self.selected = index;
            self.output_scroll = 0;
        }
    }

    fn scroll_output(&mut self, by: isize) {
        let lines = match &self.output {
            Some((_, Ok(view))) => view.line_count(),
            _ => 0,
        };
        let scrolled = self.output_scroll as isize + by;
        self.output_scroll = scrolled.clamp(0, lines.saturating_sub(1) as isize) as usize;
    }

    /// The next (or previous) entry of this importance, from the selected one.
    fn jump(&mut self, importance: Importance, forward: bool) {
        let timeline = &self.history.timeline;
        let found = if forward {
            (self.selected + 1..timeline.len()).find(|&i| timeline[i].importance == importance)
        } else {
            (0..self.selected)
                .rev()
                .find(|&i| timeline[i].importance == importance)
        };
        match found {
            Some(index) => self.select(index),
            None => {
                let what = match importance {
                    Importance::Failure => "failure",
                    Importance::Decision => "decision",
                    Importance::Routine => "entry",
                };
                let direction = if forward { "after" } else { "before" };
                self.message = Some(format!("no {what} {direction} this entry"));
            }
        }
    }
}
