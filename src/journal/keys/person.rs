//! The person at a run's controls, as the journal signs their acts. In a process with its own
//! terminal (a headless run, a resume) that person is the operator, whose key this process
//! holds. A terminal run's engine has no terminal and must not depend on anyone's agent after
//! its header: it asks the client holding the controls to sign each act with that person's
//! own key (`live/seat_signer.rs`), and signs with the session key what nobody signed.

use ssh_key::PublicKey;

use crate::journal::entry::Body;

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
pub trait PersonSigner: Send {
    /// An SSHSIG blob over `message` in `namespace`, checked, with the key that made it.
    fn sign(&self, namespace: &str, message: &[u8]) -> Option<(PublicKey, Vec<u8>)>;
}

/// The journal's memory of the person whose key its acts are signed with: set by an `attach`
/// entry that person signed, cleared by a detach. An act is signed by the person at the
/// controls only when they are that person; otherwise by the session key.
#[derive(Default)]
pub(crate) struct ProvenPerson {
    key: Option<PublicKey>,
}

impl ProvenPerson {
    /// The signature to put on `body`, if the person signing now may sign it.
    pub(crate) fn accept(
        &mut self,
        body: &Body,
        signed: Option<(PublicKey, Vec<u8>)>,
    ) -> Option<Vec<u8>> {
        use crate::engine::controller_change::SeatAction;
        if let Body::Attach(change) = body {
            if change.action == SeatAction::Detach {
                self.key = None;
                return None;
            }
            // An attach is signed by the key it names, or the person is not proven.
            let named = change.person.as_ref().and_then(PersonKey::public_key);
            let proven = match (signed, named) {
                (Some((key, blob)), Some(named)) if key.key_data() == named.key_data() => {
                    self.key = Some(key);
                    Some(blob)
                }
                _ => {
                    self.key = None;
                    None
                }
            };
            return proven;
        }
        match (signed, &self.key) {
            (Some((key, blob)), Some(proven)) if key.key_data() == proven.key_data() => Some(blob),
            _ => None,
        }
    }
}
