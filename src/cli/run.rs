//! `cutover run RUNBOOK`: load and check the runbook, decide the mode, resolve the variables,
//! create the run folder, then run the engine with its consumers.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::args::RunArgs;
use super::drive::run_to_end;
use super::headless_answers::HeadlessAnswers;
use crate::engine::context::RunSettings;
use crate::engine::events::Mode;
use crate::engine::run::RunPlan;
use crate::engine::run_folder::{RunFolder, RunFolderError, default_log_dir};
use crate::engine::variables::{Builtins, cutover_program, resolve_variables};
use crate::exit::{Failure, Outcome};
use crate::journal::entry::namespace_for;
use crate::journal::file::JournalFile;
use crate::journal::header::{HeaderInput, build_header};
use crate::journal::identity::principal;
use crate::journal::keys::choose::choose_operator_key;
use crate::journal::keys::operator::OperatorKey;
use crate::journal::keys::random::random_bytes;
use crate::journal::keys::session::SessionKey;
use crate::runbook::load::read_and_check;
use crate::runbook::model::Runbook;
use crate::runbook::render::render_text;

/// Everything decided before the operator sees anything: the runbook, the mode, the key.
pub struct Prepared {
    pub runbook: Runbook,
    pub bytes: Vec<u8>,
    pub mode: Mode,
    pub operator: OperatorKey,
    pub principal: String,
    pub log_dir: PathBuf,
}

pub fn run(args: &RunArgs) -> Result<Outcome, Failure> {
    let interactive =
        !args.headless && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let prepared = prepare(args, interactive)?;
    if interactive {
        return super::interactive::run_interactive(args, prepared);
    }
    let env = |name: &str| std::env::var(name).ok();
    resolve_variables(&prepared.runbook, &args.vars, &[], &env, &probe_builtins())
        .map_err(|problems| Failure::Input(problems.join("; ")))?;
    let (plan, journal) = launch(args, prepared, &[])?;
    let answers = HeadlessAnswers::new(&args.confirms, args.on_failure);
    run_to_end(plan, answers, journal)
}

/// Loads and checks the runbook, decides the mode and chooses the operator key.
pub fn prepare(args: &RunArgs, interactive: bool) -> Result<Prepared, Failure> {
    let checked = read_and_check(&args.runbook).map_err(|err| Failure::Input(err.to_string()))?;
    let Some(runbook) = checked.runbook else {
        for diagnostic in &checked.diagnostics {
            eprintln!(
                "{}",
                crate::terminal_text::plain(&render_text(&checked.source, diagnostic))
            );
        }
        return Err(Failure::Input(format!(
            "{} has errors; `cutover check {}` lists them",
            args.runbook.display(),
            args.runbook.display()
        )));
    };
    let mode = decide_mode(args, &runbook, interactive)?;
    check_step_names(args, &runbook)?;
    let env = |name: &str| std::env::var(name).ok();
    let log_dir = default_log_dir(args.log_dir.as_deref(), &env).ok_or_else(|| {
        Failure::Input("no run folder location: pass --log-dir DIR or set $CUTOVER_LOG_DIR".into())
    })?;
    let (operator, notice) = choose_operator_key(args.key.as_deref(), mode, &env)
        .map_err(|err| Failure::Input(err.to_string()))?;
    if let Some(notice) = notice {
        eprintln!("cutover: {}", crate::terminal_text::plain(&notice));
    }
    let bytes = std::fs::read(&args.runbook).map_err(|err| {
        Failure::Input(format!(
            "cannot read runbook {}: {err}",
            args.runbook.display()
        ))
    })?;
    let principal = principal(args.operator.as_deref(), operator.comment());
    Ok(Prepared {
        runbook,
        bytes,
        mode,
        operator,
        principal,
        log_dir,
    })
}

/// Built-ins that do not exist yet, to check the variables before anything is written: a typo
/// must not leave a run folder behind.
pub fn probe_builtins() -> Builtins {
    Builtins {
        run_id: String::new(),
        run_dir: String::new(),
        run_started: String::new(),
        cutover: String::new(),
    }
}

/// Creates the run folder and the journal, and resolves the variables for real: `--var`
/// values from `args`, and what the operator `typed` at the start screen.
pub fn launch(
    args: &RunArgs,
    prepared: Prepared,
    typed: &[(String, String)],
) -> Result<(RunPlan, JournalFile), Failure> {
    let Prepared {
        runbook,
        bytes,
        mode,
        operator,
        principal,
        log_dir,
    } = prepared;
    let plan = plan_run(args, runbook, &bytes, mode, &log_dir, typed)?;
    let journal = open_journal(&plan, &bytes, operator, &principal)?;
    Ok((plan, journal))
}

