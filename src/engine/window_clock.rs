//! The maintenance window: when it opened, how long it may last, whether its overrun was
//! already reported.

use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Default)]
pub(crate) struct WindowClock {
    open: Option<(Instant, Duration)>,
    overrun_reported: bool,
}

impl WindowClock {
    pub(crate) fn open(&mut self, duration: Duration) {
        self.open = Some((Instant::now(), duration));
        self.overrun_reported = false;
    }

    pub(crate) fn close(&mut self) {
        self.open = None;
    }

    /// How far past its end the open window is, once: the first call after the end returns
    /// the overrun, later calls return `None`.
    pub(crate) fn take_overrun(&mut self) -> Option<Duration> {
        let (opened, duration) = self.open?;
        let elapsed = opened.elapsed();
        if self.overrun_reported || elapsed <= duration {
            return None;
        }
        self.overrun_reported = true;
        Some(elapsed - duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_overrun_is_reported_once_with_how_far_past_the_end_it_is() {
        let mut clock = WindowClock::default();
        clock.open(Duration::from_secs(45 * 60));
        tokio::time::advance(Duration::from_secs(44 * 60)).await;
        assert_eq!(clock.take_overrun(), None);
        tokio::time::advance(Duration::from_secs(2 * 60)).await;
        assert_eq!(clock.take_overrun(), Some(Duration::from_secs(60)));
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(clock.take_overrun(), None, "reported once");
        clock.open(Duration::from_secs(60));
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(
            clock.take_overrun(),
            Some(Duration::from_secs(1)),
            "a window opened again is watched again"
        );
        clock.close();
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(
            clock.take_overrun(),
            None,
            "a closed window does not overrun"
        );
    }
}
