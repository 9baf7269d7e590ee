//! A new run: its variables resolved once, before anything is written (a typo leaves no run
//! folder behind), then its run folder with the exact runbook bytes, then its journal with the
//! signed header.

use std::collections::BTreeSet;
use std::path::Path;

use super::error::LaunchError;
use super::prepare::Prepared;
use super::release_lock::acquire;
use super::request::StartRequest;
use super::run_folder::RunFolder;
use super::variables::{Builtins, resolve_variables};
use crate::engine::context::RunSettings;
use crate::engine::run::RunPlan;
use crate::journal::entry::ReleaseLockRef;
use crate::journal::file::JournalFile;
use crate::journal::header::RunFacts;
use crate::live::shared_socket::SharedSocket;
use crate::protocol::mode::Mode;
use crate::runbook::model::Runbook;

/// A run ready for the engine: its plan, the journal that records it, and what a screen shows
/// of it (the TUI, and clients attaching to it).
pub(crate) struct Launched {
    pub plan: RunPlan,
    pub journal: JournalFile,
    pub(crate) info: crate::protocol::run_info::RunInfo,
    /// `--share-with`: where the group's socket goes.
    pub shared: Option<SharedSocket>,
    /// Who may take the controls and approve, checked as they do (`journal/trust_root.rs`).
    pub trust_root: Option<std::sync::Arc<crate::keys::trust_root::TrustRoot>>,
}

/// Creates the run folder and the journal. `typed`: what the operator typed at the start
/// screen (never on a command line, so secrets may come this way).
pub(crate) fn start(
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
        trust_root,
        log_dir,
        share_with,
    } = prepared;
    // Variables first: a typo leaves nothing behind, not even a lock folder.
    let scope = resolve_run_variables(request, &runbook, typed)?;
    // A production run holds its release's lock from before its folder exists; so does a
    // drill that reaches production (`shares_production`): it must not run beside a release.
    let takes_lock = mode == Mode::Production || (mode == Mode::Drill && runbook.shares_production);
    let lock = if takes_lock {
        Some(acquire(
            &log_dir,
            &runbook.lock,
            request.break_lock.as_deref(),
        )?)
    } else {
        None
    };
    let release_lock = lock.as_ref().map(|lock| ReleaseLockRef {
        name: runbook.lock.clone(),
        broken: lock.broken.clone(),
    });
    let kept = Kept {
        bytes: &bytes,
        included: &included,
        trust_root: trust_root.as_ref().map(|root| root.bytes.as_slice()),
    };
    let plan = plan_with_scope(request, runbook, scope, &kept, mode, &log_dir)?;
    let plan = RunPlan { hosts, ..plan };
    let info = super::run_info::run_info(
        &plan.runbook,
        plan.mode,
        &principal,
        &super::run_info::key_shown(&operator),
        plan.run_dir.display().to_string(),
    );
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
            release_lock,
            tools: &plan.settings.path_prefix,
            trust_root: trust_root.as_ref().map(|root| root.reference()),
        },
        operator,
    )?;
    if let Some(lock) = lock {
        lock.record(&plan.run_id, &plan.run_dir, &principal)?;
    }
    let shared =
        share_with.map(|(group, gid)| SharedSocket::for_run(&log_dir, &plan.run_id, group, gid));
    Ok(Launched {
        plan,
        journal,
        info,
        shared,
        trust_root: trust_root.map(std::sync::Arc::new),
    })
}

/// The bytes a new run folder keeps: the runbook, its includes, its trust root.
struct Kept<'a> {
    bytes: &'a [u8],
    included: &'a [crate::runbook::include::IncludedFile],
    trust_root: Option<&'a [u8]>,
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
    let scope = resolve_run_variables(request, &runbook, typed)?;
    let kept = Kept {
        bytes,
        included,
        trust_root: None,
    };
    plan_with_scope(request, runbook, scope, &kept, mode, log_dir)
}

/// The variables of a new run: `--var`, what was typed at the start screen, the environment,
/// the defaults.
fn resolve_run_variables(
    request: &StartRequest,
    runbook: &Runbook,
    typed: &[(String, String)],
) -> Result<crate::runbook::template::Scope, LaunchError> {
    let env = |name: &str| std::env::var(name).ok();
    Ok(resolve_variables(runbook, &request.vars, typed, &env)?)
}

/// Creates the run folder for variables already resolved.
fn plan_with_scope(
    request: &StartRequest,
    runbook: Runbook,
    mut scope: crate::runbook::template::Scope,
    kept: &Kept<'_>,
    mode: Mode,
    log_dir: &Path,
) -> Result<RunPlan, LaunchError> {
    // Found before anything is written: a missing folder of stand-ins leaves no run behind.
    let path_prefix = super::target_places::tool_folders(&runbook, &request.runbook)?;
    let folder = RunFolder::create(
        log_dir,
        &runbook.name.value,
        kept.bytes,
        kept.included,
        kept.trust_root,
    )?;
    Builtins::of_run(&folder.run_id, &folder.dir, &folder.started).add_to(&mut scope);
    super::target_places::fill_target_values(&runbook, &request.runbook, &mut scope)?;
    let time_scale = request.time_scale.or(runbook.time_scale).unwrap_or(1.0);
    let secret_sources = super::variables::secret_sources(&runbook);
    Ok(RunPlan {
        runbook,
        scope,
        run_id: folder.run_id,
        run_dir: folder.dir,
        mode,
        dry_run: request.dry_run,
        // A drill runs its automated steps on its own unless told to stop at each: a
        // rehearsal is for the manual steps, the decisions and the failures, not 38 Enters.
        auto: request.auto || (mode == Mode::Drill && !request.step),
        inject_failures: request
            .inject_failures
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>(),
        settings: RunSettings {
            time_scale,
            secret_sources,
            path_prefix,
            ..RunSettings::default()
        },
        resume: None,
        hosts: Default::default(),
    })
}
