//! A client's end of a run's socket: say hello, receive the run as it is, then its events —
//! as the channels the TUI already reads, so that a watcher's screen is the operator's.

use std::path::Path;
use std::time::Duration;

use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot, watch};

use super::client_signing::SignRefusal;
use super::frame::{FrameError, read_frame, write_frame};
use super::protocol::{ClientMessage, Farewell, Role, ServerMessage, VERSION};
use super::socket_path::socket_path;
use crate::engine::control::Control;
use crate::engine::controller_change::Seat;
use crate::engine::events::Event;
use crate::journal::status::JournalStatus;
use crate::keys::operator::OperatorKey;
use crate::keys::person::PersonKey;
use crate::protocol::live_status::LiveStatus;
use crate::protocol::run_info::RunInfo;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "reach the engine of {run_dir} through its socket ({source}); `cutover ls` says whether the run is live"
    )]
    Connect {
        run_dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("attach: the engine refused: {0}")]
    Refused(String),
    #[error("{} holds the controls of {run_dir}", by.describe())]
    Held { run_dir: String, by: Box<Seat> },
    #[error("talk to the engine of {run_dir}: {source}")]
    Protocol {
        run_dir: String,
        #[source]
        source: FrameError,
    },
    #[error("talk to the engine of {run_dir}: it answered {what} first")]
    Unexpected { run_dir: String, what: &'static str },
    #[error("prove your key to the engine of {run_dir}: {problem}")]
    Proof { run_dir: String, problem: String },
}

/// What a watcher gets: the run's steps, how long it has run, then its events and the
/// journal's status as they come. The event channel closes when the engine goes away.
pub(crate) struct Watching {
    pub info: RunInfo,
    pub elapsed: Duration,
    pub journal: watch::Receiver<JournalStatus>,
    pub events: mpsc::UnboundedReceiver<Event>,
    /// The engine's last word, if it has one before the connection ends.
    pub farewell: oneshot::Receiver<Farewell>,
}

/// What a controller gets: what a watcher gets, and a way to send controls.
pub(crate) struct Controlling {
    pub watching: Watching,
    pub controls: mpsc::UnboundedSender<Control>,
}

/// The key a controller signs its person's acts with, in this process, and their principal.
pub(crate) struct ActSigning {
    pub key: OperatorKey,
    pub principal: String,
}

impl ActSigning {
    /// A person's key for acts on the run in `run_dir`, chosen as `cutover run` chooses the
    /// operator's: `key` (a file), else the agent, else (a drill or a dry run only) the local
    /// drill key; the principal is `name`, else the key's comment.
    pub(crate) fn for_run(
        run_dir: &Path,
        key: Option<&Path>,
        name: Option<&str>,
    ) -> Result<Self, crate::keys::operator::KeyError> {
        let env = |name: &str| std::env::var(name).ok();
        let production = crate::journal::listing::listed_run(run_dir)
            .is_none_or(|run| run.mode == crate::protocol::mode::Mode::Production);
        let mode = if production {
            crate::protocol::mode::Mode::Production
        } else {
            crate::protocol::mode::Mode::Drill
        };
        let (key, _) = crate::keys::choose::choose_operator_key(key, mode, &env)?;
        let principal = crate::journal::identity::principal(name, key.public.comment());
        Ok(Self { key, principal })
    }
}

/// What attaching as the controller does when someone holds the controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WhenHeld {
    /// Refused with [`ConnectError::Held`], naming who holds them.
    Refuse,
    /// Their screen closes and the takeover is journaled.
    TakeOver,
}

pub(super) async fn hello(
    run_dir: &Path,
    role: Role,
    when_held: WhenHeld,
    person: Option<PersonKey>,
) -> Result<UnixStream, ConnectError> {
    let shown = run_dir.display().to_string();
    let at = socket_path(run_dir).map_err(|source| ConnectError::Connect {
        run_dir: shown.clone(),
        source,
    })?;
    let mut stream =
        UnixStream::connect(&at.path)
            .await
            .map_err(|source| ConnectError::Connect {
                run_dir: shown.clone(),
                source,
            })?;
    let hello = ClientMessage::Hello {
        version: VERSION,
        role,
        takeover: when_held == WhenHeld::TakeOver,
        person,
    };
    write_frame(&mut stream, &hello)
        .await
        .map_err(|source| ConnectError::Protocol {
            run_dir: shown,
            source,
        })?;
    Ok(stream)
}

