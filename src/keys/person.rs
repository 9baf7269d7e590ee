//! The person at a run's controls: who they say they are (their principal and public key),
//! and what signs their acts. In a process with its own terminal (a headless run, a resume)
//! that person is the operator, whose key this process holds. A terminal run's engine has no
//! terminal and must not depend on anyone's agent after its header: it asks the client holding
//! the controls to sign each act with that person's own key (`live/seat_signer.rs`).

use ssh_key::PublicKey;

/// Who the person at the controls says they are: their principal and their OpenSSH public
/// key, as an `attach` entry names them.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonKey {
    pub principal: String,
    /// OpenSSH public key (`ssh-ed25519 AAAA…`).
    pub key: String,
    pub fingerprint: String,
}

impl PersonKey {
    pub fn of(principal: &str, key: &PublicKey) -> Self {
        Self {
            principal: principal.to_string(),
            key: key.to_openssh().unwrap_or_default(),
            fingerprint: key.fingerprint(Default::default()).to_string(),
        }
    }

    pub fn public_key(&self) -> Option<PublicKey> {
        PublicKey::from_openssh(&self.key).ok()
    }
}

/// Signs for whoever holds the controls right now, if anyone does and answers in time.
pub(crate) trait PersonSigner: Send {
    /// An SSHSIG blob over `message` in `namespace`, checked, with the key that made it.
    fn sign(&self, namespace: &str, message: &[u8]) -> Option<(PublicKey, Vec<u8>)>;
}
