//! The sandbox's state, kept in `STATE_DIR/state.json` so that a drill's backup step can copy it
//! and its rollback restore it. It is read for every request and written atomically on every
//! change: a restore on disk takes effect on the next request, with no restart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Canary {
    pub version: String,
    /// Percent of traffic on the canary.
    pub weight: u8,
}

/// A fault injected for a drill, on one path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fault {
    pub path: String,
    /// Answer with this status instead.
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Fraction of requests that fail with 500.
    #[serde(default)]
    pub error_rate: Option<f64>,
    /// Only requests served by this version are affected: a bad canary.
    #[serde(default)]
    pub version: Option<String>,
}

/// How the application is set up in front of its routes: what the production-readiness
/// checklist asks of it. Secure by default; a drill turns one off to see its check fail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Features {
    /// Helmet's headers (nosniff, frame options, HSTS, CSP, referrer policy).
    pub security_headers: bool,
    /// The one origin CORS allows; `*` is the misconfiguration the checklist looks for.
    pub cors_origin: String,
    /// gzip for answers of 1 KB or more when the client accepts it.
    pub compression: bool,
    /// Requests allowed per path on `/auth/*` in a 10-second window, then 429.
    pub rate_limit: Option<u32>,
}

impl Default for Features {
    fn default() -> Self {
        Self {
            security_headers: true,
            cors_origin: "https://nexus.example".into(),
            compression: true,
            rate_limit: Some(20),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Assessment {
    pub submitted_ms: u64,
    pub polls: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct State {
    pub version: String,
    pub canary: Option<Canary>,
    pub maintenance: bool,
    /// Migrations applied, in order.
    pub migrations: Vec<String>,
    pub faults: Vec<Fault>,
    pub assessments: BTreeMap<String, Assessment>,
    pub next_assessment: u64,
    /// Older state files have none: they get the secure defaults.
    #[serde(default)]
    pub features: Features,
}

impl Default for State {
    fn default() -> Self {
        Self {
            version: "v1.0.0".into(),
            canary: None,
            maintenance: false,
            migrations: vec!["20260101_init".into()],
            faults: Vec::new(),
            assessments: BTreeMap::new(),
            next_assessment: 1,
            features: Features::default(),
        }
    }
}

/// The part of the state a database holds: what `pg_dump` takes and `pg_restore` gives back
/// (the application's version is its image's, the maintenance page nginx's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Database {
    pub migrations: Vec<String>,
    pub assessments: BTreeMap<String, Assessment>,
    pub next_assessment: u64,
}

impl State {
    pub(crate) fn database(&self) -> Database {
        Database {
            migrations: self.migrations.clone(),
            assessments: self.assessments.clone(),
            next_assessment: self.next_assessment,
        }
    }
}

pub(crate) struct Store {
    path: PathBuf,
}

impl Store {
    /// Opens (and creates, with a default state) `dir/state.json`.
    pub(crate) fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let store = Self {
            path: dir.join("state.json"),
        };
        if !store.path.exists() {
            store.save(&State::default())?;
        }
        Ok(store)
    }

    pub(crate) fn load(&self) -> std::io::Result<State> {
        let bytes = std::fs::read(&self.path)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// Writes the whole state to a temporary file and renames it into place.
    pub(crate) fn save(&self, state: &State) -> std::io::Result<()> {
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(
            &temporary,
            serde_json::to_vec_pretty(state).expect("state serializes"),
        )?;
        std::fs::rename(&temporary, &self.path)
    }
}
