//! What a person's client agrees to sign for the engine it attached to. The engine asks the
//! client holding the controls to sign the journal entry of each act of its person; whoever
//! serves that socket — the real engine, or someone who planted a socket where one was
//! expected — must get nothing else out of the person's key. So the client signs only:
//!
//! - in its run's journal namespace (never `cutover-approval`: `cutover approve` alone signs
//!   approvals, after the person has read the statement);
//! - bytes that parse as one journal entry of the session its challenge named;
//! - its own attach (naming its own key), once; an act it sent itself (`live/acts.rs`), once
//!   each; the checkpoint that directly follows an entry it signed (the seq after it, chained
//!   to that very line); the footer of a run it ended (it aborted or rolled back).
//!
//! Anything else is refused: the person is told, and the connection closes.

use sha2::{Digest, Sha256};

use super::acts::SentActs;
use crate::engine::control::Control;
use crate::engine::controller_change::SeatAction;
use crate::journal::entry::{Body, Entry};
use crate::keys::person::PersonKey;
use crate::protocol::decision::Decision;
use crate::protocol::encoding::hex;
use crate::protocol::status::RunStatus;

/// The client's memory of what it sent and signed, for one connection.
pub(crate) struct SigningPolicy {
    namespace: String,
    session: String,
    person: PersonKey,
    sent: SentActs,
    attach_signed: bool,
    /// The seq of the last entry signed and the SHA-256 of its whole line.
    last_signed: Option<(u64, String)>,
    /// The person aborted or rolled back: the footer that closes the run is theirs.
    ended_run: bool,
}

/// Why a client refused to sign what its engine asked; said to the person, and the
/// connection closes.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SignRefusal {
    #[error("it asked a client that signs nothing for a signature")]
    NoKey,
    #[error("it asked for a signature over bytes that are not base64")]
    NotBase64,
    #[error(
        "it asked for a signature in namespace `{asked}`; this run's journal is signed in `{run}`, and approvals only by `cutover approve`"
    )]
    Namespace { asked: String, run: String },
    #[error("it asked for a signature over bytes that are not one journal entry")]
    NotAnEntry,
    #[error(
        "it asked for a signature over an entry of session {asked}, not of this run's session {run}"
    )]
    OtherSession { asked: String, run: String },
    #[error(
        "it asked for a signature over a `{kind}` entry (seq {seq}) that is not something you did here"
    )]
    NotYourAct { kind: String, seq: u64 },
}

impl SigningPolicy {
    pub(crate) fn new(namespace: &str, session: &str, person: PersonKey) -> Self {
        Self {
            namespace: namespace.to_string(),
            session: session.to_string(),
            person,
            sent: SentActs::default(),
            attach_signed: false,
            last_signed: None,
            ended_run: false,
        }
    }

    /// The person sent `control` to the engine.
    pub(crate) fn sent(&mut self, control: &Control) {
        self.sent.push(control);
    }

    /// Whether to sign `message` in `namespace`: `Err` says why not, to the person.
    pub(crate) fn judge(&mut self, namespace: &str, message: &[u8]) -> Result<(), SignRefusal> {
        if namespace != self.namespace {
            return Err(SignRefusal::Namespace {
                asked: namespace.to_string(),
                run: self.namespace.clone(),
            });
        }
        let entry = message
            .strip_suffix(b"\n")
            .and_then(|json| std::str::from_utf8(json).ok())
            .and_then(|json| Entry::parse(json).ok())
            .ok_or(SignRefusal::NotAnEntry)?;
        if entry.sid != self.session {
            return Err(SignRefusal::OtherSession {
                asked: entry.sid,
                run: self.session.clone(),
            });
        }
        let allowed = match &entry.body {
            Body::Attach(change) => {
                let own = change
                    .person
                    .as_ref()
                    .is_some_and(|person| person.key == self.person.key);
                let first = !self.attach_signed;
                self.attach_signed = true;
                own && first && change.action != SeatAction::Detach
            }
            Body::Checkpoint(_) => self
                .last_signed
                .as_ref()
                .is_some_and(|(seq, line)| entry.seq == seq + 1 && entry.prev == *line),
            Body::Footer(footer) => {
                self.ended_run
                    && matches!(footer.status, RunStatus::Aborted | RunStatus::RolledBack)
            }
            body @ (Body::Confirm(_) | Body::Decision(_) | Body::Note(_) | Body::Input(_)) => {
                let did = self.sent.take(body);
                if did && let Body::Decision(decision) = body {
                    self.ended_run |=
                        matches!(decision.decision, Decision::Abort | Decision::Rollback);
                }
                did
            }
            _ => false,
        };
        if !allowed {
            return Err(SignRefusal::NotYourAct {
                kind: entry.body.kind().to_string(),
                seq: entry.seq,
            });
        }
        Ok(())
    }

