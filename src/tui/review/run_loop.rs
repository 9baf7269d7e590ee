//! The review's loop: nothing changes unless a key is pressed or the window is resized, so it
//! draws once per key. The terminal guard restores the terminal on every way out.

use std::io;

use crossterm::event::{Event, KeyEventKind, read};

use super::state::{ReviewAction, ReviewApp};
use super::view::screen::draw;
use crate::tui::terminal::TerminalGuard;

pub(crate) fn review_loop(guard: &mut TerminalGuard, mut app: ReviewApp) -> io::Result<()> {
    loop {
        app.load_output();
        guard.terminal.draw(|frame| draw(frame, &app))?;
        if let Event::Key(key) = read()?
            && key.kind == KeyEventKind::Press
            && app.key(key) == ReviewAction::Quit
        {
            return Ok(());
        }
    }
}
