//! What a live run is doing now, as its socket tells `cutover ls`.

use serde::{Deserialize, Serialize};

/// What the run is doing now, for `cutover ls`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct LiveStatus {
    pub pid: u32,
    pub watchers: u32,
    /// The step that is running or waiting, if any.
    pub current_step: Option<String>,
    /// What it waits for (a person's answer), and since when (RFC 3339).
    pub waiting: Option<String>,
    pub waiting_since: Option<String>,
    /// Who holds the controls (`ops-c@corp (alice@db-1 on /dev/pts/3) since 19:26:59`), if
    /// anyone.
    #[serde(default)]
    pub controller: Option<String>,
    /// A controller may attach (a terminal run); a headless run only takes watchers.
    #[serde(default)]
    pub takes_controls: bool,
    /// `--share-with`: the group, and how its members attach.
    #[serde(default)]
    pub shared: Option<String>,
}
