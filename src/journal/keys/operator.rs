//! The operator's key: it signs the header, checkpoints, resume entries and the footer (SSHSIG,
//! SHA-512), so that the journal says who ran the release.
//!
//! Where it comes from, in order: `--key FILE` (an OpenSSH private key, refused when group- or
//! world-readable, as ssh does), else the first key of the ssh-agent (`SSH_AUTH_SOCK`), else —
//! for drills and dry runs only — a local drill key under `$XDG_CONFIG_HOME/cutover/`, created on
//! first use. cutover signs with Ed25519 keys.

use std::fmt;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ssh_key::private::Ed25519Keypair;
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use super::random::random_bytes;

/// Why no operator key could be used. Every message says what to do.
#[derive(Debug)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

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
        let metadata = std::fs::metadata(path)
            .map_err(|err| KeyError(format!("cannot read key {}: {err}", path.display())))?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError(format!(
                "permissions {mode:04o} for key {} are too open: other users could sign as you; run `chmod 600 {}`",
                path.display(),
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|err| KeyError(format!("cannot read key {}: {err}", path.display())))?;
        let key = PrivateKey::from_openssh(&text).map_err(|err| {
            KeyError(format!(
                "{} is not an OpenSSH private key: {err}",
                path.display()
            ))
        })?;
        if key.is_encrypted() {
            return Err(KeyError(format!(
                "key {} is protected by a passphrase: load it into the agent with `ssh-add {}` and leave out --key",
                path.display(),
                path.display()
            )));
        }
        Self::from_private(key, "file", path.display().to_string())
    }

    fn from_private(
        key: PrivateKey,
        source: &'static str,
        location: String,
    ) -> Result<Self, KeyError> {
        if key.algorithm() != ssh_key::Algorithm::Ed25519 {
            return Err(KeyError(format!(
                "key {location} is {}; cutover signs with Ed25519 keys (`ssh-keygen -t ed25519`)",
                key.algorithm()
            )));
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
            KeyError(format!(
                "cannot reach the ssh-agent at {}: {err}",
                socket.display()
            ))
        })?;
        let identities = client
            .list_all_identities()
            .map_err(|err| KeyError(format!("the ssh-agent did not list its keys: {err}")))?;
        let first = identities.into_iter().find_map(|identity| match identity {
            ssh_agent_client_rs::Identity::PublicKey(key) => Some(key.into_owned()),
            ssh_agent_client_rs::Identity::Certificate(_) => None,
        });
        let Some(public) = first else {
            return Err(KeyError(
                "the ssh-agent holds no key: `ssh-add` one, or pass --key FILE".into(),
            ));
        };
        if public.algorithm() != ssh_key::Algorithm::Ed25519 {
            return Err(KeyError(format!(
                "the ssh-agent's first key is {}; cutover signs with Ed25519 keys: `ssh-add` an Ed25519 key first, or pass --key FILE",
                public.algorithm()
            )));
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
                .map_err(|err| KeyError(format!("cannot create {}: {err}", dir.display())))?;
            let seed =
                random_bytes::<32>().map_err(|err| KeyError(format!("no randomness: {err}")))?;
            let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
            let key = PrivateKey::new(
                Ed25519Keypair::from_seed(&seed).into(),
                format!("{user}@drill"),
            )
            .map_err(|err| KeyError(format!("cannot make the drill key: {err}")))?;
            let text = key
                .to_openssh(LineEnding::LF)
                .map_err(|err| KeyError(format!("cannot encode the drill key: {err}")))?;
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
                .map_err(|err| KeyError(format!("cannot sign: {err}")))?,
            Signer::Agent { socket } => {
                let data = SshSig::signed_data(namespace, HashAlg::Sha512, message)
                    .map_err(|err| KeyError(format!("cannot sign: {err}")))?;
                let mut client = ssh_agent_client_rs::Client::connect(socket)
                    .map_err(|err| KeyError(format!("the ssh-agent went away: {err}")))?;
                let raw = client
                    .sign(self.public.clone(), &data)
                    .map_err(|err| KeyError(format!("the ssh-agent refused to sign: {err}")))?;
                SshSig::new(
                    self.public.key_data().clone(),
                    namespace,
                    HashAlg::Sha512,
                    raw,
                )
                .map_err(|err| KeyError(format!("cannot sign: {err}")))?
            }
        };
        let mut blob = Vec::new();
        ssh_encoding::Encode::encode(&signature, &mut blob)
            .map_err(|err| KeyError(format!("cannot encode the signature: {err}")))?;
        Ok(blob)
    }
}

/// Writes a new key beside `path` under a unique temporary name, syncs it, and links it into
/// place. Two first drills racing on a fresh machine both make a key; the first link wins and
/// the other process, on `EEXIST`, discards its own and uses the winner's. Nobody can ever read
/// a key file half written, as they could when the key was written at its final name.
fn publish_new_key(dir: &Path, path: &Path, text: &[u8]) -> Result<(), KeyError> {
    let write_error =
        |err: std::io::Error| KeyError(format!("cannot write {}: {err}", path.display()));
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
