//! A step's raw output: which stream, and the file that keeps it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// The raw output of one step attempt, kept in `output/` and named by its digest. The durable
/// consumer syncs the file before it records the event that names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    /// Relative to the run folder, e.g. `output/backup.1.log`.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}
