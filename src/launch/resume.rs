//! Continuing a run: lock the journal, then read it; verify; refuse a changed runbook; rebuild
//! the run's state from the journal alone; record the operator's decision about a step that was
//! running when the run stopped; stop what the previous process left running; carry on in the
//! same journal.

use crate::runbook::template::Secrecy;
use crate::stdout::say;
use std::collections::BTreeSet;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::error::{LaunchError, SetupError, runtime};
use super::interrupted::decide_interrupted;
use super::request::ResumeRequest;
use super::start::Launched;
use super::variables::{Builtins, resolve_variables};
use crate::engine::context::RunSettings;
use crate::engine::reaper::{StoppedProcess, left_behind, stop_processes, stopped_list};
use crate::engine::run::{ResumePoint, RunPlan};
use crate::engine::spawn::ProcessScope;
use crate::journal::entry::{HeaderBody, ResumeBody};
use crate::journal::file::JournalFile;
use crate::journal::header::operator_ref;
use crate::journal::history::load::journal_paths;
use crate::journal::identity::{hostname, principal, ssh_connection, unix_user};
use crate::journal::open::LockedJournal;
use crate::journal::replay::{RunState, replay};
use crate::journal::secret_fingerprint;
use crate::journal::verify::check::{VerifyOptions, verify_bytes};
use crate::journal::verify::report::Verdict;
use crate::keys::choose::choose_operator_key;
use crate::protocol::decision::Decision;
use crate::protocol::encoding::hex;
use crate::protocol::mode::Mode;
use crate::runbook::include::from_run_folder;
use crate::runbook::load::check_bytes_with;
use crate::runbook::model::Runbook;
use crate::runbook::template::Scope;

