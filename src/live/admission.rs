//! Who may take a run's controls. A client that names a person's key must prove it holds that
//! key (a fresh challenge signed with it, `live/seat_proof.rs`) before anything is done in that
//! person's name; with a trust root the person is the principal the allowed signers give their
//! key; a key that acted as someone else in this run is refused (one key is one person); and
//! whoever approved the step the run waits at, or is about to start, may not hold the controls
//! (separation of duties). Without a key, a client sits unsigned — only on a run that is held
//! to no allowed signers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::unix::OwnedWriteHalf;

use super::client_frames::ClientFrames;
use super::frame::write_frame;
use super::protocol::{ClientMessage, ServerMessage};
use super::seat_proof::{Challenge, proves};
use super::server::{Hub, locked};
use crate::engine::controller_change::Seat;
use crate::keys::person::PersonKey;

/// How long a client has to prove its key: an agent answers in milliseconds, a hardware key
/// waits for a touch.
const PROOF_TIMEOUT: Duration = Duration::from_secs(30);

/// The person this client may act as (`None`: an unsigned seat), or why it may not sit.
pub(super) async fn admit(
    frames: &mut ClientFrames,
    writer: &mut OwnedWriteHalf,
    hub: &Arc<Mutex<Hub>>,
    seat: &Seat,
    person: Option<PersonKey>,
) -> Result<Option<PersonKey>, NoSeat> {
    let (rules, desk) = {
        let hub = locked(hub);
        (hub.rules.clone(), hub.approvals.clone())
    };
    let Some(person) = person else {
        return match &rules.trust_root {
            Some(root) => Err(NoSeat::KeyNeeded {
                file: root.shown.clone(),
            }),
            None => Ok(None),
        };
    };
    let key = person.public_key().ok_or(NoSeat::NotAKey)?;
    let fingerprint = key.fingerprint(Default::default()).to_string();
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|err| NoSeat::Randomness(err.into()))?;
    let challenge = Challenge {
        run_id: rules.run_id.clone(),
        session: rules.session.clone(),
        nonce: crate::protocol::encoding::hex(&nonce),
    };
    write_frame(writer, &ServerMessage::Challenge(challenge.clone()))
        .await
        .map_err(NoSeat::Write)?;
    let proof = match tokio::time::timeout(PROOF_TIMEOUT, frames.next()).await {
        Ok(Ok(ClientMessage::Proof { signature })) => {
            crate::protocol::encoding::decode(&signature).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let uid = seat.uid.unwrap_or(u32::MAX);
    if !proves(&key, &challenge, &rules.sockets, uid, &proof) {
        return Err(NoSeat::NotProven { fingerprint });
    }
    let principal = match &rules.trust_root {
        Some(root) => root.admit(&key, Some(&person.principal), rules.namespace)?,
        None => person.principal.clone(),
    };
    let facts = crate::journal::run_facts::read(&rules.journal)?;
    if let Some(earlier) = facts
        .implementers
        .iter()
        .chain(&facts.approvers)
        .find(|who| who.fingerprint == fingerprint && who.principal != principal)
    {
        return Err(NoSeat::KeyIsSomeoneElse {
            fingerprint,
            earlier: earlier.principal.clone(),
            principal,
        });
    }
    if let Some((step, approvers)) = desk.approvers_now()
        && approvers
            .iter()
            .any(|a| a.fingerprint == fingerprint || a.principal == principal)
    {
        return Err(NoSeat::Approver { principal, step });
    }
    Ok(Some(PersonKey {
        principal,
        ..person
    }))
}

/// Why a client gets no seat; said to it in these words.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NoSeat {
    #[error(
        "this run is held to the allowed signers {file}: attach with your key (--key FILE, or your agent), which says who you are"
    )]
    KeyNeeded { file: String },
    #[error("the key the client named is not an OpenSSH public key")]
    NotAKey,
    #[error("cannot draw a challenge: {0}")]
    Randomness(#[source] std::io::Error),
    #[error("cannot send the challenge: {0}")]
    Write(#[source] super::frame::FrameError),
    #[error(
        "the client did not prove it holds the key {fingerprint} it named: naming someone's public key is not being them"
    )]
    NotProven { fingerprint: String },
    #[error(transparent)]
    NotAdmitted(#[from] crate::keys::trust_root::NotAdmitted),
    #[error(transparent)]
    Facts(#[from] crate::approval::facts::FactsError),
    #[error(
        "the key {fingerprint} acted as {earlier} in this run, not as {principal}: one key is one person"
    )]
    KeyIsSomeoneElse {
        fingerprint: String,
        earlier: String,
        principal: String,
    },
    #[error(
        "{principal} approved step `{step}`: whoever approves a step does not hold the controls when it starts; someone else runs it"
    )]
    Approver { principal: String, step: String },
}

/// What a run's socket checks people against.
pub(crate) struct SeatRules {
    pub run_id: String,
    /// The journal session the person's acts are signed in.
    pub session: String,
    /// The journal's namespace (`cutover-journal`, `cutover-drill`).
    pub namespace: &'static str,
    /// Every path the run's socket is served at, as a client names it.
    pub sockets: Vec<String>,
    pub trust_root: Option<Arc<crate::keys::trust_root::TrustRoot>>,
    /// The run's journal, which says who ran the run and who approved what.
    pub journal: std::path::PathBuf,
}
