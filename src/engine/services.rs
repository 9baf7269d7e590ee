//! Background processes started by `service` steps, stopped when the run ends however it ends.

use std::time::Duration;

use super::process::ProcessGroup;

#[derive(Default)]
pub struct Services {
    running: Vec<(String, ProcessGroup, tokio::process::Child)>,
}

impl Services {
    pub fn add(&mut self, step: String, group: ProcessGroup, child: tokio::process::Child) {
        self.running.push((step, group, child));
    }

    pub fn names(&self) -> Vec<String> {
        self.running
            .iter()
            .map(|(name, _, _)| name.clone())
            .collect()
    }

    /// Stops every service's whole process group (SIGTERM, grace, SIGKILL) and reaps it.
    pub async fn stop_all(&mut self, grace: Duration) -> Vec<String> {
        let mut stopped = Vec::new();
        for (name, group, mut child) in self.running.drain(..).rev() {
            stop_group(group, &mut child, grace).await;
            stopped.push(name);
        }
        stopped
    }
}

/// SIGTERM to the group; the leader is reaped as it exits (a zombie leader would make the
/// group look alive); whatever is left after `grace` gets SIGKILL.
pub async fn stop_group(group: ProcessGroup, child: &mut tokio::process::Child, grace: Duration) {
    group.signal(libc::SIGTERM);
    let deadline = tokio::time::Instant::now() + grace;
    let _ = tokio::time::timeout_at(deadline, child.wait()).await;
    while group.has_members() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if group.has_members() {
        group.signal(libc::SIGKILL);
    }
    let _ = child.wait().await;
}