pub(crate) fn resume(request: &ResumeRequest) -> Result<Launched, LaunchError> {
    // `{{ run.dir }}` must name the folder from any step's own `cwd`: `resume runs/x/y` too.
    let given = std::path::absolute(&request.run).map_err(|source| LaunchError::LogDir {
        path: request.run.clone(),
        source,
    })?;
    let (journal_path, run_dir) = journal_paths(&given);
    // Lock first, then read: every decision below comes from bytes read under the lock.
    let locked = LockedJournal::open(&run_dir)?;
    let verification = verify_bytes(&locked.bytes, &run_dir, &VerifyOptions::default());
    if verification.verdict == Verdict::Tampered {
        return Err(LaunchError::Tampered {
            journal: journal_path,
            finding: verification
                .error
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        });
    }
    let header = verification
        .header
        .clone()
        .ok_or_else(|| LaunchError::NoHeader {
            journal: journal_path.clone(),
        })?;
    if verification.has_footer {
        return Err(LaunchError::Finished { run_dir });
    }
    let runbook = load_exact_runbook(&run_dir, &header)?;
    // The run's target, as it started: its values are the defaults again (a stand-in's
    // credentials among them), and its places were journaled as filled in.
    let runbook = super::prepare::with_target(runbook, header.target.as_deref())?;
    // The steps go on the hosts the run started with, whatever the runbook's groups say now.
    let runbook = crate::runbook::rolling::place_on_hosts(&runbook, &header.hosts);
    let state = replay(&verification.entries);
    let interrupted = decide_interrupted(&request.decisions, request.rollback, &state, &runbook)?;
    let rolls_back = interrupted
        .as_ref()
        .is_some_and(|decided| decided.decision == Decision::Rollback);

    // What the previous process left running (kill -9 leaves a step's group and every service
    // behind) is stopped before anything is re-run, skipped or restarted.
    let stopped = stop_survivors(&header.run_id)?;
    // The ssh masters among them leave their sockets' folder behind.
    crate::engine::ssh::connections::remove_left_folders(&stopped);
    if !stopped.is_empty() {
        say!(
            "cutover: stopped what the previous process of this run left running: {}",
            stopped_list(&stopped)
        );
    }

    let mode = header.mode;
    let env = |name: &str| std::env::var(name).ok();
    let (operator, notice) = choose_operator_key(request.key.as_deref(), mode, &env)?;
    if let Some(notice) = notice {
        say!("cutover: {}", crate::terminal_text::plain(&notice));
    }
    let sid = verification
        .entries
        .first()
        .map(|first| first.entry.sid.clone())
        .unwrap_or_default();
    // Verify checked the header's `ts`; a clock that went backwards counts as no time.
    let since_start = verification
        .entries
        .first()
        .and_then(|first| first.entry.ts.parse::<jiff::Timestamp>().ok())
        .and_then(|started| std::time::Duration::try_from(jiff::Timestamp::now() - started).ok())
        .unwrap_or_default();
    let scope = rebuild_scope(&runbook, &header, &state, &run_dir, &sid, &env)?;

    let mut done = state.done.clone();
    if let Some(decided) = &interrupted
        && !matches!(decided.decision, Decision::Retry | Decision::Rollback)
    {
        done.insert(decided.step.clone());
    }
    let trust_root = run_trust_root(request, &run_dir, &header)?;
    let principal = match &trust_root {
        Some(root) => root
            .admit(
                &operator.public,
                request.operator.as_deref(),
                crate::journal::entry::namespace_for(mode),
            )
            .map_err(|refusal| LaunchError::OperatorNotAllowed {
                principal: request
                    .operator
                    .clone()
                    .unwrap_or_else(|| operator.comment().to_string()),
                refusal: Box::new(refusal),
            })?,
        None => principal(request.operator.as_deref(), operator.comment()),
    };
    let resume_body = ResumeBody {
        operator: operator_ref(&operator, &principal),
        host: hostname(),
        unix_user: unix_user(),
        ssh_connection: ssh_connection(),
        torn: None,
        session_key: String::new(),
        interrupted,
        stopped,
    };
    let key_shown = super::run_info::key_shown(&operator);
    let journal = JournalFile::resume(locked, &verification, mode, operator, resume_body)?;
    say!(
        "cutover: resuming {} — {} steps behind it{}",
        header.run_id,
        done.len(),
        if state.in_rollback || rolls_back {
            ", rollback in progress"
        } else {
            ""
        }
    );
    let secret_sources = super::variables::secret_sources(&runbook);
    let plan = RunPlan {
        runbook,
        scope,
        run_id: header.run_id.clone(),
        run_dir,
        mode,
        dry_run: mode == Mode::DryRun,
        // Headless, nobody presses Enter; on a terminal, a production run asks again.
        auto: !request.on_terminal || mode != Mode::Production,
        inject_failures: BTreeSet::new(),
        // A drill resumes at the time scale it started with.
        settings: RunSettings {
            time_scale: header.time_scale.unwrap_or(1.0),
            secret_sources,
            path_prefix: header.tools.iter().map(std::path::PathBuf::from).collect(),
            ..RunSettings::default()
        },
        hosts: header.hosts.clone(),
        resume: Some(ResumePoint {
            hosts_passed: state.hosts_passed.clone(),
            hosts_excluded: state.hosts_excluded.clone(),
            done,
            in_rollback: state.in_rollback || rolls_back,
            services: state.services.clone(),
            attempts: state.attempts.clone(),
            since_start,
            facts: state.facts.clone(),
        }),
    };
    let info = super::run_info::run_info(
        &plan.runbook,
        plan.mode,
        &principal,
        &key_shown,
        plan.run_dir.display().to_string(),
    );
    Ok(Launched {
        plan,
        journal,
        info,
        // A resume serves the run to its own user; `--share-with` is a new run's choice.
        shared: None,
        trust_root: trust_root.map(std::sync::Arc::new),
    })
}

/// The trust root the run started with, from its folder's copy; `--allowed-signers` may only
/// name the same bytes — who may act is decided once, for the whole run.
fn run_trust_root(
    request: &ResumeRequest,
    run_dir: &Path,
    header: &HeaderBody,
) -> Result<Option<crate::keys::trust_root::TrustRoot>, LaunchError> {
    let copy = run_dir.join(crate::keys::trust_root::COPY_NAME);
    let kept = crate::keys::trust_root::of_run(run_dir, header.trust_root.as_ref()).map_err(
        |problem| LaunchError::TrustRootOfRun {
            path: copy.clone(),
            problem,
        },
    )?;
    if let Some(given) = &request.allowed_signers {
        let given_root = crate::keys::trust_root::TrustRoot::load(given)?;
        let same = kept
            .as_ref()
            .is_some_and(|kept| kept.sha256() == given_root.sha256());
        if !same {
            return Err(LaunchError::OtherTrustRoot {
                given: given.clone(),
                kept: kept.as_ref().map(|_| copy),
            });
        }
    }
    Ok(kept)
}

