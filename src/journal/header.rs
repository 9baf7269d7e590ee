//! The header: what the run is (runbook and its SHA-256, mode), who runs it (principal, key,
//! host, unix user, SSH connection), with which values (non-secret variables; for secrets only
//! a salted Argon2id hash), and the session key it delegates to.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::entry::{HeaderBody, OperatorRef, RunbookRef, namespace_for};
use super::identity::{hostname, ssh_connection, unix_user};
use super::secret_fingerprint::fingerprint;
use crate::keys::operator::OperatorKey;
use crate::protocol::encoding::hex;
use crate::protocol::mode::Mode;
use crate::runbook::model::Runbook;
use crate::runbook::template::Scope;

/// What a new journal's header says about its run.
pub(crate) struct RunFacts<'a> {
    pub run_id: &'a str,
    pub runbook: &'a Runbook,
    pub runbook_bytes: &'a [u8],
    pub mode: Mode,
    pub principal: &'a str,
    pub scope: &'a Scope,
    /// A drill's time scale, when it is not 1.
    pub time_scale: Option<f64>,
    /// The run's host groups, after `--hosts` and `--limit`.
    pub hosts: &'a crate::runbook::rolling::HostPlan,
    /// The included files, as the run folder keeps them.
    pub includes: Vec<super::entry::IncludeRef>,
    pub release_lock: Option<super::entry::ReleaseLockRef>,
    /// A drill target's folders of stand-ins, first on PATH.
    pub tools: &'a [std::path::PathBuf],
    /// The allowed signers the run is held to, as the run folder keeps them.
    pub trust_root: Option<crate::keys::trust_root::TrustRootRef>,
}

pub(crate) fn operator_ref(operator: &OperatorKey, principal: &str) -> OperatorRef {
    OperatorRef {
        principal: principal.to_string(),
        key: operator.public_openssh(),
        fingerprint: operator.fingerprint(),
        source: operator.source.to_string(),
    }
}

/// The header of a new journal. Fails only when no randomness can be had for a secret's salt.
pub(crate) fn build_header(
    input: &RunFacts<'_>,
    operator: &OperatorKey,
    session_key: String,
) -> std::io::Result<HeaderBody> {
    let mut vars = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    for var in &input.runbook.vars {
        let name = &var.name.value;
        let Some(value) = input.scope.get(name) else {
            continue;
        };
        if var.secret {
            secrets.insert(name.clone(), fingerprint(&value.text)?);
        } else {
            vars.insert(name.clone(), value.text.clone());
        }
    }
    Ok(HeaderBody {
        format: "cutover-journal/1".into(),
        run_id: input.run_id.into(),
        runbook: RunbookRef {
            name: input.runbook.name.value.clone(),
            title: input.runbook.title.clone(),
            sha256: hex(&Sha256::digest(input.runbook_bytes)),
        },
        mode: input.mode,
        namespace: namespace_for(input.mode).into(),
        operator: operator_ref(operator, input.principal),
        host: hostname(),
        unix_user: unix_user(),
        ssh_connection: ssh_connection(),
        tool_version: concat!("cutover ", env!("CARGO_PKG_VERSION")).into(),
        vars,
        secrets,
        session_key,
        expected_ms: input
            .runbook
            .expected_duration
            .map(|d| d.as_millis() as u64),
        time_scale: input.time_scale,
        hosts: input.hosts.clone(),
        includes: input.includes.clone(),
        release_lock: input.release_lock.clone(),
        target: input.runbook.target.clone(),
        tools: input
            .tools
            .iter()
            .map(|path| path.display().to_string())
            .collect(),
        trust_root: input.trust_root.clone(),
        ssh_command: if input.hosts.is_empty() {
            Vec::new()
        } else {
            input.runbook.ssh_command.clone()
        },
    })
}
