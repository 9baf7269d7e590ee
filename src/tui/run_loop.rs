//! The TUI's event loop: engine events, key presses and the journal's status come in; the
//! screen is redrawn from the state at most once per frame (so a step printing megabytes per
//! second costs one draw per frame, never one per line, and keys never lag), and once a second
//! for the clocks.

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot, watch};

use super::input::Effect;
use super::start::{StartOutcome, StartScreen};
use super::state::App;
use super::terminal::TerminalGuard;
use super::view::screen::draw;
use crate::engine::control::Control;
use crate::engine::controller_change::Seat;
use crate::engine::events::Event;
use crate::journal::status::JournalStatus;
use crate::live::protocol::Farewell;
use crate::protocol::status::RunStatus;

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
    /// To the run's engine, over its socket; `None` for a watcher: nothing it does reaches
    /// the engine.
    pub controls: Option<mpsc::UnboundedSender<Control>>,
    pub journal: watch::Receiver<JournalStatus>,
    /// The engine's last word: someone took the controls from this screen, or the run
    /// stopped on an error.
    pub farewell: Option<oneshot::Receiver<Farewell>>,
}

/// Why the screen was left.
#[derive(Debug, PartialEq)]
pub(crate) enum Leave {
    /// `q`: after the run ended or was suspended, or a watcher leaving.
    Quit,
    /// `d`: the run goes on; `cutover attach` comes back to it.
    Detach,
    /// The terminal went away (the SSH link dropped): the run goes on, like a detach.
    TerminalLost,
    /// Someone took the controls over.
    TakenOver(Seat),
    /// The engine stopped the run on an error: what it said, and its exit code.
    EngineFailed { code: u8, message: String },
    /// The engine went away without a word (killed): the run is interrupted.
    EngineGone,
    /// The engine let this screen go: its person's key did not sign in time.
    LetGo(String),
    /// This screen's client refused to sign what the engine asked (not its person's act),
    /// and closed the connection.
    RefusedToSign(String),
}

/// How the screen ended, and the run as it last showed it.
pub(crate) struct Ending {
    pub leave: Leave,
    /// How the run ended, if it did (suspended included).
    pub status: Option<RunStatus>,
    pub journal: JournalStatus,
}

/// Runs the main screen until the operator leaves (after the run ended, or detaching), the
/// terminal goes away, or someone takes the controls over. The engine runs on in every case
/// but the run's end.
pub(crate) async fn main_screen(
    guard: &mut TerminalGuard,
    app: App,
    channels: Channels,
    keys: &mut EventStream,
) -> io::Result<Ending> {
    let mut app = app;
    let mut channels = channels;
    let leave = screen_loop(guard, &mut app, &mut channels, keys).await?;
    let status = app
        .finished
        .map(|(status, _)| status)
        .or(app.suspended.as_ref().map(|_| RunStatus::Suspended));
    let journal = channels.journal.borrow().clone();
    Ok(Ending {
        leave,
        status,
        journal,
    })
}

async fn screen_loop(
    guard: &mut TerminalGuard,
    app: &mut App,
    channels: &mut Channels,
    keys: &mut EventStream,
) -> io::Result<Leave> {
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    let mut engine_done = false;
    // Once the journal's writer has ended, its status never changes again: a closed watch
    // answers at once, forever, and polling it would spin.
    let mut journal_open = true;
    loop {
        if app.should_leave() {
            return Ok(Leave::Quit);
        }
        if dirty && last_draw.elapsed() >= FRAME {
            let now = Instant::now();
            guard.terminal.draw(|frame| draw(frame, app, now))?;
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
                                if let Some(controls) = &channels.controls {
                                    let _ = controls.send(control);
                                }
                            }
                            Effect::Interrupt(interrupt) => {
                                if let Some(controls) = &channels.controls {
                                    let _ = controls.send(Control::Interrupt { interrupt });
                                }
                            }
                            Effect::Quit => return Ok(Leave::Quit),
                            Effect::Detach => return Ok(Leave::Detach),
                        }
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(_, _))) => dirty = true,
                Some(Ok(_)) => {}
                // The terminal is gone (SSH dropped): stop drawing and let go of the controls.
                // The engine finishes the running step and starts no next one until someone
                // attaches (its presence gate).
                Some(Err(_)) | None => return Ok(Leave::TerminalLost),
            },
            word = crate::live::seat::arrival(&mut channels.farewell) => return Ok(farewell(word)),
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
                None => {
                    engine_done = true;
                    // The screen of an ended run stays until `q`; one whose engine vanished
                    // says so at once (its last word, if any, came before the end).
                    if app.finished.is_none() && app.suspended.is_none() {
                        if let Some(Ok(word)) = channels.farewell.as_mut().map(|word| word.try_recv()) {
                            return Ok(farewell(word));
                        }
                        return Ok(Leave::EngineGone);
                    }
                }
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

fn farewell(word: Farewell) -> Leave {
    match word {
        Farewell::TakenOver(by) => Leave::TakenOver(by),
        Farewell::Failed { code, message } => Leave::EngineFailed { code, message },
        Farewell::LetGo(reason) => Leave::LetGo(reason),
        Farewell::Refused(reason) => Leave::RefusedToSign(reason),
    }
}
