//! Background processes started by `service` steps, stopped when the run ends however it ends:
//! all at once (one grace period for every service, not one after the other), and at once with
//! the running step when the run is aborted.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::interrupt::InterruptReceiver;
use super::process::ProcessGroup;
use super::terminate::terminate_with_grace;

struct Service {
    step: String,
    group: ProcessGroup,
    child: tokio::process::Child,
}

/// What the abort watcher shares with the engine: the groups to signal, and when SIGTERM went.
#[derive(Default)]
struct Signalled {
    groups: Vec<ProcessGroup>,
    /// When SIGTERM was sent to every service early (an abort): the grace runs from then.
    terminated_at: Option<Instant>,
    killed: bool,
}

#[derive(Default)]
pub(crate) struct Services {
    running: Vec<Service>,
    signalled: Arc<Mutex<Signalled>>,
}

impl Services {
    pub(crate) fn add(&mut self, step: String, group: ProcessGroup, child: tokio::process::Child) {
        let mut signalled = crate::locked::locked(&self.signalled);
        if signalled.killed {
            group.signal(libc::SIGKILL);
        } else if signalled.terminated_at.is_some() {
            group.signal(libc::SIGTERM);
        }
        signalled.groups.push(group);
        drop(signalled);
        self.running.push(Service { step, group, child });
    }

    /// Watches for an abort while the run goes on: on the first, every service gets SIGTERM at
    /// the same moment as the running step's processes, so that their grace periods overlap;
    /// on a kill, SIGKILL. The returned task is aborted when the run ends.
    pub(crate) fn watch_interrupts(
        &self,
        mut interrupt: InterruptReceiver,
    ) -> tokio::task::JoinHandle<()> {
        let signalled = self.signalled.clone();
        tokio::spawn(async move {
            interrupt.aborted().await;
            {
                let mut signalled = crate::locked::locked(&signalled);
                signalled.terminated_at.get_or_insert_with(Instant::now);
                for group in &signalled.groups {
                    group.signal(libc::SIGTERM);
                }
            }
            interrupt.killed().await;
            let mut signalled = crate::locked::locked(&signalled);
            signalled.killed = true;
            for group in &signalled.groups {
                group.signal(libc::SIGKILL);
            }
        })
    }

    pub(crate) fn names(&self) -> Vec<String> {
        self.running.iter().map(|s| s.step.clone()).collect()
    }

    /// The services' leaders: children of cutover that are not left behind by a step.
    pub(crate) fn pids(&self) -> BTreeSet<i32> {
        self.running.iter().map(|s| s.group.0).collect()
    }

    /// Stops every service's whole process group (SIGTERM, grace, SIGKILL), all together,
    /// and reaps them. Returns the steps whose services were stopped.
    pub(crate) async fn stop_all(&mut self, grace: Duration) -> Vec<String> {
        let since = {
            let mut signalled = crate::locked::locked(&self.signalled);
            signalled.groups.clear();
            *signalled.terminated_at.get_or_insert_with(Instant::now)
        };
        let mut running: Vec<Service> = self.running.drain(..).rev().collect();
        // Each stop sends its SIGTERM when first polled: all of them in the same round.
        let stops = running
            .iter_mut()
            .map(|service| terminate_group(service.group, &mut service.child, since + grace));
        futures_util::future::join_all(stops).await;
        running.into_iter().map(|service| service.step).collect()
    }
}

/// Stops a child's whole group with [`terminate_with_grace`], its leader reaped as it exits (a
/// zombie leader would make the group look alive), SIGKILL to whatever is left at `kill_at`.
pub(crate) async fn terminate_group(
    mut group: ProcessGroup,
    child: &mut tokio::process::Child,
    kill_at: Instant,
) {
    let reap = async {
        let _ = child.wait().await;
    };
    tokio::join!(
        terminate_with_grace(&mut group, kill_at, std::future::pending()),
        reap
    );
}
