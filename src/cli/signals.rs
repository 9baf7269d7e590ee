//! Signals during a headless run: Ctrl-C or SIGTERM stops the running step's processes and
//! aborts the run cleanly; SIGHUP (the SSH link dropped) lets the running step finish, then
//! suspends the run so that `cutover resume` continues it.

use tokio::signal::unix::{SignalKind, signal};

use crate::engine::interrupt::{Interrupt, InterruptSender};

pub fn forward_signals(interrupts: InterruptSender) -> std::io::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = interrupt.recv() => interrupts.raise(Interrupt::AbortNow),
                _ = terminate.recv() => interrupts.raise(Interrupt::AbortNow),
                _ = hangup.recv() => interrupts.raise(Interrupt::SuspendAfterStep),
            }
        }
    });
    Ok(())
}