/// Creates the run folder and resolves the variables for real: what the engine runs. Also the
/// engine's own benchmark (`benches/engine_headless.rs`), which runs it without a journal.
pub fn plan_run(
    args: &RunArgs,
    runbook: Runbook,
    bytes: &[u8],
    mode: Mode,
    log_dir: &Path,
    typed: &[(String, String)],
) -> Result<RunPlan, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let folder =
        RunFolder::create(log_dir, &runbook.name.value, bytes).map_err(|err| match err {
            RunFolderError::NotPrivate(problem) => Failure::Input(problem),
            RunFolderError::Io(err) => Failure::JournalWrite(format!(
                "cannot create the run folder under {}: {err}",
                log_dir.display()
            )),
        })?;
    let builtins = Builtins {
        run_id: folder.run_id.clone(),
        run_dir: folder.dir.display().to_string(),
        run_started: folder.started.clone(),
        cutover: cutover_program(),
    };
    let scope = resolve_variables(&runbook, &args.vars, typed, &env, &builtins)
        .map_err(|problems| Failure::Input(problems.join("; ")))?;
    Ok(RunPlan {
        runbook,
        scope,
        run_id: folder.run_id,
        run_dir: folder.dir,
        mode,
        dry_run: args.dry_run,
        auto: args.auto,
        inject_failures: args
            .inject_failures
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>(),
        settings: RunSettings::default(),
        resume: None,
    })
}

/// Creates the journal in the plan's run folder and writes its header, signed by the operator.
fn open_journal(
    plan: &RunPlan,
    bytes: &[u8],
    operator: OperatorKey,
    principal: &str,
) -> Result<JournalFile, Failure> {
    let write_failure =
        |err: std::io::Error| Failure::JournalWrite(format!("cannot start the journal: {err}"));
    let sid = crate::engine::output_file::hex(&random_bytes::<16>().map_err(write_failure)?);
    let session = SessionKey::generate().map_err(write_failure)?;
    let header = build_header(&HeaderInput {
        run_id: &plan.run_id,
        runbook: &plan.runbook,
        runbook_bytes: bytes,
        mode: plan.mode,
        operator: &operator,
        principal,
        scope: &plan.scope,
        sid: &sid,
        session_key: session.public_base64(),
    })
    .map_err(write_failure)?;
    JournalFile::create(
        &plan.run_dir,
        sid,
        namespace_for(plan.mode),
        operator,
        session,
        header,
    )
    .map_err(|err| Failure::JournalWrite(err.to_string()))
}

fn decide_mode(args: &RunArgs, runbook: &Runbook, interactive: bool) -> Result<Mode, Failure> {
    if args.drill && args.dry_run {
        return Err(Failure::Input(
            "--drill and --dry-run are different runs: choose one".into(),
        ));
    }
    // A runbook that declares itself a drill always runs as one: it can never be journaled as
    // a production run, and it needs no operator key.
    let drill = args.drill || runbook.environment.as_deref() == Some("drill");
    if !args.inject_failures.is_empty() && !drill {
        return Err(Failure::Input(
            "--inject-failure is for drills: add --drill".into(),
        ));
    }
    if let Some(environment) = &args.environment
        && runbook.environment.as_deref() != Some(environment.as_str())
    {
        return Err(Failure::Input(format!(
            "--environment {environment} does not match the runbook's environment `{}`",
            runbook.environment.as_deref().unwrap_or("(none)")
        )));
    }
    if drill {
        return Ok(Mode::Drill);
    }
    if args.dry_run {
        return Ok(Mode::DryRun);
    }
    // On a terminal the operator types the word on the start screen instead.
    if runbook.is_production() && !interactive && args.environment.as_deref() != Some("production")
    {
        return Err(Failure::Input(format!(
            "{} is a production runbook: repeat `--environment production` to run it headless, or rehearse it with --drill",
            args.runbook.display()
        )));
    }
    Ok(Mode::Production)
}

/// `--confirm` and `--inject-failure` must name steps that exist: a typo would silently
/// suspend or, worse, never inject the failure a drill is about.
fn check_step_names(args: &RunArgs, runbook: &Runbook) -> Result<(), Failure> {
    let exists = |id: &str| {
        runbook.steps().any(|(_, s)| s.id.value == id)
            || runbook.rollback.iter().any(|s| s.id.value == id)
    };
    let names = args
        .confirms
        .iter()
        .map(|(step, _)| ("--confirm", step))
        .chain(
            args.inject_failures
                .iter()
                .map(|step| ("--inject-failure", step)),
        );
    for (flag, step) in names {
        if !exists(step) {
            return Err(Failure::Input(format!(
                "{flag} {step}: the runbook has no step `{step}`"
            )));
        }
    }
    Ok(())
}