/// Stops every process that carries this run's scope (`engine/spawn.rs`), with its descendants.
fn stop_survivors(run_id: &str) -> Result<Vec<StoppedProcess>, SetupError> {
    let prefix = ProcessScope::run_prefix(run_id);
    let mut survivors = left_behind(&|scope| scope.starts_with(&prefix), &BTreeSet::new(), true);
    // Its ssh masters too, found by their sockets' folder: OpenSSH's title for a master
    // overwrites the environment that carried the run's mark.
    for master in crate::engine::ssh::connections::masters_of_run(run_id) {
        if !survivors.contains(&master) {
            survivors.push(master);
        }
    }
    if survivors.is_empty() {
        return Ok(Vec::new());
    }
    Ok(runtime()?.block_on(stop_processes(&survivors, RunSettings::default().grace)))
}

/// The runbook that ran, byte for byte: a changed file is refused with the reason.
fn load_exact_runbook(run_dir: &Path, header: &HeaderBody) -> Result<Runbook, LaunchError> {
    let path = run_dir.join("runbook.toml");
    let bytes = std::fs::read(&path).map_err(|source| LaunchError::ReadRunCopy {
        path: path.clone(),
        source,
    })?;
    let actual = hex(&Sha256::digest(&bytes));
    if actual != header.runbook.sha256 {
        return Err(LaunchError::RunbookChanged {
            path,
            recorded: header.runbook.sha256.clone(),
            actual,
        });
    }
    let copies = header
        .includes
        .iter()
        .map(|i| (i.path.clone(), run_dir.join(&i.file), i.sha256.clone()))
        .collect();
    check_bytes_with(&path, bytes, &from_run_folder(copies))
        .runbook
        .ok_or(LaunchError::RunCopyInvalid { path })
}

/// Variables as the run had them: non-secret values from the header, captures from the
/// journal, secrets from the environment again — checked against the header's fingerprints.
fn rebuild_scope(
    runbook: &Runbook,
    header: &HeaderBody,
    state: &RunState,
    run_dir: &Path,
    sid: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Scope, LaunchError> {
    let given: Vec<(String, String)> = header
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut scope = resolve_variables(runbook, &given, &[], env)?;
    let started = header.run_id.split('-').next().unwrap_or_default();
    Builtins::of_run(&header.run_id, run_dir, started).add_to(&mut scope);
    for (name, expected) in &header.secrets {
        let value = scope.get(name).map(|v| v.text.clone()).unwrap_or_default();
        if !secret_fingerprint::matches(expected, &value, sid) {
            return Err(LaunchError::SecretChanged(name.clone()));
        }
    }
    for (name, value) in &state.captures {
        scope.set(name, value.clone(), Secrecy::Plain);
    }
    Ok(scope)
}

/// The mode a run was started in, from its journal's header: what a resumed run's screen
/// needs to choose the key it signs with before the engine has the journal.
pub(crate) fn recorded_mode(run: &Path) -> Result<Mode, LaunchError> {
    let (journal, _) = crate::journal::history::load::journal_paths(run);
    // Its first line only: the header.
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(std::fs::File::open(&journal).map_err(|source| {
            LaunchError::LogDir {
                path: journal.clone(),
                source,
            }
        })?),
        &mut first,
    )
    .map_err(|source| LaunchError::LogDir {
        path: journal.clone(),
        source,
    })?;
    Some(first.as_str())
        .and_then(|line| line.split('\t').next())
        .and_then(|json| crate::journal::entry::Entry::parse(json).ok())
        .and_then(|entry| match entry.body {
            crate::journal::entry::Body::Header(header) => Some(header.mode),
            _ => None,
        })
        .ok_or(LaunchError::NoHeader { journal })
}
