//! The past runs of a runbook under a log dir, each verified: a TAMPERED journal is listed and
//! left out of every figure (its numbers cannot be trusted), an unreadable one too.

use std::path::{Path, PathBuf};

use crate::journal::history::load::load_run;
use crate::journal::history::model::RunHistory;
use crate::journal::verify::check::VerifyOptions;
use crate::journal::verify::report::Verdict;

/// One run, as its journal was verified.
pub(crate) struct PastRun {
    pub run_dir: PathBuf,
    pub verdict: Option<Verdict>,
    /// `None` when the journal could not be read or is TAMPERED: it counts in no figure.
    pub history: Option<RunHistory>,
}

/// Every run folder of `runbook` under `log_dir`, oldest first.
pub(crate) fn past_runs(log_dir: &Path, runbook: &str) -> Vec<PastRun> {
    latest_runs(log_dir, runbook, usize::MAX)
}

/// The `limit` latest run folders of `runbook` (run ids begin with their start time), oldest
/// first: what a run's start reads to forecast, so that a long history never delays it
/// (BENCHMARKS.md: every journal is verified, about 1.3 ms each for a 20-step run).
pub(crate) fn latest_runs(log_dir: &Path, runbook: &str, limit: usize) -> Vec<PastRun> {
    let folder = log_dir.join(runbook);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&folder)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .filter(|path| path.join("journal.log").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    let skipped = dirs.len().saturating_sub(limit);
    let mut runs: Vec<PastRun> = dirs
        .into_iter()
        .skip(skipped)
        .map(
            |run_dir| match load_run(&run_dir, &VerifyOptions::default()) {
                Ok(loaded) => {
                    let verdict = loaded.history.trust.verdict;
                    PastRun {
                        run_dir,
                        verdict: Some(verdict),
                        history: (verdict != Verdict::Tampered).then_some(loaded.history),
                    }
                }
                Err(_) => PastRun {
                    run_dir,
                    verdict: None,
                    history: None,
                },
            },
        )
        .collect();
    // Run ids of the same second sort by their random part: each run's own start orders them.
    runs.sort_by_cached_key(|run| {
        run.history
            .as_ref()
            .and_then(|h| h.sessions.first())
            .map(|s| s.started.clone())
            .unwrap_or_else(|| started_from_name(&run.run_dir))
    });
    runs
}

/// `20261128T124500Z-…` as `2026-11-28T12:45:00`: a run whose journal could not be read still
/// takes its place by its folder's name, which begins with its start.
fn started_from_name(run_dir: &Path) -> String {
    let name = run_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let b = name.as_bytes();
    if b.len() < 15 || b[8] != b'T' {
        return name;
    }
    format!(
        "{}-{}-{}T{}:{}:{}",
        &name[0..4],
        &name[4..6],
        &name[6..8],
        &name[9..11],
        &name[11..13],
        &name[13..15]
    )
}
