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
            group.terminate(grace).await;
            let _ = child.wait().await;
            stopped.push(name);
        }
        stopped
    }
}
