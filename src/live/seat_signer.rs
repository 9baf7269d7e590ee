//! The engine's way to have a person's act signed by that person: the journal asks
//! ([`PersonSigner`]), the request goes to the client holding the controls as a `sign` frame,
//! the client signs with its own key (agent or file, in its own process) and answers. The
//! answer is checked here — the key the client announced, the namespace, the signature over
//! the exact bytes — before the journal uses it; no answer in time, or a wrong one, and the
//! journal signs with the session key instead.
//!
//! The journal asks from the engine's thread and waits (acts come at a person's pace); the
//! socket is served from its own thread, so the wait never blocks the exchange it waits for.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ssh_key::PublicKey;
use tokio::sync::mpsc;

use crate::journal::keys::person::PersonSigner;

/// How long a person's client has to sign an act: an agent answers in milliseconds; a
/// hardware key waits for a touch.
const SIGN_TIMEOUT: Duration = Duration::from_secs(10);

/// One signature asked of the client holding the controls.
pub(crate) struct SignRequest {
    pub namespace: String,
    pub message: Vec<u8>,
    pub answer: std::sync::mpsc::Sender<Vec<u8>>,
}

/// The holder's key and the way to its connection, while someone holds the controls.
pub(crate) struct SignLink {
    pub key: PublicKey,
    pub ask: mpsc::UnboundedSender<SignRequest>,
}

/// Shared by the seat (which sets and clears the link) and the journal (which signs through it).
pub(crate) type SharedLink = Arc<Mutex<Option<SignLink>>>;

pub(crate) struct SeatSigner {
    pub link: SharedLink,
}

impl PersonSigner for SeatSigner {
    fn sign(&self, namespace: &str, message: &[u8]) -> Option<(PublicKey, Vec<u8>)> {
        let (key, ask) = {
            let link = self.link.lock().expect("never poisoned");
            let link = link.as_ref()?;
            (link.key.clone(), link.ask.clone())
        };
        let (answer, answered) = std::sync::mpsc::channel();
        ask.send(SignRequest {
            namespace: namespace.to_string(),
            message: message.to_vec(),
            answer,
        })
        .ok()?;
        let blob = answered.recv_timeout(SIGN_TIMEOUT).ok()?;
        checked(&key, namespace, message, &blob).then_some((key, blob))
    }
}

/// The blob is an SSHSIG by `key`, in `namespace`, over exactly `message`.
pub(crate) fn checked(key: &PublicKey, namespace: &str, message: &[u8], blob: &[u8]) -> bool {
    crate::journal::keys::sshsig::signed_by(blob, namespace, message)
        .is_some_and(|signer| signer.key_data() == key.key_data())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::{HashAlg, PrivateKey};

    fn key(seed: u8) -> PrivateKey {
        PrivateKey::new(
            ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]).into(),
            "test",
        )
        .unwrap()
    }

    fn encoded(signature: &ssh_key::SshSig) -> Vec<u8> {
        let mut blob = Vec::new();
        ssh_encoding::Encode::encode(signature, &mut blob).unwrap();
        blob
    }

    #[test]
    fn only_the_announced_key_over_the_exact_bytes_in_the_namespace_counts() {
        let alice = key(1);
        let mallory = key(2);
        let message = b"{\"seq\":3}\n";
        let good = alice
            .sign("cutover-drill", HashAlg::Sha512, message)
            .unwrap();
        let good = encoded(&good);
        let public = alice.public_key().clone();
        assert!(checked(&public, "cutover-drill", message, &good));
        assert!(!checked(&public, "cutover-journal", message, &good));
        assert!(!checked(&public, "cutover-drill", b"{\"seq\":4}\n", &good));
        let other = mallory
            .sign("cutover-drill", HashAlg::Sha512, message)
            .unwrap();
        let other = encoded(&other);
        assert!(!checked(&public, "cutover-drill", message, &other));
        assert!(!checked(&public, "cutover-drill", message, b"garbage"));
    }
}
