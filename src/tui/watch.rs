//! `cutover attach --watch`: the run's screen, read-only, fed by its engine's socket instead of
//! an engine in this process. Leaving (q) changes nothing for the run.

use std::time::Instant;

use crossterm::event::EventStream;

use super::colors::color_wanted;
use super::run_loop::{Channels, main_screen};
use super::state::App;
use super::terminal::TerminalGuard;
use crate::live::client::Watching;

pub(crate) async fn watch_screen(watching: Watching, ascii: bool) -> std::io::Result<()> {
    let env = |name: &str| std::env::var(name).ok();
    let mut app = App::new(watching.info, ascii, color_wanted(&env)).watching();
    // The clock counts from the run's start, not from this attach.
    app.started = Instant::now()
        .checked_sub(watching.elapsed)
        .unwrap_or_else(Instant::now);
    {
        let status = watching.journal.borrow();
        app.journal_entries = status.entries;
        app.journal_anchor = status.anchor.clone();
    }
    let mut guard = TerminalGuard::enter()?;
    let mut keys = EventStream::new();
    let channels = Channels {
        events: watching.events,
        controller: None,
        journal: watching.journal,
    };
    main_screen(&mut guard, app, channels, &mut keys).await
}
