//! A run's trust root: the OpenSSH `allowed_signers` file that says who may do what while the
//! run happens — the operator at its start, each person who takes the controls when they
//! attach, each approver when they approve. It comes from `--allowed-signers`, else the
//! runbook's `[runbook] allowed_signers` (relative to the runbook), else
//! `$XDG_CONFIG_HOME/cutover/allowed_signers`; its bytes are copied into the run folder and
//! their SHA-256 goes into the header, so that verify checks the journal against the very
//! file the run was held to.
//!
//! Without one, names are what people typed: a drill may run so ("identities not checked"),
//! a production run that needs approvals may not. Principals are matched as OpenSSH matches
//! them (`ssh-keygen -Y verify -I`: patterns, exact otherwise), and one key is one person.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use ssh_key::PublicKey;

use super::allowed_signers::{AllowedSigners, AllowedSignersError, Refusal};
use crate::protocol::encoding::hex;

/// The name of the copy in the run folder.
pub(crate) const COPY_NAME: &str = "allowed_signers";

#[derive(Debug, thiserror::Error)]
pub enum TrustRootError {
    #[error("read the allowed signers {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("read the allowed signers {}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: AllowedSignersError,
    },
    #[error(
        "{} is not the allowed signers the run started with (its SHA-256 is {found}, the header's {recorded})",
        path.display()
    )]
    Changed {
        path: PathBuf,
        found: String,
        recorded: String,
    },
}

/// Where a trust root came from, as the header records it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustRootRef {
    /// The file as it was given (for people: where to look).
    pub path: String,
    /// Its copy in the run folder.
    pub file: String,
    /// SHA-256 of its exact bytes.
    pub sha256: String,
}

/// A loaded trust root.
pub struct TrustRoot {
    pub signers: AllowedSigners,
    /// Where it was read from, as said in refusals.
    pub shown: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for TrustRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustRoot")
            .field("shown", &self.shown)
            .finish()
    }
}

/// Why a key may not act as the person it says: each names the key and the file.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NotAdmitted {
    #[error(
        "the key {fingerprint} is not in the allowed signers {file}: add it there with the person's principal"
    )]
    UnknownKey { fingerprint: String, file: String },
    #[error("the key {fingerprint} is listed in {file} as {names}: say which with --operator NAME")]
    WhichName {
        fingerprint: String,
        file: String,
        names: String,
    },
    #[error(
        "the key {fingerprint} is not allowed as `{principal}` in the allowed signers {file} (it is listed as {listed_as}): one key is one person"
    )]
    OtherPerson {
        fingerprint: String,
        principal: String,
        file: String,
        listed_as: String,
    },
    #[error(
        "the key {fingerprint} may not act as `{principal}` here: {why} (allowed signers {file})"
    )]
    NotHere {
        fingerprint: String,
        principal: String,
        why: String,
        file: String,
    },
}

