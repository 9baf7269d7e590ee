//! A person proves they hold the key they name before they get a seat at a run's controls:
//! the engine draws a fresh nonce, the client signs a statement of it — the run, its session,
//! the socket it connected to and its own uid — in a namespace of its own, and the engine
//! checks that signature before anything is journaled in that person's name. Naming someone
//! else's public key gets no seat as them.
//!
//! The namespace is used for nothing else, so this signature can never pass as a journal
//! entry or an approval; the socket path and the uid (which the engine reads from the
//! connection itself) keep a proof made for one socket from being relayed to another.

use ssh_key::PublicKey;

use crate::keys::sshsig::signed_by;

/// The namespace seat proofs are signed in.
pub(crate) const NAMESPACE: &str = "cutover-seat";

/// What the engine asks a client to prove, and where.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Challenge {
    pub run_id: String,
    /// The journal session the person's acts will be signed in.
    pub session: String,
    /// Random, drawn for this connection.
    pub nonce: String,
}

/// The exact bytes signed: the challenge, the socket the client connected to and its uid.
pub(crate) fn statement(challenge: &Challenge, socket: &str, uid: u32) -> String {
    format!(
        "cutover seat v1\nrun: {}\nsession: {}\nsocket: {socket}\nuid: {uid}\nnonce: {}\n",
        challenge.run_id, challenge.session, challenge.nonce
    )
}

/// Whether `blob` proves `key` for `challenge`, made by a client of `uid` on one of `sockets`.
pub(crate) fn proves(
    key: &PublicKey,
    challenge: &Challenge,
    sockets: &[String],
    uid: u32,
    blob: &[u8],
) -> bool {
    sockets.iter().any(|socket| {
        signed_by(
            blob,
            NAMESPACE,
            statement(challenge, socket, uid).as_bytes(),
        )
        .is_some_and(|signer| signer.key_data() == key.key_data())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::{HashAlg, PrivateKey};

    fn key(seed: u8) -> PrivateKey {
        PrivateKey::new(
            ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]).into(),
            "k",
        )
        .unwrap()
    }

    fn sign(key: &PrivateKey, namespace: &str, text: &str) -> Vec<u8> {
        let signature = key
            .sign(namespace, HashAlg::Sha512, text.as_bytes())
            .unwrap();
        let mut blob = Vec::new();
        ssh_encoding::Encode::encode(&signature, &mut blob).unwrap();
        blob
    }

    #[test]
    fn only_the_named_key_over_this_challenge_socket_and_uid_proves_anything() {
        let alice = key(1);
        let mallory = key(2);
        let challenge = Challenge {
            run_id: "r".into(),
            session: "s".into(),
            nonce: "n1".into(),
        };
        let sockets = vec!["/runs/r/engine.sock".to_string()];
        let text = statement(&challenge, &sockets[0], 1000);
        let good = sign(&alice, NAMESPACE, &text);
        let public = alice.public_key().clone();
        assert!(proves(&public, &challenge, &sockets, 1000, &good));
        assert!(
            !proves(&public, &challenge, &sockets, 1001, &good),
            "another uid"
        );
        let elsewhere = vec!["/tmp/planted.sock".to_string()];
        assert!(
            !proves(&public, &challenge, &elsewhere, 1000, &good),
            "another socket"
        );
        let later = Challenge {
            nonce: "n2".into(),
            ..challenge.clone()
        };
        assert!(!proves(&public, &later, &sockets, 1000, &good), "a replay");
        let forged = sign(&mallory, NAMESPACE, &text);
        assert!(
            !proves(&public, &challenge, &sockets, 1000, &forged),
            "another key"
        );
        let journal = sign(&alice, "cutover-drill", &text);
        assert!(
            !proves(&public, &challenge, &sockets, 1000, &journal),
            "another namespace"
        );
    }
}
