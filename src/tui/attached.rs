//! The run's screen fed by its engine's socket: the controller's (`cutover run` on a terminal,
//! `cutover attach`) and a watcher's (`cutover attach --watch`), which acts on nothing.
//! Leaving — detaching, the terminal going away, a takeover — changes nothing for the run.

use std::time::Instant;

use crossterm::event::EventStream;
use tokio::sync::mpsc;

use super::colors::color_wanted;
use super::run_loop::{Channels, Ending, main_screen};
use super::state::App;
use super::terminal::TerminalGuard;
use crate::engine::control::Control;
use crate::live::client::Watching;

/// A controller's way to the engine.
pub(crate) struct ControlLink {
    pub controls: mpsc::UnboundedSender<Control>,
}

pub(crate) async fn attached_screen(
    guard: &mut TerminalGuard,
    keys: &mut EventStream,
    watching: Watching,
    control: Option<ControlLink>,
    ascii: bool,
) -> std::io::Result<Ending> {
    let env = |name: &str| std::env::var(name).ok();
    let mut app = App::new(watching.info, ascii, color_wanted(&env));
    if control.is_none() {
        app = app.watching();
    }
    // The clock counts from the run's start, not from this attach.
    app.started = Instant::now()
        .checked_sub(watching.elapsed)
        .unwrap_or_else(Instant::now);
    app.started_wall = jiff::Timestamp::now() - watching.elapsed;
    {
        let status = watching.journal.borrow();
        app.journal_entries = status.entries;
        app.journal_anchor = status.anchor.clone();
    }
    let channels = Channels {
        events: watching.events,
        controls: control.map(|link| link.controls),
        journal: watching.journal,
        farewell: Some(watching.farewell),
    };
    main_screen(guard, app, channels, keys).await
}
