//! The operator's key: it signs the header, checkpoints, resume entries and the footer (SSHSIG,
//! SHA-512), so that the journal says who ran the release.
//!
//! Where it comes from, in order: `--key FILE` (an OpenSSH private key, refused when group- or
//! world-readable, as ssh does), else the first key of the ssh-agent (`SSH_AUTH_SOCK`), else —
//! for drills and dry runs only — a local drill key under `$XDG_CONFIG_HOME/cutover/`, created on
//! first use. cutover signs with Ed25519 keys.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ssh_key::private::Ed25519Keypair;
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use super::random::random_bytes;

type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Why no operator key could be used or sign. Messages read after "failed to" and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("read the key {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("use the key {}: its permissions {mode:04o} are too open and other users could sign as you; run `chmod 600 {}`", path.display(), path.display())]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("read the key {}: it is not an OpenSSH private key", path.display())]
    NotOpenssh {
        path: PathBuf,
        #[source]
        source: ssh_key::Error,
    },
    #[error("use the key {}: it is protected by a passphrase; load it into the agent with `ssh-add {}` and leave out --key", path.display(), path.display())]
    Encrypted { path: PathBuf },
    #[error(
        "use the key {location}: it is {algorithm}, and cutover signs with Ed25519 keys (`ssh-keygen -t ed25519`)"
    )]
    NotEd25519 {
        location: String,
        algorithm: ssh_key::Algorithm,
    },
    #[error("reach the ssh-agent at {}", socket.display())]
    AgentUnreachable {
        socket: PathBuf,
        #[source]
        source: Cause,
    },
    #[error("list the ssh-agent's keys")]
    AgentList(#[source] Cause),
    #[error("find an operator key: the ssh-agent holds no key; `ssh-add` one, or pass --key FILE")]
    AgentEmpty,
    #[error(
        "use the ssh-agent's first key: it is {0}, and cutover signs with Ed25519 keys; `ssh-add` an Ed25519 key first, or pass --key FILE"
    )]
    AgentNotEd25519(ssh_key::Algorithm),
    #[error(
        "find an operator key: a production run needs one (a runbook runs as production unless it says `environment = \"drill\"` or the run is started with --drill or --dry-run); start ssh-agent and `ssh-add` your Ed25519 key, or pass --key FILE"
    )]
    NoProductionKey,
    #[error(
        "find a place for the drill key: neither $XDG_CONFIG_HOME nor $HOME is set; pass --key FILE"
    )]
    NoConfigDir,
    #[error("write the drill key {}", path.display())]
    WriteDrillKey {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("make the drill key")]
    MakeDrillKey(#[source] Cause),
    #[error("sign with the operator key")]
    Sign(#[source] Cause),
}

enum Signer {
    File(Box<PrivateKey>),
    Agent { socket: PathBuf },
}

pub struct OperatorKey {
    signer: Signer,
    pub public: PublicKey,
    /// `file`, `agent` or `drill-key`.
    pub source: &'static str,
    /// Where the key came from, for the start screen.
    pub location: String,
}

impl OperatorKey {
    /// Loads an OpenSSH private key file, refusing loose permissions.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let read_error = |source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(read_error)?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::TooOpen {
                path: path.to_path_buf(),
                mode,
            });
        }
        let text = std::fs::read_to_string(path).map_err(read_error)?;
        let key = PrivateKey::from_openssh(&text).map_err(|source| KeyError::NotOpenssh {
            path: path.to_path_buf(),
            source,
        })?;
        if key.is_encrypted() {
            return Err(KeyError::Encrypted {
                path: path.to_path_buf(),
            });
        }
        Self::from_private(key, "file", path.display().to_string())
    }

    fn from_private(
        key: PrivateKey,
        source: &'static str,
        location: String,
    ) -> Result<Self, KeyError> {
        if key.algorithm() != ssh_key::Algorithm::Ed25519 {
            return Err(KeyError::NotEd25519 {
                location,
                algorithm: key.algorithm(),
            });
        }
        Ok(Self {
            public: key.public_key().clone(),
            signer: Signer::File(Box::new(key)),
            source,
            location,
        })
    }

    /// The first Ed25519 key of the ssh-agent at `socket`.
    pub fn from_agent(socket: &Path) -> Result<Self, KeyError> {
        let mut client = ssh_agent_client_rs::Client::connect(socket).map_err(|err| {
            KeyError::AgentUnreachable {
                socket: socket.to_path_buf(),
                source: err.into(),
            }
        })?;
        let identities = client
            .list_all_identities()
            .map_err(|err| KeyError::AgentList(err.into()))?;
        let first = identities.into_iter().find_map(|identity| match identity {
            ssh_agent_client_rs::Identity::PublicKey(key) => Some(key.into_owned()),
            ssh_agent_client_rs::Identity::Certificate(_) => None,
        });
        let Some(public) = first else {
            return Err(KeyError::AgentEmpty);
        };
        if public.algorithm() != ssh_key::Algorithm::Ed25519 {
            return Err(KeyError::AgentNotEd25519(public.algorithm()));
        }
        Ok(Self {
            public,
            signer: Signer::Agent {
                socket: socket.to_path_buf(),
            },
            source: "agent",
            location: socket.display().to_string(),
        })
    }

    /// The local drill key, created on first use. Only for drills and dry runs.
    pub fn drill_key(config_dir: &Path) -> Result<Self, KeyError> {
        let dir = config_dir.join("cutover");
        let path = dir.join("drill_ed25519");
        if !path.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(|source| KeyError::WriteDrillKey {
                    path: path.clone(),
                    source,
                })?;
            let seed = random_bytes::<32>().map_err(|err| KeyError::MakeDrillKey(err.into()))?;
            let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
            let key = PrivateKey::new(
                Ed25519Keypair::from_seed(&seed).into(),
                format!("{user}@drill"),
            )
            .map_err(|err| KeyError::MakeDrillKey(err.into()))?;
            let text = key
                .to_openssh(LineEnding::LF)
                .map_err(|err| KeyError::MakeDrillKey(err.into()))?;
            publish_new_key(&dir, &path, text.as_bytes())?;
        }
        let mut key = Self::from_file(&path)?;
        key.source = "drill-key";
        Ok(key)
    }

    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        self.public.fingerprint(HashAlg::Sha256).to_string()
    }

    /// The public key in OpenSSH format, without its comment.
    pub fn public_openssh(&self) -> String {
        let mut public = self.public.clone();
        public.set_comment("");
        public.to_openssh().unwrap_or_default().trim().to_string()
    }

    pub fn comment(&self) -> &str {
        self.public.comment()
    }

    /// Signs `message` as SSHSIG (SHA-512) in `namespace`; returns the binary blob.
    pub fn sign(&self, namespace: &str, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let signature = match &self.signer {
            Signer::File(key) => key
                .sign(namespace, HashAlg::Sha512, message)
                .map_err(|err| KeyError::Sign(err.into()))?,
            Signer::Agent { socket } => {
                let data = SshSig::signed_data(namespace, HashAlg::Sha512, message)
                    .map_err(|err| KeyError::Sign(err.into()))?;
                let mut client = ssh_agent_client_rs::Client::connect(socket).map_err(|err| {
                    KeyError::AgentUnreachable {
                        socket: socket.clone(),
                        source: err.into(),
                    }
                })?;
                let raw = client
                    .sign(self.public.clone(), &data)
                    .map_err(|err| KeyError::Sign(err.into()))?;
                SshSig::new(
                    self.public.key_data().clone(),
                    namespace,
                    HashAlg::Sha512,
                    raw,
                )
                .map_err(|err| KeyError::Sign(err.into()))?
            }
        };
        let mut blob = Vec::new();
        ssh_encoding::Encode::encode(&signature, &mut blob)
            .map_err(|err| KeyError::Sign(err.into()))?;
        Ok(blob)
    }
}

