//! Interrupts from outside the engine: Ctrl-C / SIGTERM (stop the running step now, abort the
//! run) and SIGHUP (let the running step finish, then suspend).

use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupt {
    None,
    /// Let the running step finish and journal it, then suspend before the next one.
    SuspendAfterStep,
    /// Stop the running step's processes and abort the run.
    AbortNow,
}

/// The sending side, held by signal handlers and the TUI.
#[derive(Clone)]
pub struct InterruptSender(watch::Sender<Interrupt>);

/// The receiving side, held by the engine and passed to running steps.
#[derive(Clone)]
pub struct InterruptReceiver(watch::Receiver<Interrupt>);

pub fn interrupt_channel() -> (InterruptSender, InterruptReceiver) {
    let (sender, receiver) = watch::channel(Interrupt::None);
    (InterruptSender(sender), InterruptReceiver(receiver))
}

impl InterruptSender {
    /// Raises an interrupt; an abort is never downgraded to a suspend.
    pub fn raise(&self, interrupt: Interrupt) {
        self.0.send_if_modified(|current| {
            let stronger = matches!(
                (*current, interrupt),
                (
                    Interrupt::None,
                    Interrupt::SuspendAfterStep | Interrupt::AbortNow
                ) | (Interrupt::SuspendAfterStep, Interrupt::AbortNow)
            );
            if stronger {
                *current = interrupt;
            }
            stronger
        });
    }
}

impl InterruptReceiver {
    pub fn current(&self) -> Interrupt {
        *self.0.borrow()
    }

    /// Resolves when an abort is requested (never, if the sender is gone).
    pub async fn aborted(&mut self) {
        let _ = self.0.wait_for(|i| *i == Interrupt::AbortNow).await;
        if self.current() != Interrupt::AbortNow {
            std::future::pending::<()>().await;
        }
    }
}
