//! Signals during a headless run: Ctrl-C or SIGTERM stops the running step's processes and
//! aborts the run cleanly; a second one while the abort runs kills every process at once;
//! SIGHUP (the SSH link dropped) lets the running step finish, then
//! suspends the run so that `cutover resume` continues it.

use tokio::signal::unix::{SignalKind, signal};

use crate::engine::control::Control;
use crate::engine::controller::Controller;
use crate::engine::interrupt::Interrupt;

/// Forwards the signals to the engine as interrupts; `on_stop` runs first on Ctrl-C or
/// SIGTERM (a signature a person's client has not given yet is given up: the run is stopping).
pub(crate) fn forward_signals(
    controller: Controller,
    on_stop: impl Fn() + Send + 'static,
) -> std::io::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = interrupt.recv() => {
                    on_stop();
                    raise(&controller, escalate(controller.interrupt()));
                }
                _ = terminate.recv() => {
                    on_stop();
                    raise(&controller, escalate(controller.interrupt()));
                }
                _ = hangup.recv() => raise(&controller, Interrupt::SuspendAfterStep),
            }
        }
    });
    Ok(())
}

fn raise(controller: &Controller, interrupt: Interrupt) {
    controller.send(Control::Interrupt { interrupt });
}

/// The first Ctrl-C or SIGTERM aborts with grace; the next one kills.
fn escalate(current: Interrupt) -> Interrupt {
    if current.aborts() {
        Interrupt::KillNow
    } else {
        Interrupt::AbortNow
    }
}
