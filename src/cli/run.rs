//! `cutover run RUNBOOK`: load and check the runbook, decide the mode, resolve the variables,
//! create the run folder, then run the engine with its consumers.

use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;

use super::args::RunArgs;
use super::drive::run_to_end;
use super::headless_answers::HeadlessAnswers;
use crate::engine::context::RunSettings;
use crate::engine::events::Mode;
use crate::engine::run::RunPlan;
use crate::engine::run_folder::{RunFolder, default_log_dir};
use crate::engine::variables::{Builtins, resolve_variables};
use crate::exit::{Failure, Outcome};
use crate::journal::entry::namespace_for;
use crate::journal::file::JournalFile;
use crate::journal::header::{HeaderInput, build_header};
use crate::journal::identity::principal;
use crate::journal::keys::choose::choose_operator_key;
use crate::journal::keys::random::random_bytes;
use crate::journal::keys::session::SessionKey;
use crate::runbook::load::read_and_check;
use crate::runbook::model::Runbook;
use crate::runbook::render::render_text;

pub fn run(args: &RunArgs) -> Result<Outcome, Failure> {
    let checked = read_and_check(&args.runbook).map_err(|err| Failure::Input(err.to_string()))?;
    let Some(runbook) = checked.runbook else {
        for diagnostic in &checked.diagnostics {
            eprintln!("{}", render_text(&checked.source, diagnostic));
        }
        return Err(Failure::Input(format!(
            "{} has errors; `cutover check {}` lists them",
            args.runbook.display(),
            args.runbook.display()
        )));
    };
    let mode = decide_mode(args, &runbook)?;
    check_step_names(args, &runbook)?;
    if !args.headless && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        eprintln!("cutover: the interactive TUI is not in this build yet; running headless");
    }
    let env = |name: &str| std::env::var(name).ok();
    let log_dir = default_log_dir(args.log_dir.as_deref(), &env).ok_or_else(|| {
        Failure::Input("no run folder location: pass --log-dir DIR or set $CUTOVER_LOG_DIR".into())
    })?;
    // Variables are checked before anything is written: a typo must not leave a run folder.
    let probe_builtins = Builtins {
        run_id: String::new(),
        run_dir: String::new(),
        run_started: String::new(),
        cutover: String::new(),
    };
    resolve_variables(&runbook, &args.vars, &env, &probe_builtins)
        .map_err(|problems| Failure::Input(problems.join("; ")))?;

    let (operator, notice) = choose_operator_key(args.key.as_deref(), mode, &env)
        .map_err(|err| Failure::Input(err.to_string()))?;
    if let Some(notice) = notice {
        eprintln!("cutover: {notice}");
    }
    let bytes = std::fs::read(&args.runbook).map_err(|err| {
        Failure::Input(format!(
            "cannot read runbook {}: {err}",
            args.runbook.display()
        ))
    })?;
    let folder = RunFolder::create(&log_dir, &runbook.name.value, &bytes).map_err(|err| {
        Failure::JournalWrite(format!(
            "cannot create the run folder under {}: {err}",
            log_dir.display()
        ))
    })?;
    let builtins = Builtins {
        run_id: folder.run_id.clone(),
        run_dir: folder.dir.display().to_string(),
        run_started: folder.started.clone(),
        cutover: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "cutover".into()),
    };
    let scope = resolve_variables(&runbook, &args.vars, &env, &builtins)
        .map_err(|problems| Failure::Input(problems.join("; ")))?;
    let journal = open_journal(
        &folder,
        &runbook,
        &bytes,
        mode,
        operator,
        args.operator.as_deref(),
        &scope,
    )?;
    let plan = RunPlan {
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
    };
    let answers = HeadlessAnswers {
        confirms: args.confirms.iter().cloned().collect::<HashMap<_, _>>(),
        on_failure: args.on_failure,
    };
    run_to_end(plan, answers, journal)
}

/// Creates the journal and writes its header, signed by the operator.
fn open_journal(
    folder: &RunFolder,
    runbook: &Runbook,
    bytes: &[u8],
    mode: Mode,
    operator: crate::journal::keys::operator::OperatorKey,
    operator_flag: Option<&str>,
    scope: &crate::runbook::template::Scope,
) -> Result<JournalFile, Failure> {
    let write_failure =
        |err: std::io::Error| Failure::JournalWrite(format!("cannot start the journal: {err}"));
    let sid = crate::engine::output_file::hex(&random_bytes::<16>().map_err(write_failure)?);
    let session = SessionKey::generate().map_err(write_failure)?;
    let principal = principal(operator_flag, operator.comment());
    let header = build_header(&HeaderInput {
        run_id: &folder.run_id,
        runbook,
        runbook_bytes: bytes,
        mode,
        operator: &operator,
        principal: &principal,
        scope,
        sid: &sid,
        session_key: session.public_base64(),
    });
    JournalFile::create(
        &folder.dir,
        sid,
        namespace_for(mode),
        operator,
        session,
        header,
    )
    .map_err(|err| Failure::JournalWrite(err.to_string()))
}

fn decide_mode(args: &RunArgs, runbook: &Runbook) -> Result<Mode, Failure> {
    if args.drill && args.dry_run {
        return Err(Failure::Input(
            "--drill and --dry-run are different runs: choose one".into(),
        ));
    }
    if !args.inject_failures.is_empty() && !args.drill {
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
    if args.drill {
        return Ok(Mode::Drill);
    }
    if args.dry_run {
        return Ok(Mode::DryRun);
    }
    if runbook.is_production() && args.environment.as_deref() != Some("production") {
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
