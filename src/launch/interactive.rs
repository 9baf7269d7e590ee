//! `cutover run` on a terminal: the start screen, then the engine and the TUI side by side,
//! with the journal as the durable consumer. The terminal is restored before anything is printed.

use crate::stdout::say;
use crossterm::event::EventStream;

use super::error::{SetupError, runtime};
use super::headless::report_journal;
use super::prepare::Prepared;
use super::request::StartRequest;
use super::signals::forward_signals;
use super::start::{Launched, start};
use crate::engine::controller::control_channel;
use crate::engine::emitter::Emitter;
use crate::engine::events::{Mode, RunStatus};
use crate::engine::run::Engine;
use crate::exit::Failure;
use crate::journal::writer::spawn_writer;
use crate::live::server::serve;
use crate::tui::colors::color_wanted;
use crate::tui::run_loop::{Channels, main_screen, start_screen};
use crate::tui::start::{Missing, StartScreen};
use crate::tui::state::{App, RunInfo};
use crate::tui::terminal::TerminalGuard;

pub(crate) fn run_info(prepared: &Prepared, run_dir: String) -> RunInfo {
    super::run_info::run_info(
        &prepared.runbook,
        prepared.mode,
        &prepared.principal,
        &super::run_info::key_shown(&prepared.operator),
        run_dir,
    )
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

/// Runs on the terminal: the start screen, then the run. `None` when the operator left at the
/// start screen and nothing ran.
pub(crate) fn run_interactive(
    request: &StartRequest,
    prepared: Prepared,
    ascii: bool,
) -> Result<Option<RunStatus>, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let color = color_wanted(&env);
    let missing = missing_variables(&prepared, &request.vars, &env);
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
    runtime()?.block_on(async move {
        let mut guard = TerminalGuard::enter().map_err(SetupError::Terminal)?;
        let mut keys = EventStream::new();
        let screen = StartScreen::new(info.clone(), missing, word, ascii, color);
        let typed = start_screen(&mut guard, screen, &mut keys)
            .await
            .map_err(SetupError::Terminal)?;
        let Some(typed) = typed else {
            drop(guard);
            say!("cutover: left at the start screen; nothing ran");
            return Ok(None);
        };
        // Typed at the start screen, a secret never was on a command line: it is used, masked.
        let Launched { plan, journal, .. } = start(request, prepared, &typed)?;
        info.run_dir = plan.run_dir.display().to_string();

        let (controller, intake) = control_channel();
        forward_signals(controller.clone()).map_err(SetupError::Signals)?;
        let (durable, writer, journal_status) = spawn_writer(journal);
        let mut emitter = Emitter::default().with_durable(durable);
        let events = emitter.observe();
        // Others may watch it: `cutover attach --watch`. A socket that cannot be served costs
        // the run nothing; it is said once the screen is gone.
        let watched = serve(
            &plan.run_dir,
            info.clone(),
            emitter.observe(),
            Some(journal_status.clone()),
        );
        let app = App::new(info, ascii, color);
        let engine = Engine::new(plan, emitter, intake);
        let channels = Channels {
            events,
            controller: Some(controller),
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
        if let Err(err) = &watched {
            say!("cutover: nobody could watch this run: cannot serve its socket: {err}");
        }
        drop(watched);
        if let Err(err) = screen {
            say!("cutover: the terminal went away ({err}); the run carried on and is journaled");
        }
        report_journal(writer).await;
        Ok(Some(status?))
    })
}