/// Answers the engine's challenge with the person's key: the statement of
/// `live/seat_proof.rs`, for the socket this client reached and its own uid.
async fn prove(
    stream: &mut UnixStream,
    run_dir: &Path,
    challenge: super::seat_proof::Challenge,
    signing: &std::sync::Arc<ActSigning>,
) -> Result<(), ConnectError> {
    let shown = run_dir.display().to_string();
    let socket = std::fs::canonicalize(run_dir)
        .map(|dir| dir.join(super::socket_path::SOCKET_NAME))
        .map_err(|source| ConnectError::Connect {
            run_dir: shown.clone(),
            source,
        })?;
    let statement = super::seat_proof::statement(
        &challenge,
        &socket.display().to_string(),
        nix::unistd::getuid().as_raw(),
    );
    let signing = signing.clone();
    let signed = tokio::task::spawn_blocking(move || {
        signing
            .key
            .sign(super::seat_proof::NAMESPACE, statement.as_bytes())
    })
    .await;
    let blob = match signed {
        Ok(Ok(blob)) => blob,
        Ok(Err(err)) => {
            return Err(ConnectError::Proof {
                run_dir: shown,
                problem: crate::error_chain::error_chain(&err),
            });
        }
        Err(err) => {
            return Err(ConnectError::Proof {
                run_dir: shown,
                problem: err.to_string(),
            });
        }
    };
    let proof = ClientMessage::Proof {
        signature: crate::protocol::encoding::encode(&blob),
    };
    write_frame(stream, &proof)
        .await
        .map_err(|source| ConnectError::Protocol {
            run_dir: shown,
            source,
        })
}

/// Attaches read-only.
pub(crate) async fn watch(run_dir: &Path) -> Result<Watching, ConnectError> {
    let (watching, _) = attach(run_dir, Role::Watch, WhenHeld::Refuse, None).await?;
    Ok(watching)
}

/// Attaches as the controller; `when_held` says what happens when someone holds the
/// controls. With `signing`, the engine has this process sign the acts of
/// its person (their own key, never leaving this process).
pub(crate) async fn control(
    run_dir: &Path,
    when_held: WhenHeld,
    signing: Option<ActSigning>,
) -> Result<Controlling, ConnectError> {
    let (watching, controls) = attach(run_dir, Role::Control, when_held, signing).await?;
    Ok(Controlling { watching, controls })
}

async fn attach(
    run_dir: &Path,
    role: Role,
    when_held: WhenHeld,
    signing: Option<ActSigning>,
) -> Result<(Watching, mpsc::UnboundedSender<Control>), ConnectError> {
    let shown = run_dir.display().to_string();
    let person = signing
        .as_ref()
        .map(|signing| PersonKey::of(&signing.principal, &signing.key.public));
    let mut stream = hello(run_dir, role, when_held, person.clone()).await?;
    let signing = signing.map(std::sync::Arc::new);
    let (signed_tx, mut signed) = mpsc::unbounded_channel::<(ClientMessage, Vec<u8>)>();
    let protocol = |source| ConnectError::Protocol {
        run_dir: shown.clone(),
        source,
    };
    let mut first = read_frame(&mut stream).await.map_err(protocol)?;
    // A controller naming a key proves it first; the session it names is the one the
    // person's acts are signed in.
    let mut session = None;
    if let (ServerMessage::Challenge(challenge), Some(signing)) = (&first, &signing) {
        session = Some(challenge.session.clone());
        prove(&mut stream, run_dir, challenge.clone(), signing).await?;
        first = read_frame(&mut stream).await.map_err(protocol)?;
    }
    let (info, elapsed_ms, status) = welcome(first, shown)?;
    // What this client agrees to sign: only what its person did, in this run's session.
    let policy = match (&person, session) {
        (Some(person), Some(session)) => Some(super::client_signing::SigningPolicy::new(
            crate::journal::entry::namespace_for(info.mode),
            &session,
            person.clone(),
        )),
        _ => None,
    };
    let mut signer = ActSigner {
        policy,
        signing,
        signed: signed_tx,
    };
    let (events_tx, events) = mpsc::unbounded_channel();
    let (journal_tx, journal) = watch::channel(status);
    let (farewell_tx, farewell) = oneshot::channel();
    let (controls, mut to_send) = mpsc::unbounded_channel::<Control>();
    let (mut reader, mut writer) = stream.into_split();
    // One task holds both halves for the connection's life: dropping the writing half would
    // shut the connection's write side, and the engine lets go of a client that closed it.
    tokio::spawn(async move {
        let mut farewell_tx = Some(farewell_tx);
        let mut say_farewell = |word: Farewell| {
            if let Some(tell) = farewell_tx.take() {
                let _ = tell.send(word);
            }
        };
        // A watcher's sender is dropped by `watch`: its controls go nowhere.
        let mut sending = true;
        loop {
            tokio::select! {
                // Until the engine goes away: then the channels close and the screen says so.
                message = read_frame::<_, ServerMessage>(&mut reader) => {
                    let Ok(message) = message else { break };
                    let delivered = match message {
                        ServerMessage::Event(event) => events_tx.send(*event).is_ok(),
                        ServerMessage::Journal(status) => journal_tx.send(status).is_ok(),
                        ServerMessage::TakenOver { by } => {
                            say_farewell(Farewell::TakenOver(by));
                            break;
                        }
                        ServerMessage::Failed { code, message } => {
                            say_farewell(Farewell::Failed { code, message });
                            break;
                        }
                        ServerMessage::LetGo { reason } => {
                            say_farewell(Farewell::LetGo(reason));
                            break;
                        }
                        // Not something its person did: nothing is signed, the person is
                        // told, and the connection closes.
                        ServerMessage::Sign { id, namespace, message } => match signer.asked(id, namespace, &message) {
                            Ok(()) => true,
                            Err(refusal) => {
                                say_farewell(Farewell::Refused(refusal.to_string()));
                                break;
                            }
                        },
                        _ => true,
                    };
                    // The screen is gone: nobody to tell.
                    if !delivered {
                        break;
                    }
                }
                Some((answer, message)) = signed.recv() => {
                    signer.signed(&answer, &message);
                    if write_frame(&mut writer, &answer).await.is_err() {
                        break;
                    }
                }
                control = to_send.recv(), if sending => match control {
                    Some(control) => {
                        signer.sent(&control);
                        if write_frame(&mut writer, &ClientMessage::Control(control)).await.is_err() {
                            break;
                        }
                    }
                    None => sending = false,
                },
            }
        }
    });
    Ok((
        Watching {
            info: *info,
            elapsed: Duration::from_millis(elapsed_ms),
            journal,
            events,
            farewell,
        },
        controls,
    ))
}

