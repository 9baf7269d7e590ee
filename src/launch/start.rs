//! A new run: its variables resolved once, before anything is written (a typo leaves no run
//! folder behind), then its run folder with the exact runbook bytes, then its journal with the
//! signed header.

use std::collections::BTreeSet;
use std::path::Path;

use super::error::LaunchError;
use super::prepare::Prepared;
use super::request::StartRequest;
use super::run_folder::RunFolder;
use super::variables::{Builtins, resolve_variables};
use crate::engine::context::RunSettings;
use crate::engine::events::Mode;
use crate::engine::run::RunPlan;
use crate::journal::file::JournalFile;
use crate::journal::header::RunFacts;
use crate::runbook::model::Runbook;

/// A run ready for the engine: its plan and the journal that records it.
pub struct Launched {
    pub plan: RunPlan,
    pub journal: JournalFile,
}

/// Creates the run folder and the journal. `typed`: what the operator typed at the start
/// screen (never on a command line, so secrets may come this way).
pub fn start(
    request: &StartRequest,
    prepared: Prepared,
    typed: &[(String, String)],
) -> Result<Launched, LaunchError> {
    let Prepared {
        runbook,
        hosts,
        bytes,
        included,
        mode,
        operator,
        principal,
        log_dir,
    } = prepared;
    let plan = plan_run(request, runbook, &bytes, &included, mode, &log_dir, typed)?;
    let plan = RunPlan { hosts, ..plan };
    let journal = JournalFile::start(
        &plan.run_dir,
        &RunFacts {
            run_id: &plan.run_id,
            runbook: &plan.runbook,
            runbook_bytes: &bytes,
            mode: plan.mode,
            principal: &principal,
            scope: &plan.scope,
            time_scale: (plan.settings.time_scale != 1.0).then_some(plan.settings.time_scale),
            hosts: &plan.hosts,
            includes: super::run_folder::include_refs(&included),
        },
        operator,
    )?;
    Ok(Launched { plan, journal })
}

/// Resolves the variables, then creates the run folder: what the engine runs. Also the
/// engine's own benchmark (`benches/engine_headless.rs`), which runs it without a journal.
pub fn plan_run(
    request: &StartRequest,
    runbook: Runbook,
    bytes: &[u8],
    included: &[crate::runbook::include::IncludedFile],
    mode: Mode,
    log_dir: &Path,
    typed: &[(String, String)],
) -> Result<RunPlan, LaunchError> {
    let env = |name: &str| std::env::var(name).ok();
    let mut scope = resolve_variables(&runbook, &request.vars, typed, &env)?;
    let folder = RunFolder::create(log_dir, &runbook.name.value, bytes, included)?;
    Builtins::of_run(&folder.run_id, &folder.dir, &folder.started).add_to(&mut scope);
    Ok(RunPlan {
        runbook,
        scope,
        run_id: folder.run_id,
        run_dir: folder.dir,
        mode,
        dry_run: request.dry_run,
        auto: request.auto,
        inject_failures: request
            .inject_failures
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>(),
        settings: RunSettings {
            time_scale: request.time_scale.unwrap_or(1.0),
            ..RunSettings::default()
        },
        resume: None,
        hosts: Default::default(),
    })
}
