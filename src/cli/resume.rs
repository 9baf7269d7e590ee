//! `cutover resume RUN`: verify the journal, refuse a changed runbook, rebuild the run's state
//! from the journal alone, account for a torn tail, record the operator's decision about a step
//! that was running when the run stopped, and carry on in the same journal.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use super::args::ResumeArgs;
use super::drive::run_to_end;
use super::headless_answers::HeadlessAnswers;
use crate::engine::context::RunSettings;
use crate::engine::events::{Decision, Mode};
use crate::engine::output_file::hex;
use crate::engine::reaper::{StoppedProcess, describe_stopped, left_behind, stop_processes};
use crate::engine::run::{ResumePoint, RunPlan};
use crate::engine::spawn::ProcessScope;
use crate::engine::variables::{Builtins, cutover_program, resolve_variables};
use crate::exit::{Failure, Outcome, error_chain};
use crate::journal::entry::{
    Body, DecisionBody, HeaderBody, ResumeBody, TornFragment, namespace_for,
};
use crate::journal::file::{ChainState, JournalFile, LockedJournal, ReopenError};
use crate::journal::header::operator_ref;
use crate::journal::history::load::journal_paths;
use crate::journal::identity::{hostname, principal, ssh_connection, unix_user};
use crate::journal::keys::choose::choose_operator_key;
use crate::journal::keys::session::SessionKey;
use crate::journal::replay::{RunState, replay};
use crate::journal::run_lock::LockError;
use crate::journal::secret_fingerprint;
use crate::journal::verify::check::{VerifyOptions, verify_bytes};
use crate::journal::verify::report::{Verdict, Verification};
use crate::runbook::load::check_bytes;
use crate::runbook::model::Runbook;

pub fn resume(args: &ResumeArgs) -> Result<Outcome, Failure> {
    let (journal_path, run_dir) = journal_paths(&args.run);
    // Lock first, then read: every decision below comes from bytes read under the lock.
    let locked = LockedJournal::open(&run_dir).map_err(|err| match err {
        ReopenError::Lock(LockError::InProgress { .. }) => Failure::InProgress(err.to_string()),
        ReopenError::Lock(LockError::Io { .. }) => Failure::JournalWrite(error_chain(&err)),
        ReopenError::Read { .. } => Failure::Input(format!("cannot {}", error_chain(&err))),
    })?;
    let verification = verify_bytes(&locked.bytes, &run_dir, &VerifyOptions::default());
    if verification.verdict == Verdict::Tampered {
        let error = verification
            .error
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(Failure::Tampered(format!(
            "{} does not verify, nothing was appended: {error}",
            journal_path.display()
        )));
    }
    let header = verification
        .header
        .clone()
        .ok_or_else(|| Failure::Input("the journal has no header".into()))?;
    if verification.has_footer {
        return Err(Failure::Input(format!(
            "{}: the run is already finished; there is nothing to resume",
            run_dir.display()
        )));
    }
    let runbook = load_exact_runbook(&run_dir, &header)?;
    let state = replay(&verification.entries);
    let interrupted = decide_interrupted(args, &state, &runbook)?;

    // What the previous process left running (kill -9 leaves a step's group and every service
    // behind) is stopped before anything is re-run, skipped or restarted.
    let stopped = stop_survivors(&header.run_id)?;
    if !stopped.is_empty() {
        eprintln!(
            "cutover: stopped what the previous process of this run left running: {}",
            describe_stopped(&stopped)
        );
    }

    let mode = header.mode;
    let env = |name: &str| std::env::var(name).ok();
    let (operator, notice) = choose_operator_key(args.key.as_deref(), mode, &env)
        .map_err(|err| Failure::Input(err.to_string()))?;
    if let Some(notice) = notice {
        eprintln!("cutover: {}", crate::terminal_text::plain(&notice));
    }
    let sid = verification.entries[0].entry.sid.clone();
    let scope = rebuild_scope(&runbook, &header, &state, &run_dir, &sid, &env)?;

    let mut done = state.done.clone();
    if let Some(decided) = &interrupted
        && !matches!(decided.decision, Decision::Retry)
    {
        done.insert(decided.step.clone());
    }
    let principal = principal(args.operator.as_deref(), operator.comment());
    let resume_body = ResumeBody {
        operator: operator_ref(&operator, &principal),
        host: hostname(),
        unix_user: unix_user(),
        ssh_connection: ssh_connection(),
        torn: None,
        session_key: String::new(),
        interrupted: interrupted.clone(),
        stopped,
    };
    let journal = reopen_journal(
        locked,
        &run_dir,
        &verification,
        sid,
        mode,
        operator,
        resume_body,
    )?;
    eprintln!(
        "cutover: resuming {} — {} steps behind it{}",
        header.run_id,
        done.len(),
        if state.in_rollback {
            ", rollback in progress"
        } else {
            ""
        }
    );
    let plan = RunPlan {
        runbook,
        scope,
        run_id: header.run_id.clone(),
        run_dir: run_dir.clone(),
        mode,
        dry_run: mode == Mode::DryRun,
        auto: true,
        inject_failures: Default::default(),
        settings: RunSettings::default(),
        resume: Some(ResumePoint {
            done,
            in_rollback: state.in_rollback,
            services: state.services.clone(),
            attempts: state.attempts.clone(),
        }),
    };
    let answers = HeadlessAnswers::new(&args.confirms, args.on_failure);
    run_to_end(plan, answers, journal)
}

