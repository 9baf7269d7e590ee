//! The one terminate-with-grace, for everything cutover stops: a step's process group, a
//! service's group, and what a step or a previous process left behind. SIGTERM first, so that
//! a migration can roll its transaction back; SIGKILL to whatever is left when the grace
//! period ends, or at once on a kill (a second Ctrl-C).
//!
//! Why it polls: the kernel says when a child exits (its leader is awaited alongside), but not
//! when the last member of a process group or an adopted stranger is gone. A check every
//! 10 ms costs one `kill(…, 0)` per target and ends a grace period within 10 ms of its end.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

const CHECK_EVERY: Duration = Duration::from_millis(10);
/// After SIGKILL, how long to wait for the kernel to take the processes away.
const SETTLE: Duration = Duration::from_secs(2);

/// Something that can be signalled and found gone.
pub(crate) trait Stoppable {
    /// Sends `signal` to what is still alive of it.
    fn signal(&mut self, signal: libc::c_int);
    fn alive(&mut self) -> bool;
}

/// SIGTERM, then SIGKILL at `kill_at` or when `kill_now` resolves, whichever is first.
/// Returns whether SIGKILL was needed.
pub(crate) async fn terminate_with_grace(
    target: &mut impl Stoppable,
    kill_at: Instant,
    kill_now: impl Future<Output = ()>,
) -> bool {
    target.signal(libc::SIGTERM);
    let gone = async {
        while target.alive() {
            tokio::time::sleep(CHECK_EVERY).await;
        }
    };
    let killed = tokio::select! {
        () = gone => false,
        () = tokio::time::sleep_until(kill_at) => true,
        () = kill_now => true,
    };
    if killed && target.alive() {
        target.signal(libc::SIGKILL);
        let settle = Instant::now() + SETTLE;
        while target.alive() && Instant::now() < settle {
            tokio::time::sleep(CHECK_EVERY / 2).await;
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A target that dies at the signal it is told to die at.
    struct Fake {
        dies_at: libc::c_int,
        alive: bool,
        signals: Vec<libc::c_int>,
    }

    impl Stoppable for Fake {
        fn signal(&mut self, signal: libc::c_int) {
            self.signals.push(signal);
            if signal == self.dies_at {
                self.alive = false;
            }
        }
        fn alive(&mut self) -> bool {
            self.alive
        }
    }

    fn fake(dies_at: libc::c_int) -> Fake {
        Fake {
            dies_at,
            alive: true,
            signals: Vec::new(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn sigterm_is_enough_for_what_listens_to_it() {
        let mut target = fake(libc::SIGTERM);
        let started = Instant::now();
        let killed = terminate_with_grace(
            &mut target,
            started + Duration::from_secs(5),
            std::future::pending(),
        )
        .await;
        assert!(!killed);
        assert_eq!(target.signals, vec![libc::SIGTERM]);
        assert!(started.elapsed() < Duration::from_millis(20));
    }

    #[tokio::test(start_paused = true)]
    async fn what_ignores_sigterm_is_killed_when_the_grace_period_ends() {
        let mut target = fake(libc::SIGKILL);
        let started = Instant::now();
        let killed = terminate_with_grace(
            &mut target,
            started + Duration::from_secs(5),
            std::future::pending(),
        )
        .await;
        assert!(killed);
        assert_eq!(target.signals, vec![libc::SIGTERM, libc::SIGKILL]);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(5) && took < Duration::from_millis(5_020),
            "{took:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_kill_ends_the_grace_period_at_once() {
        let mut target = fake(libc::SIGKILL);
        let started = Instant::now();
        let killed = terminate_with_grace(
            &mut target,
            started + Duration::from_secs(5),
            tokio::time::sleep(Duration::from_millis(100)),
        )
        .await;
        assert!(killed);
        assert!(started.elapsed() < Duration::from_millis(120));
    }
}
