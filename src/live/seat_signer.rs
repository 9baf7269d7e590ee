//! The engine's way to have a person's act signed by that person: the journal asks
//! ([`PersonSigner`]), the request goes to the client holding the controls as a `sign` frame,
//! the client signs with its own key (agent or file, in its own process) and answers. The
//! answer is checked here — the key the client proved, the namespace, the signature over the
//! exact bytes — before the journal uses it.
//!
//! Only what that person did is asked of them: their attach, an act their seat sent
//! (`live/acts.rs`), the checkpoint right after an entry they signed, the footer of a run they
//! ended. Everything else — an abort from SIGTERM, a policy's decision — is the engine's, and
//! the session key signs it without asking anyone.
//!
//! The journal asks from a thread that may wait (the emitter runs a batch holding a person's
//! act off the engine's thread), for at most [`SIGN_TIMEOUT`]. A client that lets a request
//! expire is asked no more and loses the seat; when the run is being stopped (SIGTERM,
//! Ctrl-C), a pending request is given up at once and nobody is asked again.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ssh_key::PublicKey;
use tokio::sync::mpsc;

use super::acts::SentActs;
use crate::engine::controller_change::SeatAction;
use crate::journal::entry::{Body, Entry};
use crate::keys::person::PersonSigner;
use crate::protocol::decision::Decision;

/// How long a person's client has to sign an act: an agent answers in milliseconds; a
/// hardware key waits for a touch.
const SIGN_TIMEOUT: Duration = Duration::from_secs(10);

/// What the engine has for the client holding the controls.
pub(crate) enum ToHolder {
    /// Sign one entry of your person's.
    Sign(SignRequest),
    /// You hold the controls no more, and why.
    LetGo(String),
}

/// One signature asked of the client holding the controls; `None` answers that it was given
/// up (the run is stopping).
pub(crate) struct SignRequest {
    pub namespace: String,
    pub message: Vec<u8>,
    pub answer: std::sync::mpsc::Sender<Option<Vec<u8>>>,
}

/// The holder's proven key, the way to its connection, and what it did.
pub(crate) struct SignLink {
    pub key: PublicKey,
    pub ask: mpsc::UnboundedSender<ToHolder>,
    /// The acts its seat sent, each signed once.
    pub sent: SentActs,
    /// The seq of the last entry it signed: the checkpoint right after it is its too.
    last_signed: Option<u64>,
    /// It aborted or rolled the run back: the footer is its to sign.
    ended_run: bool,
}

impl SignLink {
    pub(crate) fn new(key: PublicKey, ask: mpsc::UnboundedSender<ToHolder>) -> Self {
        Self {
            key,
            ask,
            sent: SentActs::default(),
            last_signed: None,
            ended_run: false,
        }
    }
}

/// The seat's side (which sets and clears the holder) and the journal's (which signs through
/// it).
#[derive(Default)]
pub(crate) struct LinkState {
    pub holder: Option<SignLink>,
    /// The run is being stopped: nobody is asked any more.
    stopping: bool,
    /// The request being waited for, to give up at once when the run is stopped.
    pending: Option<std::sync::mpsc::Sender<Option<Vec<u8>>>>,
}

pub(crate) type SharedLink = Arc<Mutex<LinkState>>;

fn locked(link: &SharedLink) -> std::sync::MutexGuard<'_, LinkState> {
    crate::locked::locked(link)
}

/// The run is being stopped (SIGTERM, Ctrl-C in the engine's process): a pending signature
/// is given up now, and nobody is asked again.
pub(crate) fn give_up(link: &SharedLink) {
    let mut state = locked(link);
    state.stopping = true;
    if let Some(pending) = state.pending.take() {
        let _ = pending.send(None);
    }
}

pub(crate) struct SeatSigner {
    pub link: SharedLink,
}

impl PersonSigner for SeatSigner {
    fn sign(&self, namespace: &str, message: &[u8]) -> Option<(PublicKey, Vec<u8>)> {
        let entry = message
            .strip_suffix(b"\n")
            .and_then(|json| std::str::from_utf8(json).ok())
            .and_then(|json| Entry::parse(json).ok())?;
        let (key, answered) = {
            let mut state = locked(&self.link);
            if state.stopping {
                return None;
            }
            let holder = state.holder.as_mut()?;
            if !theirs(holder, &entry) {
                return None;
            }
            let (answer, answered) = std::sync::mpsc::channel();
            let asked = holder.ask.send(ToHolder::Sign(SignRequest {
                namespace: namespace.to_string(),
                message: message.to_vec(),
                answer: answer.clone(),
            }));
            if asked.is_err() {
                return None;
            }
            let key = holder.key.clone();
            state.pending = Some(answer);
            // The engine's log says what it waits for (a detached engine's goes to engine.log).
            crate::stdout::say_line(&format!(
                "cutover: waiting up to {} s for {} to sign their {} (seq {})",
                SIGN_TIMEOUT.as_secs(),
                key.fingerprint(Default::default()),
                entry.body.kind(),
                entry.seq
            ));
            (key, answered)
        };
        let answer = answered.recv_timeout(SIGN_TIMEOUT);
        let mut state = locked(&self.link);
        state.pending = None;
        match answer {
            Ok(Some(blob)) if checked(&key, namespace, message, &blob) => {
                if let Some(holder) = state.holder.as_mut()
                    && holder.key.key_data() == key.key_data()
                {
                    holder.last_signed = Some(entry.seq);
                    if let Body::Decision(decision) = &entry.body {
                        holder.ended_run |=
                            matches!(decision.decision, Decision::Abort | Decision::Rollback);
                    }
                }
                Some((key, blob))
            }
            // Given up: the run is stopping.
            Ok(None) => None,
            // No answer in time, a wrong one, or the client went away: asked no more.
            Ok(Some(_)) | Err(_) => {
                if let Some(holder) = state.holder.take_if(|h| h.key.key_data() == key.key_data()) {
                    let _ = holder.ask.send(ToHolder::LetGo(format!(
                        "your key did not sign your act within {} s, so the run journaled it as unsigned and let your seat go; attach again when your key answers",
                        SIGN_TIMEOUT.as_secs()
                    )));
                }
                None
            }
        }
    }
}