/// Stops every process that carries this run's scope (`engine/spawn.rs`), with its descendants.
fn stop_survivors(run_id: &str) -> Result<Vec<StoppedProcess>, Failure> {
    let prefix = ProcessScope::run_prefix(run_id);
    let survivors = left_behind(&|scope| scope.starts_with(&prefix), &BTreeSet::new(), true);
    if survivors.is_empty() {
        return Ok(Vec::new());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|err| Failure::Input(format!("cannot start the runtime: {err}")))?;
    Ok(runtime.block_on(stop_processes(&survivors, RunSettings::default().grace)))
}

/// The runbook that ran, byte for byte: a changed file is refused with the reason.
fn load_exact_runbook(run_dir: &std::path::Path, header: &HeaderBody) -> Result<Runbook, Failure> {
    let path = run_dir.join("runbook.toml");
    let bytes = std::fs::read(&path)
        .map_err(|err| Failure::Input(format!("cannot read {}: {err}", path.display())))?;
    let actual = hex(&Sha256::digest(&bytes));
    if actual != header.runbook.sha256 {
        return Err(Failure::Input(format!(
            "{} changed since the run started (SHA-256 {} in the journal, {actual} now): a run resumes only with the exact runbook that ran",
            path.display(),
            header.runbook.sha256
        )));
    }
    check_bytes(&path, bytes).runbook.ok_or_else(|| {
        Failure::Input(format!(
            "{} no longer checks clean with this version of cutover",
            path.display()
        ))
    })
}

