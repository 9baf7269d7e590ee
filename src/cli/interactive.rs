//! `cutover run` on a terminal: the start screen, then the engine and the TUI side by side,
//! with the journal as the durable consumer. The terminal is restored before anything is printed.

use crossterm::event::EventStream;
use tokio::sync::mpsc;

use super::args::RunArgs;
use super::drive::{engine_failure, outcome_of, report_journal};
use super::run::{Prepared, launch, probe_builtins};
use super::signals::forward_signals;
use crate::engine::emitter::Emitter;
use crate::engine::events::Mode;
use crate::engine::interrupt::interrupt_channel;
use crate::engine::run::Engine;
use crate::engine::variables::resolve_variables;
use crate::exit::{Failure, Outcome};
use crate::journal::writer::spawn_writer;
use crate::tui::run_loop::{Channels, main_screen, start_screen};
use crate::tui::runbook_text::for_terminal;
use crate::tui::start::{Missing, StartScreen};
use crate::tui::state::{App, RunInfo, StepInfo};
use crate::tui::terminal::TerminalGuard;

/// Colour unless `NO_COLOR` is set or the terminal cannot show it.
pub fn color_wanted(env: &dyn Fn(&str) -> Option<String>) -> bool {
    let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
    let term = env("TERM").unwrap_or_default();
    !no_color && term != "dumb" && !term.starts_with("vt")
}

pub fn run_info(prepared: &Prepared, run_dir: String) -> RunInfo {
    let runbook = &prepared.runbook;
    let step = |phase: &str, step: &crate::runbook::model::Step, rollback: bool| StepInfo {
        id: step.id.value.clone(),
        title: for_terminal(&step.title),
        phase: for_terminal(phase),
        kind: step.kind_name().to_string(),
        description: step.description.clone(),
        required: step.required,
        rollback,
    };
    let mut steps: Vec<StepInfo> = runbook
        .steps()
        .map(|(phase, s)| step(&phase.title, s, false))
        .collect();
    steps.extend(runbook.rollback.iter().map(|s| step("rollback", s, true)));
    RunInfo {
        title: for_terminal(&runbook.title),
        runbook: runbook.name.value.clone(),
        description: runbook.description.clone(),
        environment: runbook.environment.clone(),
        mode: prepared.mode,
        operator: prepared.principal.clone(),
        key_fingerprint: format!(
            "{} ({})",
            prepared.operator.fingerprint(),
            prepared.operator.source
        ),
        run_dir,
        expected: runbook.expected_duration,
        steps,
    }
}

/// Variables the operator must type: required (or secret) ones with no value from `--var`,
/// the environment or a default.
fn missing_variables(
    prepared: &Prepared,
    given: &[(String, String)],
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Missing> {
    prepared
        .runbook
        .vars
        .iter()
        .filter(|var| var.required || var.secret)
        .filter(|var| !given.iter().any(|(name, _)| name == &var.name.value))
        .filter(|var| var.env.as_deref().and_then(env).is_none() && var.default.is_none())
        .map(|var| Missing {
            name: var.name.value.clone(),
            description: var.description.clone(),
            secret: var.secret,
            pattern: var.pattern.as_ref().map(|p| p.value.clone()),
        })
        .collect()
}

pub fn run_interactive(args: &RunArgs, prepared: Prepared) -> Result<Outcome, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let color = color_wanted(&env);
    let missing = missing_variables(&prepared, &args.vars, &env);
    let word = (prepared.runbook.is_production() && prepared.mode == Mode::Production)
        .then(|| "production".to_string());
    let mut info = run_info(
        &prepared,
        format!(
            "{}/{}/",
            prepared.log_dir.display(),
            prepared.runbook.name.value
        ),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::Input(format!("cannot start the runtime: {err}")))?;
    runtime.block_on(async move {
        let mut guard = TerminalGuard::enter()
            .map_err(|err| Failure::Input(format!("cannot use the terminal: {err}")))?;
        let mut keys = EventStream::new();
        let screen = StartScreen::new(info.clone(), missing, word, args.ascii, color);
        let typed = start_screen(&mut guard, screen, &mut keys)
            .await
            .map_err(|err| Failure::Input(format!("the terminal failed: {err}")))?;
        let Some(typed) = typed else {
            drop(guard);
            eprintln!("cutover: left at the start screen; nothing ran");
            return Ok(Outcome::Done);
        };
        // Typed at the start screen, a secret never was on a command line: it is used, masked.
        resolve_variables(
            &prepared.runbook,
            &args.vars,
            &typed,
            &env,
            &probe_builtins(),
        )
        .map_err(|problems| Failure::Input(problems.join("; ")))?;
        let (plan, journal) = launch(args, prepared, &typed)?;
        info.run_dir = plan.run_dir.display().to_string();

        let (interrupts, interrupt) = interrupt_channel();
        forward_signals(interrupts.clone(), interrupt.clone())
            .map_err(|err| Failure::Input(format!("cannot watch signals: {err}")))?;
        let (durable, writer, journal_status) = spawn_writer(journal);
        let mut emitter = Emitter::default().with_durable(durable);
        let events = emitter.observe();
        let (controls_tx, controls) = mpsc::unbounded_channel();
        let app = App::new(info, args.ascii, color);
        let engine = Engine::new(plan, emitter, controls, interrupt);
        let channels = Channels {
            events,
            controls: controls_tx,
            interrupts,
            journal: journal_status,
        };
        // A run that ended in error (the journal could not be written) takes the screen down
        // with it: the terminal is restored and cutover exits 5 at once, instead of showing a
        // step that will never finish to an operator whose keys nothing answers any more.
        let (status, screen) = {
            let engine = engine.run();
            let screen = main_screen(&mut guard, app, channels, &mut keys);
            tokio::pin!(engine, screen);
            tokio::select! {
                status = &mut engine => match status {
                    Err(err) => (Err(err), Ok(())),
                    Ok(status) => (Ok(status), screen.await),
                },
                screen = &mut screen => (engine.await, screen),
            }
        };
        drop(guard);
        if let Err(err) = screen {
            eprintln!(
                "cutover: the terminal went away ({err}); the run carried on and is journaled"
            );
        }
        report_journal(writer).await;
        status.map(outcome_of).map_err(engine_failure)
    })
}
