//! The messages on a run's socket (`live/frame.rs` carries them). A client says who it is and
//! what it wants; the engine answers with the run as the screen needs it, then every event as
//! it is journaled.

use crate::protocol::live_status::LiveStatus;
use serde::{Deserialize, Serialize};

use crate::engine::control::Control;
use crate::engine::controller_change::Seat;
use crate::engine::events::Event;
use crate::journal::status::JournalStatus;
use crate::keys::person::PersonKey;
use crate::protocol::run_info::RunInfo;

/// The protocol's version: a client and an engine of different versions refuse each other in
/// words instead of misreading frames. 3: a controller proves its key before it gets a seat,
/// and the engine reads who connected from the connection itself.
pub(crate) const VERSION: u32 = 3;

/// What a client may do once attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Role {
    /// See everything, act on nothing: any number of watchers.
    Watch,
    /// See everything and answer the run's questions: one client at a time.
    Control,
    /// Only ask what the run is doing (`cutover ls`), then leave.
    Status,
    /// `cutover approve`: read a step's statement, offer an approval; nothing else.
    Approve,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Adjacently tagged: an event's own fields (`message`, `kind`) can never collide with the tag.
#[serde(tag = "frame", content = "body", rename_all = "snake_case")]
pub(crate) enum ClientMessage {
    Hello {
        version: u32,
        role: Role,
        /// A controller that takes the controls from the person holding them.
        #[serde(default)]
        takeover: bool,
        /// A controller's principal and the key it signs that person's acts with: proven by
        /// answering the engine's challenge before anything is done in their name.
        #[serde(default)]
        person: Option<PersonKey>,
    },
    /// The answer to a `challenge`: base64 of an SSHSIG in namespace `cutover-seat` over the
    /// statement `live/seat_proof.rs` writes.
    Proof { signature: String },
    /// A controller's key press, as the engine's control.
    Control(Control),
    /// The answer to a `sign` frame: base64 of an SSHSIG blob.
    Signature { id: u64, signature: String },
    /// An approver asks for the statement of `step`, naming themselves.
    Statement { step: String, principal: String },
    /// An approver's approval of `step`: the statement and base64 of their SSHSIG over it.
    Approve {
        step: String,
        statement: String,
        signature: String,
    },
}

/// The last word between an engine and a client before their connection ends, when there is
/// one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Farewell {
    TakenOver(Seat),
    Failed {
        code: u8,
        message: String,
    },
    /// The engine let this client go (its key did not sign in time).
    LetGo(String),
    /// This client refused what the engine asked it to sign, and closed the connection.
    Refused(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Adjacently tagged: an event's own fields (`message`, `kind`) can never collide with the tag.
#[serde(tag = "frame", content = "body", rename_all = "snake_case")]
pub(crate) enum ServerMessage {
    /// The run as the screen needs it; the events so far follow, then the live ones.
    Welcome {
        info: Box<RunInfo>,
        /// How long the run has been going, for the screen's clock.
        elapsed_ms: u64,
        journal: JournalStatus,
    },
    Event(Box<Event>),
    Journal(JournalStatus),
    Status(LiveStatus),
    /// The engine will not serve this client, and why.
    Refused {
        reason: String,
    },
    /// Someone holds the controls: attach again with `takeover` to take them.
    Held {
        by: Seat,
    },
    /// Prove the key the hello named before getting a seat (`live/seat_proof.rs`).
    Challenge(super::seat_proof::Challenge),
    /// This client holds the controls no more: why (its key did not sign in time).
    LetGo {
        reason: String,
    },
    /// The journal asks the controller to sign one of its person's acts: `message` (base64)
    /// is the exact bytes, to be signed in `namespace` with the key its hello named.
    Sign {
        id: u64,
        namespace: String,
        message: String,
    },
    /// The statement an approver asked for, byte for byte as it is to be signed.
    Statement {
        text: String,
    },
    /// An approval counted: how far the step's approvals are now.
    Approved {
        count: u32,
        required: u32,
    },
    /// Someone took the controls from this client; its connection ends here.
    TakenOver {
        by: Seat,
    },
    /// The engine stopped the run because of an error (the journal could not be written):
    /// what it says, and the exit code it ends with. Its socket closes next.
    Failed {
        code: u8,
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::decision::{ConfirmVia, Decision};
    use crate::protocol::output::OutputRecord;
    use crate::protocol::status::{RunStatus, StepStatus};

    /// Every event comes back equal from a frame: a watcher must never stop at one it cannot
    /// read. A StepResult's own `message` field once collided with the frame's tag.
    #[test]
    fn events_round_trip_in_frames() {
        let events = vec![
            Event::Confirmed {
                step: "check".into(),
                note: None,
                checklist: vec!["Dashboard green".into()],
                via: ConfirmVia::Terminal,
            },
            Event::StepResult {
                step: "check".into(),
                attempt: 1,
                status: StepStatus::Passed,
                duration_ms: 5,
                expected_ms: None,
                exit_code: None,
                http_status: None,
                message: "confirmed".into(),
                output: Some(OutputRecord {
                    path: "output/x.log".into(),
                    bytes: 3,
                    sha256: "ab".into(),
                }),
                tail: vec![],
                captures: vec![("a".into(), "b".into())],
            },
            Event::Decided {
                step: "s".into(),
                decision: Decision::Retry,
            },
            Event::Unattended {
                step: "check".into(),
            },
            // A delivery has a field named `event`, like the tag of the enum it travels in.
            Event::Notified {
                delivery: Box::new(crate::protocol::delivery::Delivery {
                    channel: "webhook #1".into(),
                    event: crate::protocol::delivery::NotifyEvent::Waiting,
                    outcome: crate::protocol::delivery::DeliveryOutcome::Failed,
                    http_status: None,
                    error: Some("connection refused".into()),
                    attempts: 3,
                    at: Some("2026-11-28T00:00:00.000Z".into()),
                }),
            },
            Event::Approved(Box::new(crate::protocol::approval::Approval {
                step: "migrate".into(),
                principal: "bob".into(),
                key: "ssh-ed25519 AAAA".into(),
                fingerprint: "SHA256:x".into(),
                statement: "cutover approval v1\n".into(),
                signature: "AAAA".into(),
                count: 1,
                required: 1,
            })),
            Event::RunFinished {
                status: RunStatus::Passed,
                duration_ms: 1,
                recovery_ms: None,
            },
        ];
        for event in events {
            let message = ServerMessage::Event(Box::new(event));
            let json = serde_json::to_string(&message).unwrap();
            let back: Result<ServerMessage, _> = serde_json::from_str(&json);
            assert_eq!(back.as_ref().ok(), Some(&message), "{json}: {back:?}");
        }
    }
}
