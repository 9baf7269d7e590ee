//! `cutover ls`: the runs under a log dir and what each is doing now — live (an engine holds
//! its journal), suspended, interrupted (no engine, no footer), or finished — with the step it
//! is at and the command that continues it. A listing reads the journals without verifying
//! them: it says where to look; `cutover verify` says what can be trusted.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::entry::{Body, Entry};
use super::run_lock::{Holder, engine_holds, read_holder};

/// What a run is doing now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RunState {
    /// An engine holds its journal.
    Live,
    /// It stopped waiting for an operator; `cutover resume` continues it.
    Suspended,
    /// No engine and no footer: its process died.
    Interrupted,
    Finished,
}

impl RunState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Suspended => "suspended",
            Self::Interrupted => "interrupted",
            Self::Finished => "finished",
        }
    }
}

/// One run as `cutover ls` shows it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ListedRun {
    pub run_id: String,
    pub runbook: String,
    pub run_dir: PathBuf,
    pub mode: crate::protocol::mode::Mode,
    pub operator: String,
    /// When it started (its header's time).
    pub started: String,
    pub state: RunState,
    /// The step running or next (suspended), when there is one.
    pub step: Option<String>,
    /// The time of the journal's last entry: what it has been doing since.
    pub since: String,
    /// Why it was suspended; how it finished.
    pub detail: Option<String>,
    /// The process that runs it, when it is live.
    pub engine: Option<Holder>,
    /// The command that continues it, when one does.
    pub continue_with: Option<String>,
    /// What its engine says it is doing, when it is live and answers on its socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<crate::protocol::live_status::LiveStatus>,
}

/// Every run under `log_dir`, oldest first, finished ones only if `all`.
pub(crate) fn list_runs(log_dir: &Path, all: bool) -> Vec<ListedRun> {
    let mut runs = Vec::new();
    for runbook_dir in sorted_dirs(log_dir) {
        for run_dir in sorted_dirs(&runbook_dir) {
            if let Some(run) = listed_run(&run_dir)
                && (all || run.state != RunState::Finished)
            {
                runs.push(run);
            }
        }
    }
    runs.sort_by(|a, b| a.started.cmp(&b.started));
    runs
}

/// The folders of `dir`, by name, leaving out `.locks` and the like.
fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// One run folder as `cutover ls` shows it; `None` when it holds no readable journal.
pub(crate) fn listed_run(run_dir: &Path) -> Option<ListedRun> {
    let journal = run_dir.join("journal.log");
    let text = std::fs::read_to_string(&journal).ok()?;
    let entries: Vec<Entry> = text
        .lines()
        .filter_map(|line| Entry::parse(line.split('\t').next()?).ok())
        .collect();
    let Body::Header(header) = &entries.first()?.body else {
        return None;
    };
    let live = engine_holds(&journal);
    let mut step = None;
    let mut detail = None;
    let running = if live {
        RunState::Live
    } else {
        RunState::Interrupted
    };
    let mut state = running;
    for entry in &entries {
        match &entry.body {
            Body::StepStart(start) => step = Some(start.step.clone()),
            Body::StepResult(result) if result.stage.is_none() => step = None,
            Body::Suspend(suspend) if !live => {
                state = RunState::Suspended;
                step = suspend.next_step.clone();
                detail = Some(suspend.reason.clone());
            }
            Body::Resume(_) => {
                state = running;
                detail = None;
            }
            Body::Footer(footer) => {
                state = RunState::Finished;
                step = None;
                detail = Some(footer.status.to_string());
            }
            _ => {}
        }
    }
    let run_dir = std::path::absolute(run_dir).unwrap_or_else(|_| run_dir.to_path_buf());
    let continue_with = match state {
        RunState::Suspended | RunState::Interrupted => {
            Some(format!("cutover resume {}", run_dir.display()))
        }
        _ => None,
    };
    Some(ListedRun {
        run_id: header.run_id.clone(),
        runbook: header.runbook.name.clone(),
        mode: header.mode,
        operator: header.operator.principal.clone(),
        started: entries[0].ts.clone(),
        state,
        step,
        since: entries.last().map(|e| e.ts.clone()).unwrap_or_default(),
        detail,
        engine: live.then(|| read_holder(&run_dir)).flatten(),
        continue_with,
        run_dir,
        live: None,
    })
}
