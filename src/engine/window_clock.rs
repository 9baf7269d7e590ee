//! The maintenance window: when it opened, how long it may last, whether its overrun was
//! already reported.

use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Default)]
pub struct WindowClock {
    open: Option<(Instant, Duration)>,
    overrun_reported: bool,
}

impl WindowClock {
    pub fn open(&mut self, duration: Duration) {
        self.open = Some((Instant::now(), duration));
        self.overrun_reported = false;
    }

    pub fn close(&mut self) {
        self.open = None;
    }

    /// How far past its end the open window is, once: the first call after the end returns
    /// the overrun, later calls return `None`.
    pub fn take_overrun(&mut self) -> Option<Duration> {
        let (opened, duration) = self.open?;
        let elapsed = opened.elapsed();
        if self.overrun_reported || elapsed <= duration {
            return None;
        }
        self.overrun_reported = true;
        Some(elapsed - duration)
    }
}
