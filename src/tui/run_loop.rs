//! The TUI's event loop: engine events, key presses and the journal's status come in; the
//! screen is redrawn from the state at most once per frame (so a step printing megabytes per
//! second costs one draw per frame, never one per line, and keys never lag), and once a second
//! for the clocks.

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};

use super::input::Effect;
use super::start::{StartOutcome, StartScreen};
use super::state::App;
use super::terminal::TerminalGuard;
use super::view::screen::draw;
use crate::engine::control::Control;
use crate::engine::controller::Controller;
use crate::engine::events::Event;
use crate::engine::interrupt::Interrupt;
use crate::journal::writer::JournalStatus;

/// At most this many frames a second.
const FRAME: Duration = Duration::from_millis(33);
/// The clocks in the header tick this often even when nothing happens.
const CLOCK: Duration = Duration::from_secs(1);
/// Events applied in one go before keys get a look: a backlog never starves the keyboard.
const BURST: usize = 64;

/// Shows the start screen until the operator starts (returns the typed variables) or leaves.
pub(crate) async fn start_screen(
    guard: &mut TerminalGuard,
    mut screen: StartScreen,
    keys: &mut EventStream,
) -> io::Result<Option<Vec<(String, String)>>> {
    loop {
        guard.terminal.draw(|frame| screen.draw(frame))?;
        match keys.next().await {
            Some(Ok(TermEvent::Key(key))) if key.kind == KeyEventKind::Press => {
                match screen.key(key) {
                    StartOutcome::Continue => {}
                    StartOutcome::Start(values) => return Ok(Some(values)),
                    StartOutcome::Cancel => return Ok(None),
                }
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err),
            None => return Ok(None),
        }
    }
}

pub(crate) struct Channels {
    pub events: mpsc::UnboundedReceiver<Event>,
    /// `None` for a watcher: nothing it does reaches the engine.
    pub controller: Option<Controller>,
    pub journal: watch::Receiver<JournalStatus>,
}

/// Runs the main screen until the operator leaves after the run ended, or the terminal goes
/// away (the engine then carries on alone and suspends before its next step).
pub(crate) async fn main_screen(
    guard: &mut TerminalGuard,
    mut app: App,
    mut channels: Channels,
    keys: &mut EventStream,
) -> io::Result<()> {
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    let mut engine_done = false;
    // Once the journal's writer has ended, its status never changes again: a closed watch
    // answers at once, forever, and polling it would spin.
    let mut journal_open = true;
    loop {
        if app.should_leave() {
            return Ok(());
        }
        if dirty && last_draw.elapsed() >= FRAME {
            let now = Instant::now();
            guard.terminal.draw(|frame| draw(frame, &app, now))?;
            last_draw = now;
            dirty = false;
        }
        let wait = if dirty {
            FRAME.saturating_sub(last_draw.elapsed())
        } else {
            CLOCK
        };
        tokio::select! {
            // Keys first, whatever else is ready: a flood of output never makes a key wait
            // behind it (tokio picks at random among ready branches otherwise).
            biased;
            key = keys.next() => match key {
                Some(Ok(TermEvent::Key(key))) if key.kind == KeyEventKind::Press => {
                    for effect in app.key(key) {
                        match effect {
                            Effect::Control(control) => {
                                if let Some(controller) = &channels.controller {
                                    controller.send(control);
                                }
                            }
                            Effect::Interrupt(interrupt) => {
                                if let Some(controller) = &channels.controller {
                                    controller.send(Control::Interrupt { interrupt });
                                }
                            }
                            Effect::Quit => return Ok(()),
                        }
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(_, _))) => dirty = true,
                Some(Ok(_)) => {}
                // The terminal is gone (SSH dropped): stop drawing, and suspend after the running
                // step even if no SIGHUP ever arrives (nohup, a wrapper that ignores it): nobody
                // is watching, so no further step may start.
                Some(Err(_)) | None => {
                    if let Some(controller) = &channels.controller {
                        controller.send(Control::Interrupt {
                            interrupt: Interrupt::SuspendAfterStep,
                        });
                    }
                    return Ok(());
                }
            },
            event = channels.events.recv(), if !engine_done => match event {
                Some(event) => {
                    app.apply(&event);
                    // Take what is already queued (up to a burst) before drawing: one frame for
                    // many events.
                    for _ in 0..BURST {
                        let Ok(event) = channels.events.try_recv() else { break };
                        app.apply(&event);
                    }
                    dirty = true;
                }
                None => engine_done = true,
            },
            changed = channels.journal.changed(), if journal_open => {
                if changed.is_ok() {
                    let status = channels.journal.borrow_and_update().clone();
                    app.journal_entries = status.entries;
                    app.journal_anchor = status.anchor;
                    dirty = true;
                } else {
                    journal_open = false;
                }
            }
            _ = tokio::time::sleep(wait) => dirty = true,
        }
    }
}
