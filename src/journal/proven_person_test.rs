//! Acts signed through the person at the controls, then verified: the attach entry proves the
//! person's key, their acts carry it, and verify refuses an attach signed by another key than
//! the one it names, or an act by a key nobody attached with.

use std::sync::{Arc, Mutex};

use ssh_key::{HashAlg, PrivateKey, PublicKey};

use crate::engine::controller_change::{ControllerChange, Seat, SeatAction};
use crate::journal::entry::{Body, ConfirmBody};
use crate::journal::test_journal::drill_journal;
use crate::journal::verify::check::{VerifyOptions, verify_bytes};
use crate::journal::verify::report::{Signer, Verdict};
use crate::keys::person::{PersonKey, PersonSigner};

fn key(seed: u8, comment: &str) -> PrivateKey {
    PrivateKey::new(
        ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]).into(),
        comment,
    )
    .unwrap()
}

/// Signs with whichever key the test puts in it (none: nobody answers).
#[derive(Clone, Default)]
struct Holder(Arc<Mutex<Option<PrivateKey>>>);

impl PersonSigner for Holder {
    fn sign(&self, namespace: &str, message: &[u8]) -> Option<(PublicKey, Vec<u8>)> {
        let key = self.0.lock().unwrap().clone()?;
        let blob = key.sign(namespace, HashAlg::Sha512, message).ok()?;
        let blob = encoded(&blob);
        Some((key.public_key().clone(), blob))
    }
}

fn attach(action: SeatAction, person: Option<&PrivateKey>) -> Body {
    Body::Attach(ControllerChange {
        at: "2026-11-28T00:00:00.000Z".into(),
        action,
        seat: Seat::default(),
        from: None,
        person: person.map(|key| PersonKey::of(key.comment(), key.public_key())),
    })
}

fn confirm() -> Body {
    Body::Confirm(ConfirmBody {
        step: "s".into(),
        note: None,
        checklist: vec![],
        via: Some(crate::protocol::decision::ConfirmVia::Terminal),
    })
}

fn signers(dir: &std::path::Path) -> (Verdict, Vec<(String, Signer)>) {
    let bytes = std::fs::read(dir.join("journal.log")).unwrap();
    let verification = verify_bytes(&bytes, dir, &VerifyOptions::default());
    let signers = verification
        .entries
        .iter()
        .map(|verified| (verified.entry.body.kind().to_string(), verified.signer))
        .collect();
    (verification.verdict, signers)
}

fn encoded(signature: &ssh_key::SshSig) -> Vec<u8> {
    let mut blob = Vec::new();
    ssh_encoding::Encode::encode(signature, &mut blob).unwrap();
    blob
}

#[test]
fn the_person_at_the_controls_signs_their_acts_and_nobody_else_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = drill_journal(dir.path());
    let holder = Holder::default();
    journal.sign_acts_with(Box::new(holder.clone()));
    let alice = key(1, "alice");
    let bob = key(2, "bob");

    *holder.0.lock().unwrap() = Some(alice.clone());
    journal
        .append_act(attach(SeatAction::Attach, Some(&alice)))
        .unwrap();
    journal.append_act(confirm()).unwrap();
    // Bob's client holds the seat, but nothing he signed attached him: his signature on an
    // act is not taken, the session key signs it.
    *holder.0.lock().unwrap() = Some(bob.clone());
    journal.append_act(confirm()).unwrap();
    // An attach naming Bob, signed by Bob: his acts are his from now on.
    journal
        .append_act(attach(SeatAction::Takeover, Some(&bob)))
        .unwrap();
    journal.append_act(confirm()).unwrap();
    // He leaves; nobody answers any more.
    journal.append(attach(SeatAction::Detach, None)).unwrap();
    *holder.0.lock().unwrap() = None;
    journal.append_act(confirm()).unwrap();

    let (verdict, signers) = signers(dir.path());
    assert_eq!(verdict, Verdict::Incomplete, "{signers:?}");
    let kinds: Vec<(&str, Signer)> = signers
        .iter()
        .skip(1)
        .filter(|(kind, _)| kind != "checkpoint")
        .map(|(kind, signer)| (kind.as_str(), *signer))
        .collect();
    assert_eq!(
        kinds,
        [
            ("attach", Signer::Person),
            ("confirm", Signer::Person),
            ("confirm", Signer::Session),
            ("attach", Signer::Person),
            ("confirm", Signer::Person),
            ("attach", Signer::Session),
            ("confirm", Signer::Session),
        ]
    );
}

#[test]
fn an_attach_signed_by_another_key_than_it_names_proves_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = drill_journal(dir.path());
    let holder = Holder::default();
    journal.sign_acts_with(Box::new(holder.clone()));
    let alice = key(1, "alice");
    let mallory = key(3, "mallory");
    // Mallory's client claims to be Alice: the engine does not take its signature.
    *holder.0.lock().unwrap() = Some(mallory);
    journal
        .append_act(attach(SeatAction::Attach, Some(&alice)))
        .unwrap();
    journal.append_act(confirm()).unwrap();
    let (verdict, signers) = signers(dir.path());
    assert_eq!(verdict, Verdict::Incomplete);
    assert!(
        signers
            .iter()
            .skip(1)
            .all(|(_, signer)| *signer == Signer::Session),
        "{signers:?}"
    );
}

#[test]
fn an_attach_nobody_signed_is_journaled_without_a_name_and_a_forged_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = drill_journal(dir.path());
    let holder = Holder::default();
    journal.sign_acts_with(Box::new(holder.clone()));
    let alice = key(1, "alice");
    // Nobody answers for Alice: the engine writes the attach, naming no one.
    journal
        .append_act(attach(SeatAction::Attach, Some(&alice)))
        .unwrap();
    let text = std::fs::read_to_string(dir.path().join("journal.log")).unwrap();
    assert!(!text.contains("\"principal\":\"alice\""), "{text}");
    let (verdict, _) = signers(dir.path());
    assert_eq!(verdict, Verdict::Incomplete);
    // An attach naming Alice under the session key, as a forger would write it.
    journal
        .append(attach(SeatAction::Takeover, Some(&alice)))
        .unwrap();
    let bytes = std::fs::read(dir.path().join("journal.log")).unwrap();
    let verification = verify_bytes(&bytes, dir.path(), &VerifyOptions::default());
    let found = verification.error.expect("refused");
    assert_eq!(found.code, "E_SIGNER", "{}", found.message);
    assert!(found.message.contains("nobody proved"), "{}", found.message);
}