impl TrustRoot {
    pub fn load(path: &Path) -> Result<Self, TrustRootError> {
        let bytes = std::fs::read(path).map_err(|source| TrustRootError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(bytes, path)
    }

    pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<Self, TrustRootError> {
        let text = String::from_utf8_lossy(&bytes);
        let signers = AllowedSigners::parse(&text).map_err(|source| TrustRootError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            signers,
            shown: path.display().to_string(),
            bytes,
        })
    }

    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(&self.bytes))
    }

    pub fn reference(&self) -> TrustRootRef {
        TrustRootRef {
            path: self.shown.clone(),
            file: COPY_NAME.into(),
            sha256: self.sha256(),
        }
    }

    /// The principal `key` acts as in `namespace` now: `claimed` when the file allows the key
    /// that name, else — nothing claimed — the one name the file gives the key. `Err` is the
    /// refusal as said to the person: it names the key and the file.
    pub fn admit(
        &self,
        key: &PublicKey,
        claimed: Option<&str>,
        namespace: &str,
    ) -> Result<String, NotAdmitted> {
        let fingerprint = key.fingerprint(Default::default());
        let given = self.principals_of(key);
        let principal = match claimed {
            Some(claimed) => claimed.to_string(),
            None => match given.as_slice() {
                [one] if !one.contains(['*', '?', '!']) => one.clone(),
                [] => {
                    return Err(NotAdmitted::UnknownKey {
                        fingerprint: fingerprint.to_string(),
                        file: self.shown.clone(),
                    });
                }
                several => {
                    return Err(NotAdmitted::WhichName {
                        fingerprint: fingerprint.to_string(),
                        file: self.shown.clone(),
                        names: several.join(", "),
                    });
                }
            },
        };
        match self
            .signers
            .check(&principal, namespace, key, jiff::Timestamp::now())
        {
            Ok(()) => Ok(principal),
            Err(Refusal::UnknownKey) => Err(NotAdmitted::UnknownKey {
                fingerprint: fingerprint.to_string(),
                file: self.shown.clone(),
            }),
            Err(Refusal::Principal) => Err(NotAdmitted::OtherPerson {
                fingerprint: fingerprint.to_string(),
                principal,
                file: self.shown.clone(),
                listed_as: given.join(", "),
            }),
            Err(refusal) => Err(NotAdmitted::NotHere {
                fingerprint: fingerprint.to_string(),
                why: refusal.words(&principal, namespace, &crate::protocol::time::timestamp()),
                principal,
                file: self.shown.clone(),
            }),
        }
    }

    /// The principals the file lists for `key` (patterns as written).
    fn principals_of(&self, key: &PublicKey) -> Vec<String> {
        self.signers
            .signers
            .iter()
            .filter(|s| !s.cert_authority && s.key.key_data() == key.key_data())
            .flat_map(|s| s.principals.iter().cloned())
            .collect()
    }
}

/// Which trust root a run is held to: `--allowed-signers`, else the runbook's (relative to its
/// folder), else the person's own `$XDG_CONFIG_HOME/cutover/allowed_signers` when it exists.
pub(crate) fn choose(
    given: Option<&Path>,
    runbook_path: &Path,
    declared: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<TrustRoot>, TrustRootError> {
    if let Some(given) = given {
        return TrustRoot::load(given).map(Some);
    }
    if let Some(declared) = declared {
        let folder = runbook_path.parent().unwrap_or(Path::new("."));
        return TrustRoot::load(&folder.join(declared)).map(Some);
    }
    let config = env("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".config"))
        });
    let Some(path) = config.map(|c| c.join("cutover").join(COPY_NAME)) else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    TrustRoot::load(&path).map(Some)
}

