//! What a run knows about its hosts while it runs: how OpenSSH is called, the connections it
//! keeps, which hosts already passed each step (a retry or a resume runs only the others), and
//! which hosts left the run by failing within `max_fail`.

use std::collections::{BTreeMap, BTreeSet};

use super::connections::SshConnections;

#[derive(Default)]
pub(crate) struct RunHosts {
    pub ssh_command: Vec<String>,
    pub connections: SshConnections,
    /// For each step run on hosts, the hosts it passed on (in any attempt).
    pub passed: BTreeMap<String, BTreeSet<String>>,
    /// Hosts out of the run, with the step they failed at (tolerated by its `max_fail`).
    pub excluded: BTreeMap<String, String>,
}

impl RunHosts {
    pub(crate) fn new(ssh_command: Vec<String>, run_id: &str) -> Self {
        Self {
            ssh_command,
            connections: SshConnections::for_run(run_id),
            ..Self::default()
        }
    }
}
