//! What the screen shows, as data: the run, its steps, their output, the question being asked.

use crate::protocol::run_info::RunInfo;
use crate::protocol::run_info::StepInfo;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::engine::events::Prompt;
use crate::protocol::status::{RunStatus, StepStatus};

use super::output_buffer::OutputBuffer;
use super::text_entry::TextEntry;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StepState {
    Pending,
    Running,
    Waiting,
    Done(StepStatus),
    /// Its `when` condition was false: it did not run, by the runbook.
    NotApplicable,
}

pub(crate) struct StepRow {
    pub info: StepInfo,
    pub state: StepState,
    pub attempt: u32,
    pub action: String,
    pub message: String,
    pub duration: Option<Duration>,
    /// Progressive stages, probe figures, countdowns: the latest progress line per step, and
    /// the stage results.
    pub progress: Option<String>,
    pub stages: Vec<String>,
    pub probe: Vec<f64>,
    pub probe_errors: u32,
    /// Each metric gate's samples so far: the gate (and stage), the verdicts, the last reason.
    pub metrics: Vec<MetricSeries>,
    pub notes: Vec<String>,
    /// Each host's latest fate, for a step run over ssh: host, status, message.
    pub hosts: Vec<(String, crate::protocol::status::HostStatus, String)>,
}

impl StepRow {
    pub(crate) fn pending(info: StepInfo) -> Self {
        Self {
            info,
            state: StepState::Pending,
            attempt: 0,
            action: String::new(),
            message: String::new(),
            duration: None,
            hosts: Vec::new(),
            progress: None,
            stages: Vec::new(),
            probe: Vec::new(),
            probe_errors: 0,
            metrics: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// The samples of one metric gate, as the detail pane draws them.
pub(crate) struct MetricSeries {
    pub label: String,
    pub verdicts: Vec<crate::engine::metric_sample::SampleVerdict>,
    pub last: String,
}

/// The question on screen and the operator's partial answer.
pub(crate) struct Question {
    pub prompt: Prompt,
    /// Ticked checklist items (manual steps).
    pub ticked: Vec<bool>,
    /// The checklist item the cursor is on.
    pub cursor: usize,
    /// A text being typed: a note, a reason, evidence, a phrase.
    pub entry: Option<TextEntry>,
    pub note: Option<String>,
    /// Why the last answer was not accepted.
    pub problem: Option<String>,
    /// When it was asked: a deadline counts down from here.
    pub asked_at: std::time::Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Overlay {
    None,
    Help,
    /// `q`: suspend the run here?
    ConfirmQuit,
    /// Ctrl-C: abort the running step?
    ConfirmInterrupt,
    /// `b` or `a` in a drill or a dry run: y does it, any other key does not.
    ConfirmIrreversible(super::text_entry::Irreversible),
}

pub(crate) struct App {
    pub info: RunInfo,
    pub rows: Vec<StepRow>,
    pub outputs: HashMap<String, OutputBuffer>,
    pub selected: usize,
    /// The selection follows the running step until the operator moves it.
    pub follow: bool,
    /// Output lines scrolled up from the bottom (0 follows the tail).
    pub scroll: usize,
    pub question: Option<Question>,
    pub overlay: Overlay,
    /// `v`: a text shown whole on the whole screen.
    pub viewer: Option<super::viewer::Viewer>,
    /// Long output lines wrap (`w` cuts them at the edge instead).
    pub wrap_output: bool,
    /// What the run just journaled of an act, said in the footer for a few seconds: the
    /// operator sees their note, confirmation or decision taken.
    pub said: Option<(String, Instant)>,
    pub started: Instant,
    /// The wall clock at `started`: the forecast's times of day count from here.
    pub started_wall: jiff::Timestamp,
    pub window: Option<(Instant, Duration)>,
    pub window_overrun: Option<Duration>,
    pub journal_entries: u64,
    pub journal_anchor: Option<String>,
    pub finished: Option<(RunStatus, Duration)>,
    pub suspended: Option<String>,
    pub ascii: bool,
    pub color: bool,
    /// A note typed with `n` outside any question, waiting for the next step's record.
    pub free_note: Option<TextEntry>,
    /// The operator chose to quit: leave as soon as the suspension is journaled.
    pub leaving: bool,
    /// Attached with `--watch`: every key but moving around and leaving does nothing.
    pub watching: bool,
    /// Who holds the run's controls, as its engine last journaled it.
    pub controls_held_by: Option<String>,
}

impl App {
    pub(crate) fn new(info: RunInfo, ascii: bool, color: bool) -> Self {
        let rows = info.steps.iter().cloned().map(StepRow::pending).collect();
        Self {
            info,
            rows,
            outputs: HashMap::new(),
            selected: 0,
            follow: true,
            scroll: 0,
            question: None,
            overlay: Overlay::None,
            viewer: None,
            wrap_output: true,
            said: None,
            started: Instant::now(),
            started_wall: jiff::Timestamp::now(),
            window: None,
            window_overrun: None,
            journal_entries: 0,
            journal_anchor: None,
            finished: None,
            suspended: None,
            ascii,
            color,
            free_note: None,
            leaving: false,
            watching: false,
            controls_held_by: None,
        }
    }

    /// A read-only screen of a live run: it shows everything and acts on nothing.
    pub(crate) fn watching(mut self) -> Self {
        self.watching = true;
        self
    }

    pub(crate) fn row_index(&self, step: &str) -> Option<usize> {
        // A step id is unique in the runbook; rollback steps are listed after the main flow.
        self.rows.iter().position(|row| row.info.id == step)
    }

    pub(crate) fn selected_row(&self) -> Option<&StepRow> {
        self.rows.get(self.selected)
    }

    /// The run is over (ended or suspended) and the operator asked to leave.
    pub(crate) fn should_leave(&self) -> bool {
        self.leaving && (self.finished.is_some() || self.suspended.is_some())
    }

    /// Whether a step is running right now (the operator may not quit in the middle of one).
    pub(crate) fn step_running(&self) -> bool {
        self.rows.iter().any(|row| row.state == StepState::Running)
    }
}
