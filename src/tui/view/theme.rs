//! Glyphs and colours. `--ascii` replaces every non-ASCII glyph; without colour (`NO_COLOR`,
//! `TERM=vt100`) meaning is carried by glyphs and reverse video alone.

use ratatui::style::{Color, Modifier, Style};

use crate::engine::metric_sample::SampleVerdict;
use crate::protocol::mode::Mode;
use crate::protocol::status::StepStatus;
use crate::tui::state::StepState;

#[derive(Clone, Copy)]
pub(crate) struct Theme {
    pub ascii: bool,
    pub color: bool,
}

impl Theme {
    pub(crate) fn glyph(&self, state: StepState) -> &'static str {
        match (state, self.ascii) {
            (StepState::Pending, false) => "·",
            (StepState::Pending, true) => ".",
            (StepState::Running, false) => "▶",
            (StepState::Running, true) => ">",
            (StepState::Waiting, _) => "?",
            (StepState::Done(StepStatus::Passed), false) => "✓",
            (StepState::Done(StepStatus::Passed), true) => "+",
            (StepState::Done(StepStatus::Failed), false) => "✗",
            (StepState::Done(StepStatus::Failed), true) => "x",
            (StepState::Done(StepStatus::Skipped), false) => "↷",
            (StepState::Done(StepStatus::Skipped), true) => "-",
            (StepState::Done(StepStatus::Simulated), _) => "~",
            (StepState::Done(StepStatus::DoneManually), false) => "✎",
            (StepState::Done(StepStatus::DoneManually), true) => "m",
            (StepState::NotApplicable, false) => "–",
            (StepState::NotApplicable, true) => "_",
        }
    }

    pub(crate) fn state_style(&self, state: StepState) -> Style {
        if !self.color {
            return match state {
                StepState::Running | StepState::Waiting => {
                    Style::default().add_modifier(Modifier::BOLD)
                }
                _ => Style::default(),
            };
        }
        match state {
            StepState::Pending | StepState::NotApplicable => Style::default().fg(Color::DarkGray),
            StepState::Running => Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            StepState::Waiting => Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            StepState::Done(StepStatus::Passed) => Style::default().fg(Color::Green),
            StepState::Done(StepStatus::Failed) => {
                Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
            }
            StepState::Done(_) => Style::default().fg(Color::Magenta),
        }
    }

    /// One metric sample in a gate's series: passed, failed, or inconclusive (`?` in every
    /// mode: missing data must never look like a pass).
    pub(crate) fn verdict(&self, verdict: SampleVerdict) -> (&'static str, Style) {
        let state = match verdict {
            SampleVerdict::Pass => StepState::Done(StepStatus::Passed),
            SampleVerdict::Fail => StepState::Done(StepStatus::Failed),
            SampleVerdict::Inconclusive => StepState::Waiting,
        };
        let glyph = match verdict {
            SampleVerdict::Inconclusive => "?",
            _ => self.glyph(state),
        };
        (glyph, self.state_style(state))
    }

    pub(crate) fn badge(&self, mode: Mode) -> (&'static str, Style) {
        let (text, color) = match mode {
            Mode::Production => (" PRODUCTION ", Color::Red),
            Mode::Drill => (" DRILL ", Color::Yellow),
            Mode::DryRun => (" DRY-RUN ", Color::Blue),
        };
        let style = if self.color {
            Style::default()
                .bg(color)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        };
        (text, style)
    }

    pub(crate) fn accent(&self) -> Style {
        if self.color {
            Style::default().fg(Color::Cyan)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        }
    }

    pub(crate) fn problem(&self) -> Style {
        if self.color {
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        }
    }

    pub(crate) fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }

    pub(crate) fn separator(&self) -> &'static str {
        if self.ascii { " | " } else { " · " }
    }

    /// `[x]` and `[ ]` in every mode: ballot-box glyphs have an ambiguous width and shift the
    /// layout on some terminals.
    pub(crate) fn checkbox(&self, ticked: bool) -> &'static str {
        if ticked { "[x]" } else { "[ ]" }
    }
}