/// The engine's first word after the hello (and the seat's proof): the welcome, or why not.
fn welcome(
    first: ServerMessage,
    shown: String,
) -> Result<(Box<RunInfo>, u64, JournalStatus), ConnectError> {
    match first {
        ServerMessage::Welcome {
            info,
            elapsed_ms,
            journal,
        } => Ok((info, elapsed_ms, journal)),
        ServerMessage::Refused { reason } => Err(ConnectError::Refused(reason)),
        ServerMessage::Held { by } => Err(ConnectError::Held {
            run_dir: shown,
            by: Box::new(by),
        }),
        _ => Err(ConnectError::Unexpected {
            run_dir: shown,
            what: "something else than a welcome",
        }),
    }
}

/// What a controller's connection signs and for whom: its person's policy and key, and where
/// finished signatures go to be written back to the engine.
struct ActSigner {
    policy: Option<super::client_signing::SigningPolicy>,
    signing: Option<std::sync::Arc<ActSigning>>,
    signed: mpsc::UnboundedSender<(ClientMessage, Vec<u8>)>,
}

impl ActSigner {
    /// The engine asks for a signature: it is made off the connection's task when the policy
    /// agrees that the person did this; otherwise the refusal says why.
    fn asked(&mut self, id: u64, namespace: String, message: &str) -> Result<(), SignRefusal> {
        let message = judge_request(self.policy.as_mut(), &namespace, message)?;
        if let Some(signing) = self.signing.clone() {
            sign_off_task(signing, id, namespace, message, self.signed.clone());
        }
        Ok(())
    }

    /// A signature is ready to go back: the checkpoint after it may be signed next.
    fn signed(&mut self, answer: &ClientMessage, message: &[u8]) {
        if let (Some(policy), ClientMessage::Signature { signature, .. }) =
            (self.policy.as_mut(), answer)
        {
            policy.signed(
                message,
                &format!("{}{signature}", crate::journal::line::SSHSIG_PREFIX),
            );
        }
    }

    /// The person sent `control`: what the engine asks to sign next must match it.
    fn sent(&mut self, control: &Control) {
        if let Some(policy) = self.policy.as_mut() {
            policy.sent(control);
        }
    }
}

/// The bytes to sign when `policy` agrees; a client with no key signs nothing.
fn judge_request(
    policy: Option<&mut super::client_signing::SigningPolicy>,
    namespace: &str,
    message: &str,
) -> Result<Vec<u8>, SignRefusal> {
    let policy = policy.ok_or(SignRefusal::NoKey)?;
    let message = crate::protocol::encoding::decode(message).map_err(|_| SignRefusal::NotBase64)?;
    policy.judge(namespace, &message)?;
    Ok(message)
}

/// Signs off the connection's task (an agent answers over its own socket); the answer, with
/// the bytes signed, goes back to the task that writes it.
fn sign_off_task(
    signing: std::sync::Arc<ActSigning>,
    id: u64,
    namespace: String,
    message: Vec<u8>,
    answer: mpsc::UnboundedSender<(ClientMessage, Vec<u8>)>,
) {
    tokio::task::spawn_blocking(move || {
        if let Ok(blob) = signing.key.sign(&namespace, &message) {
            let signature = crate::protocol::encoding::encode(&blob);
            let _ = answer.send((ClientMessage::Signature { id, signature }, message));
        }
    });
}

/// What a live run is doing, asked of its engine (for `cutover ls`); `None` when it does not
/// answer within `timeout`.
pub(crate) async fn status(run_dir: &Path, timeout: Duration) -> Option<LiveStatus> {
    let ask = async {
        let mut stream = hello(run_dir, Role::Status, WhenHeld::Refuse, None)
            .await
            .ok()?;
        match read_frame(&mut stream).await.ok()? {
            ServerMessage::Status(status) => Some(status),
            _ => None,
        }
    };
    tokio::time::timeout(timeout, ask).await.ok().flatten()
}

#[cfg(test)]
#[path = "client_test.rs"]
mod tests;
