//! Which operator key a run signs with.

use std::path::{Path, PathBuf};

use super::operator::{KeyError, OperatorKey};
use crate::protocol::mode::Mode;

/// `--key FILE`, else the ssh-agent's first key, else — drills and dry runs only — the local
/// drill key. Returns the key and, when the drill key stands in, a sentence to show.
pub(crate) fn choose_operator_key(
    key_flag: Option<&Path>,
    mode: Mode,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(OperatorKey, Option<String>), KeyError> {
    if let Some(path) = key_flag {
        return OperatorKey::from_file(path).map(|key| (key, None));
    }
    let agent = env("SSH_AUTH_SOCK")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let agent_problem = match agent.as_deref().map(OperatorKey::from_agent) {
        Some(Ok(key)) => return Ok((key, None)),
        Some(Err(problem)) => Some(problem),
        None => None,
    };
    if mode == Mode::Production {
        return Err(agent_problem.unwrap_or(KeyError::NoProductionKey));
    }
    let config = env("XDG_CONFIG_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| PathBuf::from(home).join(".config")))
        .ok_or(KeyError::NoConfigDir)?;
    let key = OperatorKey::drill_key(&config)?;
    let why = agent_problem
        .map(|problem| format!(" (could not {})", crate::error_chain::error_chain(&problem)))
        .unwrap_or_default();
    let notice = format!(
        "no operator key{why}: this {} is signed with the local drill key {} ({})",
        if mode == Mode::Drill {
            "drill"
        } else {
            "dry run"
        },
        key.location,
        key.fingerprint()
    );
    Ok((key, Some(notice)))
}
