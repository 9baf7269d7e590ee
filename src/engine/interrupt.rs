//! Interrupts from outside the engine: Ctrl-C / SIGTERM (stop the running step now, abort the
//! run) and SIGHUP (let the running step finish, then suspend).

use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interrupt {
    None,
    /// Let the running step finish and journal it, then suspend before the next one.
    SuspendAfterStep,
    /// Ctrl-C on a running step: stop its processes (SIGTERM, the grace, SIGKILL) and ask the
    /// operator what now, as after any failure. Cleared once the step has stopped.
    StopStep,
    /// Stop the running step's processes and abort the run.
    AbortNow,
    /// A second Ctrl-C, or SIGTERM during an abort: SIGKILL to every process at once, no grace.
    KillNow,
}

impl Interrupt {
    fn strength(self) -> u8 {
        match self {
            Self::None => 0,
            Self::SuspendAfterStep => 1,
            Self::StopStep => 2,
            Self::AbortNow => 3,
            Self::KillNow => 4,
        }
    }

    /// The run is being aborted (with or without grace).
    pub fn aborts(self) -> bool {
        matches!(self, Self::AbortNow | Self::KillNow)
    }

    /// The running step must stop: the run aborts, or the operator stops the step alone.
    pub fn stops_the_step(self) -> bool {
        self == Self::StopStep || self.aborts()
    }
}

/// The sending side, held by signal handlers and the TUI.
#[derive(Clone)]
pub(crate) struct InterruptSender(watch::Sender<Interrupt>);

/// The receiving side, held by the engine and passed to running steps.
#[derive(Clone)]
pub struct InterruptReceiver(watch::Receiver<Interrupt>);

pub(crate) fn interrupt_channel() -> (InterruptSender, InterruptReceiver) {
    let (sender, receiver) = watch::channel(Interrupt::None);
    (InterruptSender(sender), InterruptReceiver(receiver))
}

impl InterruptSender {
    /// The step a stop was meant for has stopped (or ended first): the stop is spent. An
    /// abort or a kill raised meanwhile stays.
    pub(crate) fn clear_stop(&self) {
        self.0.send_if_modified(|current| {
            let spent = *current == Interrupt::StopStep;
            if spent {
                *current = Interrupt::None;
            }
            spent
        });
    }

    /// Raises an interrupt; an abort is never downgraded to a suspend, nor a kill to an abort.
    pub(crate) fn raise(&self, interrupt: Interrupt) {
        self.0.send_if_modified(|current| {
            let stronger = interrupt.strength() > current.strength();
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
        let _ = self.0.wait_for(|i| i.aborts()).await;
        if !self.current().aborts() {
            std::future::pending::<()>().await;
        }
    }

    /// Resolves when the running step must stop: stopped alone, or the run aborted (never,
    /// if the sender is gone).
    pub async fn stop_requested(&mut self) {
        let _ = self.0.wait_for(|i| i.stops_the_step()).await;
        if !self.current().stops_the_step() {
            std::future::pending::<()>().await;
        }
    }

    /// Resolves when any interrupt is raised (never, if the sender is gone).
    pub async fn raised(&mut self) {
        let _ = self.0.wait_for(|i| *i != Interrupt::None).await;
        if self.current() == Interrupt::None {
            std::future::pending::<()>().await;
        }
    }

    /// Resolves when every process must be killed at once (never, if the sender is gone).
    pub async fn killed(&mut self) {
        let _ = self.0.wait_for(|i| *i == Interrupt::KillNow).await;
        if self.current() != Interrupt::KillNow {
            std::future::pending::<()>().await;
        }
    }
}