/// A step that was running (or had failed undecided) when the run stopped is never re-run
/// silently: the operator says `--rerun`, `--mark-done` or `--skip`.
fn decide_interrupted(
    args: &ResumeArgs,
    state: &RunState,
    runbook: &Runbook,
) -> Result<Option<DecisionBody>, Failure> {
    let given: Vec<(&str, Decision)> = [
        args.rerun
            .as_ref()
            .map(|step| (step.as_str(), Decision::Retry)),
        args.mark_done.as_ref().map(|(step, note)| {
            (
                step.as_str(),
                Decision::MarkDone {
                    evidence: note.clone(),
                },
            )
        }),
        args.skip.as_ref().map(|(step, reason)| {
            (
                step.as_str(),
                Decision::Skip {
                    reason: reason.clone(),
                },
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.len() > 1 {
        return Err(Failure::Input(
            "choose one of --rerun, --mark-done and --skip".into(),
        ));
    }
    let pending = state
        .interrupted
        .as_ref()
        .or(state.undecided_failure.as_ref());
    match (pending, given.into_iter().next()) {
        (None, None) => Ok(None),
        (None, Some((step, _))) => Err(Failure::Input(format!(
            "step `{step}` was not interrupted; nothing to decide"
        ))),
        (Some(step), None) => Err(Failure::NeedsOperator(format!(
            "step `{step}` was running when the run stopped and may have half-happened; choose: --rerun {step}, --mark-done {step}=EVIDENCE or --skip {step}=REASON"
        ))),
        (Some(step), Some((named, _))) if named != step => Err(Failure::Input(format!(
            "the interrupted step is `{step}`, not `{named}`"
        ))),
        (Some(step), Some((_, decision))) => {
            let required = runbook
                .steps()
                .any(|(_, s)| &s.id.value == step && s.required);
            match &decision {
                Decision::Skip { .. } if required => Err(Failure::Input(format!(
                    "step `{step}` is required and cannot be skipped"
                ))),
                Decision::Skip { reason } | Decision::MarkDone { evidence: reason }
                    if reason.trim().is_empty() =>
                {
                    Err(Failure::Input(
                        "a skip needs a reason and a mark-done needs evidence".into(),
                    ))
                }
                _ => Ok(Some(DecisionBody {
                    step: step.clone(),
                    decision,
                })),
            }
        }
    }
}

/// Variables as the run had them: non-secret values from the header, captures from the
/// journal, secrets from the environment again — checked against the header's HMAC.
fn rebuild_scope(
    runbook: &Runbook,
    header: &HeaderBody,
    state: &RunState,
    run_dir: &std::path::Path,
    sid: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<crate::runbook::template::Scope, Failure> {
    let given: Vec<(String, String)> = header
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let builtins = Builtins {
        run_id: header.run_id.clone(),
        run_dir: run_dir.display().to_string(),
        run_started: header
            .run_id
            .split('-')
            .next()
            .unwrap_or_default()
            .to_string(),
        cutover: cutover_program(),
    };
    let mut scope = resolve_variables(runbook, &given, &[], env, &builtins)
        .map_err(|problems| Failure::Input(problems.join("; ")))?;
    for (name, expected) in &header.secrets {
        let value = scope.get(name).map(|v| v.text.clone()).unwrap_or_default();
        if !secret_fingerprint::matches(expected, &value, sid) {
            return Err(Failure::Input(format!(
                "secret `{name}` is not the value the run started with: set the same one before resuming"
            )));
        }
    }
    for (name, value) in &state.captures {
        scope.set(name, value.clone(), false);
    }
    Ok(scope)
}

/// Opens the journal after its last whole line, ends a torn fragment with LF, and appends the
/// operator-signed resume entry that delegates the new session key.
fn reopen_journal(
    locked: LockedJournal,
    run_dir: &std::path::Path,
    verification: &Verification,
    sid: String,
    mode: Mode,
    operator: crate::journal::keys::operator::OperatorKey,
    mut body: ResumeBody,
) -> Result<JournalFile, Failure> {
    let fail = |err: crate::journal::file::JournalError| Failure::JournalWrite(err.to_string());
    let session = SessionKey::generate()
        .map_err(|err| Failure::JournalWrite(format!("no randomness: {err}")))?;
    body.session_key = session.public_base64();
    let state = ChainState {
        next_seq: verification.chain.next_seq,
        prev: verification.chain.prev.clone(),
        bytes: locked.bytes.len() as u64,
        prefix: Sha256::new_with_prefix(&locked.bytes),
    };
    let mut journal = JournalFile::reopen(
        locked,
        run_dir,
        sid,
        namespace_for(mode),
        operator,
        session,
        state,
    );
    if let Some((offset, fragment)) = &verification.torn_tail {
        journal.write_raw(b"\n").map_err(fail)?;
        body.torn = Some(TornFragment {
            offset: *offset,
            length: fragment.len() as u64,
            sha256: hex(&Sha256::digest(fragment)),
        });
    }
    journal.append(Body::Resume(body)).map_err(fail)?;
    Ok(journal)
}