/// Whether `entry` is something the holder did: its own attach, an act its seat sent, the
/// checkpoint after an entry it signed, the footer of a run it ended.
fn theirs(holder: &mut SignLink, entry: &Entry) -> bool {
    match &entry.body {
        Body::Attach(change) => {
            change.action != SeatAction::Detach
                && change
                    .person
                    .as_ref()
                    .and_then(crate::keys::person::PersonKey::public_key)
                    .is_some_and(|named| named.key_data() == holder.key.key_data())
        }
        Body::Checkpoint(_) => holder.last_signed.is_some_and(|seq| entry.seq == seq + 1),
        Body::Footer(_) => holder.ended_run,
        body @ (Body::Confirm(_) | Body::Decision(_) | Body::Note(_) | Body::Input(_)) => {
            holder.sent.take(body)
        }
        _ => false,
    }
}

/// The blob is an SSHSIG by `key`, in `namespace`, over exactly `message`.
pub(crate) fn checked(key: &PublicKey, namespace: &str, message: &[u8], blob: &[u8]) -> bool {
    crate::keys::sshsig::signed_by(blob, namespace, message)
        .is_some_and(|signer| signer.key_data() == key.key_data())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::control::Control;
    use crate::journal::entry::NoteBody;
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

    fn note_message(text: &str) -> Vec<u8> {
        let json = Entry {
            v: 1,
            sid: "s".into(),
            seq: 4,
            prev: "p".into(),
            ts: "2026-12-07T00:00:00.000Z".into(),
            body: Body::Note(NoteBody {
                step: None,
                text: text.into(),
            }),
        }
        .to_json();
        format!("{json}\n").into_bytes()
    }

    #[test]
    fn nobody_is_asked_for_what_they_did_not_do_and_a_stopping_run_asks_nobody() {
        let alice = key(1);
        let link = SharedLink::default();
        let (ask, mut asked) = mpsc::unbounded_channel();
        locked(&link).holder = Some(SignLink::new(alice.public_key().clone(), ask));
        let signer = SeatSigner { link: link.clone() };
        // A note this seat never sent: not asked, signed by the session key.
        assert!(signer.sign("cutover-drill", &note_message("hi")).is_none());
        assert!(asked.try_recv().is_err(), "nobody was asked");
        // A note it sent: asked, and signed with its key.
        locked(&link)
            .holder
            .as_mut()
            .unwrap()
            .sent
            .push(&Control::Note {
                step: None,
                text: "hi".into(),
            });
        let answering = std::thread::spawn(move || {
            let Some(ToHolder::Sign(request)) = asked.blocking_recv() else {
                panic!("asked to sign")
            };
            let blob = alice
                .sign(&request.namespace, HashAlg::Sha512, &request.message)
                .unwrap();
            request.answer.send(Some(encoded(&blob))).unwrap();
            asked
        });
        assert!(signer.sign("cutover-drill", &note_message("hi")).is_some());
        let mut asked = answering.join().unwrap();
        // Given up: asked no more.
        give_up(&link);
        locked(&link)
            .holder
            .as_mut()
            .unwrap()
            .sent
            .push(&Control::Note {
                step: None,
                text: "again".into(),
            });
        assert!(
            signer
                .sign("cutover-drill", &note_message("again"))
                .is_none()
        );
        assert!(asked.try_recv().is_err());
    }

    #[test]
    fn a_pending_signature_is_given_up_at_once_when_the_run_stops() {
        let alice = key(1);
        let link = SharedLink::default();
        let (ask, mut asked) = mpsc::unbounded_channel();
        let mut holder = SignLink::new(alice.public_key().clone(), ask);
        holder.sent.push(&Control::Note {
            step: None,
            text: "hi".into(),
        });
        locked(&link).holder = Some(holder);
        let signer = SeatSigner { link: link.clone() };
        let stopper = std::thread::spawn({
            let link = link.clone();
            move || {
                // The request arrives and is never answered; the run is stopped.
                let request = asked.blocking_recv();
                give_up(&link);
                request
            }
        });
        let started = std::time::Instant::now();
        assert!(signer.sign("cutover-drill", &note_message("hi")).is_none());
        assert!(
            started.elapsed() < SIGN_TIMEOUT / 2,
            "{:?}",
            started.elapsed()
        );
        assert!(stopper.join().unwrap().is_some());
        assert!(locked(&link).holder.is_some(), "stopping is not a refusal");
    }
}