/// The run folder's copy, checked against the SHA-256 its header recorded; `None` when the
/// run has no trust root.
pub(crate) fn of_run(
    run_dir: &Path,
    recorded: Option<&TrustRootRef>,
) -> Result<Option<TrustRoot>, TrustRootError> {
    let Some(recorded) = recorded else {
        return Ok(None);
    };
    let path = run_dir.join(&recorded.file);
    let root = TrustRoot::load(&path)?;
    if root.sha256() != recorded.sha256 {
        return Err(TrustRootError::Changed {
            found: root.sha256(),
            recorded: recorded.sha256.clone(),
            path,
        });
    }
    Ok(Some(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> ssh_key::PrivateKey {
        ssh_key::PrivateKey::new(
            ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]).into(),
            "k",
        )
        .unwrap()
    }

    fn root(lines: &str) -> TrustRoot {
        TrustRoot::from_bytes(lines.as_bytes().to_vec(), Path::new("team/allowed_signers")).unwrap()
    }

    fn line(principals: &str, seed: u8, options: &str) -> String {
        format!(
            "{principals} {options} {}\n",
            key(seed).public_key().to_openssh().unwrap()
        )
    }

    #[test]
    fn a_key_acts_as_the_principal_the_file_gives_it_and_no_other() {
        let root = root(&(line("ops-a@corp", 1, "") + &line("ops-b@corp", 2, "")));
        let a = key(1).public_key().clone();
        let c = key(3).public_key().clone();
        assert_eq!(
            root.admit(&a, None, "cutover-journal"),
            Ok("ops-a@corp".into())
        );
        assert_eq!(
            root.admit(&a, Some("ops-a@corp"), "cutover-approval"),
            Ok("ops-a@corp".into())
        );
        let refused = root
            .admit(&a, Some("ops-b@corp"), "cutover-journal")
            .unwrap_err()
            .to_string();
        assert!(refused.contains("not allowed as `ops-b@corp`"), "{refused}");
        assert!(refused.contains("team/allowed_signers"), "{refused}");
        assert!(refused.contains(&a.fingerprint(Default::default()).to_string()));
        let refused = root
            .admit(&c, Some("ops-a@corp"), "cutover-journal")
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("is not in the allowed signers"),
            "{refused}"
        );
        // Exact, as OpenSSH compares: no case folding, no prefix.
        assert!(
            root.admit(&a, Some("OPS-A@corp"), "cutover-journal")
                .is_err()
        );
        assert!(root.admit(&a, Some("ops-a"), "cutover-journal").is_err());
    }

    #[test]
    fn namespaces_bound_what_a_key_may_do() {
        let root = root(&line("ops-a@corp", 1, "namespaces=\"cutover-approval\""));
        let a = key(1).public_key().clone();
        assert!(root.admit(&a, None, "cutover-approval").is_ok());
        let refused = root
            .admit(&a, None, "cutover-journal")
            .unwrap_err()
            .to_string();
        assert!(refused.contains("namespace `cutover-journal`"), "{refused}");
    }

    #[test]
    fn a_key_listed_under_several_names_must_say_which() {
        let root = root(&line("ops-a@corp,oncall@corp", 1, ""));
        let a = key(1).public_key().clone();
        let refused = root
            .admit(&a, None, "cutover-journal")
            .unwrap_err()
            .to_string();
        assert!(refused.contains("--operator NAME"), "{refused}");
        assert_eq!(
            root.admit(&a, Some("oncall@corp"), "cutover-journal"),
            Ok("oncall@corp".into())
        );
    }

    #[test]
    fn the_flag_wins_then_the_runbook_then_the_personal_file() {
        let dir = tempfile::tempdir().unwrap();
        let runbook = dir.path().join("release.toml");
        std::fs::write(dir.path().join("team"), line("a", 1, "")).unwrap();
        std::fs::write(dir.path().join("flag"), line("b", 2, "")).unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir_all(config.join("cutover")).unwrap();
        std::fs::write(config.join("cutover/allowed_signers"), line("c", 3, "")).unwrap();
        let env = |name: &str| (name == "XDG_CONFIG_HOME").then(|| config.display().to_string());
        let chosen = |given: Option<&Path>, declared: Option<&str>| {
            choose(given, &runbook, declared, &env)
                .unwrap()
                .map(|root| root.signers.signers[0].principals[0].clone())
        };
        assert_eq!(
            chosen(Some(&dir.path().join("flag")), Some("team")),
            Some("b".into())
        );
        assert_eq!(chosen(None, Some("team")), Some("a".into()));
        assert_eq!(chosen(None, None), Some("c".into()));
        let nothing = |_: &str| None;
        assert!(choose(None, &runbook, None, &nothing).unwrap().is_none());
        assert!(choose(None, &runbook, Some("missing"), &nothing).is_err());
    }

    #[test]
    fn the_run_folder_copy_must_be_the_one_the_run_started_with() {
        let dir = tempfile::tempdir().unwrap();
        let original = root(&line("a", 1, ""));
        std::fs::write(dir.path().join(COPY_NAME), &original.bytes).unwrap();
        let recorded = original.reference();
        assert!(of_run(dir.path(), Some(&recorded)).unwrap().is_some());
        assert!(of_run(dir.path(), None).unwrap().is_none());
        std::fs::write(dir.path().join(COPY_NAME), line("a", 2, "")).unwrap();
        let refused = of_run(dir.path(), Some(&recorded)).err().unwrap();
        assert!(matches!(refused, TrustRootError::Changed { .. }));
        assert!(
            refused
                .to_string()
                .contains("not the allowed signers the run started with")
        );
    }
}