    /// `message` was signed with `signature` (the journal line's second column): the next
    /// checkpoint may follow it.
    pub(crate) fn signed(&mut self, message: &[u8], signature: &str) {
        let Some(json) = message.strip_suffix(b"\n") else {
            return;
        };
        let Some(seq) = std::str::from_utf8(json)
            .ok()
            .and_then(|json| Entry::parse(json).ok())
            .map(|entry| entry.seq)
        else {
            return;
        };
        let mut line = json.to_vec();
        line.push(b'\t');
        line.extend_from_slice(signature.as_bytes());
        line.push(b'\n');
        self.last_signed = Some((seq, hex(&Sha256::digest(&line))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::controller_change::{ControllerChange, Seat};
    use crate::journal::entry::{CheckpointBody, CheckpointReason, ConfirmBody, NoteBody};
    use crate::protocol::decision::ConfirmVia;

    fn person(seed: u8) -> PersonKey {
        let key = ssh_key::PrivateKey::new(
            ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]).into(),
            "k",
        )
        .unwrap();
        PersonKey::of("alice", key.public_key())
    }

    fn message(seq: u64, prev: &str, sid: &str, body: Body) -> Vec<u8> {
        let json = Entry {
            v: 1,
            sid: sid.into(),
            seq,
            prev: prev.into(),
            ts: "2026-12-07T00:00:00.000Z".into(),
            body,
        }
        .to_json();
        format!("{json}\n").into_bytes()
    }

    fn attach(who: PersonKey) -> Body {
        Body::Attach(ControllerChange {
            at: String::new(),
            action: SeatAction::Attach,
            seat: Seat::default(),
            from: None,
            person: Some(who),
        })
    }

    fn confirm() -> Body {
        Body::Confirm(ConfirmBody {
            step: "check".into(),
            note: None,
            checklist: vec!["Dashboard green".into()],
            via: Some(ConfirmVia::Terminal),
        })
    }

    #[test]
    fn it_signs_its_attach_its_acts_and_the_checkpoint_after_them_only() {
        let mut policy = SigningPolicy::new("cutover-drill", "s1", person(1));
        let own = message(5, "p", "s1", attach(person(1)));
        assert_eq!(policy.judge("cutover-drill", &own), Ok(()));
        assert!(
            policy.judge("cutover-drill", &own).is_err(),
            "its attach once"
        );
        // A confirmation it never sent.
        let confirmation = message(6, "p", "s1", confirm());
        let refused = policy.judge("cutover-drill", &confirmation).unwrap_err();
        assert!(
            refused.to_string().contains("not something you did"),
            "{refused}"
        );
        policy.sent(&Control::Confirm {
            checklist: vec!["Dashboard green".into()],
            note: None,
            via: ConfirmVia::Terminal,
        });
        assert_eq!(policy.judge("cutover-drill", &confirmation), Ok(()));
        policy.signed(&confirmation, "sshsig:AAAA");
        let mut line = confirmation.clone();
        line.pop();
        line.extend_from_slice(b"\tsshsig:AAAA\n");
        let chained = hex(&Sha256::digest(&line));
        let checkpoint = |seq, prev: &str| {
            message(
                seq,
                prev,
                "s1",
                Body::Checkpoint(CheckpointBody::new(
                    (seq - 1, 1, "x".into()),
                    CheckpointReason::Confirm,
                )),
            )
        };
        assert!(
            policy
                .judge("cutover-drill", &checkpoint(8, &chained))
                .is_err()
        );
        assert!(
            policy
                .judge("cutover-drill", &checkpoint(7, "other"))
                .is_err()
        );
        assert_eq!(
            policy.judge("cutover-drill", &checkpoint(7, &chained)),
            Ok(())
        );
    }

    #[test]
    fn another_namespace_session_or_person_is_refused() {
        let mut policy = SigningPolicy::new("cutover-drill", "s1", person(1));
        policy.sent(&Control::Note {
            step: None,
            text: "hello".into(),
        });
        let note = Body::Note(NoteBody {
            step: None,
            text: "hello".into(),
        });
        let refused = policy
            .judge("cutover-approval", &message(3, "p", "s1", note.clone()))
            .unwrap_err();
        assert!(refused.to_string().contains("cutover approve"), "{refused}");
        let refused = policy
            .judge("cutover-drill", &message(3, "p", "s2", note.clone()))
            .unwrap_err();
        assert!(refused.to_string().contains("session s2"), "{refused}");
        assert!(
            policy
                .judge("cutover-drill", b"cutover approval v2\nrun: x\n")
                .is_err()
        );
        assert!(
            policy
                .judge("cutover-drill", &message(3, "p", "s1", attach(person(2))))
                .is_err(),
            "someone else's attach"
        );
        assert_eq!(
            policy.judge("cutover-drill", &message(3, "p", "s1", note)),
            Ok(())
        );
    }
}