/// Writes a new key beside `path` under a unique temporary name, syncs it, and links it into
/// place. Two first drills racing on a fresh machine both make a key; the first link wins and
/// the other process, on `EEXIST`, discards its own and uses the winner's. Nobody can ever read
/// a key file half written, as they could when the key was written at its final name.
fn publish_new_key(dir: &Path, path: &Path, text: &[u8]) -> Result<(), KeyError> {
    let write_error = |source| KeyError::WriteDrillKey {
        path: path.to_path_buf(),
        source,
    };
    let staging = tempfile::Builder::new()
        .prefix(".drill_ed25519.")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(write_error)?;
    let mut file = staging.as_file();
    std::io::Write::write_all(&mut file, text)
        .and_then(|()| file.sync_all())
        .map_err(write_error)?;
    match std::fs::hard_link(staging.path(), path) {
        Ok(()) => std::fs::File::open(dir)
            .and_then(|folder| folder.sync_all())
            .map_err(write_error),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(write_error(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_drills_racing_on_a_fresh_machine_all_get_the_same_drill_key() {
        for _trial in 0..20 {
            let config = tempfile::tempdir().unwrap();
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let racers: Vec<_> = (0..8)
                .map(|_| {
                    let dir = config.path().to_path_buf();
                    let barrier = barrier.clone();
                    std::thread::spawn(move || {
                        barrier.wait();
                        OperatorKey::drill_key(&dir).map(|key| key.fingerprint())
                    })
                })
                .collect();
            let prints: Vec<String> = racers
                .into_iter()
                .map(|racer| racer.join().unwrap().expect("every racer gets a key"))
                .collect();
            assert!(prints.iter().all(|p| p == &prints[0]), "{prints:?}");
            let leftovers: Vec<_> = std::fs::read_dir(config.path().join("cutover"))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(leftovers, vec![std::ffi::OsString::from("drill_ed25519")]);
        }
    }
}
