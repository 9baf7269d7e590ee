//! One client of a run's socket, from its hello to its leaving. A watcher and a controller get
//! the same replay and the same live frames; only a controller's controls reach the engine,
//! and only while it holds the seat. A client that sends garbage, floods, stops reading or
//! vanishes mid-frame loses its own connection and nothing else: the engine never waits for a
//! client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::mpsc;

use super::client_frames::ClientFrames;
use super::client_queue::{QueuedFrames, Received};
use super::doorway::{Doorway, HELLO_TIMEOUT, MAX_CLIENTS};
use super::frame::write_frame;
use super::protocol::{ClientMessage, Role, ServerMessage, VERSION};
use super::seat::Taken;
use super::seat_signer::ToHolder;
use super::server::{Hub, locked};

/// The most bytes written to a client in one go.
const BATCH_BYTES: usize = 32 << 10;

/// Controls a person can send in a second, generously: past it, the client is a program gone
/// wrong and is let go (the engine's queue must not grow without end).
const CONTROLS_PER_SECOND: u32 = 50;

pub(super) async fn connection(stream: UnixStream, hub: Arc<Mutex<Hub>>, doorway: Arc<Doorway>) {
    let arrival = doorway.arrive();
    // Who connected, as the kernel says: never as the client says.
    let Ok(seat) = super::peer::peer_seat(&stream) else {
        doorway.left_waiting(arrival.id);
        return;
    };
    let (reader, mut writer) = stream.into_split();
    let mut frames = ClientFrames::read_from(reader);
    // A client says hello in time, or makes way for newer ones when too many wait silent.
    let hello = tokio::select! {
        hello = tokio::time::timeout(HELLO_TIMEOUT, frames.next()) => hello.ok(),
        _ = arrival.pushed_out => None,
    };
    doorway.left_waiting(arrival.id);
    let (role, takeover, person) = match hello {
        Some(Ok(ClientMessage::Hello {
            version,
            role,
            takeover,
            person,
        })) if version == VERSION => (role, takeover, person),
        Some(Ok(ClientMessage::Hello { version, .. })) => {
            let reason = format!(
                "this run's engine speaks protocol {VERSION}, the client {version}: attach with the cutover that started the run"
            );
            let _ = write_frame(&mut writer, &ServerMessage::Refused { reason }).await;
            return;
        }
        // Garbage, silence, a control before any hello, or a closed connection.
        _ => return,
    };
    let Some(_place) = doorway.enter() else {
        let reason = format!(
            "this run's socket serves {MAX_CLIENTS} clients already; try again when one leaves"
        );
        let _ = write_frame(&mut writer, &ServerMessage::Refused { reason }).await;
        return;
    };
    match role {
        Role::Status => {
            let status = locked(&hub).status();
            let _ = write_frame(&mut writer, &ServerMessage::Status(status)).await;
        }
        Role::Approve => {
            let desk = locked(&hub).approvals.clone();
            super::approver::serve_approver(frames, writer, desk).await;
        }
        Role::Watch => {
            if let Some(queued) = subscribe(&hub, &mut writer).await {
                follow(frames, writer, queued, None).await;
            }
        }
        Role::Control => {
            // A person proves their key, and the run's rules admit them, before anything is
            // done in their name.
            let person = match super::admission::admit(
                &mut frames,
                &mut writer,
                &hub,
                &seat,
                person,
            )
            .await
            {
                Ok(person) => person,
                Err(refusal) => {
                    let reason = refusal.to_string();
                    let _ = write_frame(&mut writer, &ServerMessage::Refused { reason }).await;
                    return;
                }
            };
            let taken = {
                let mut hub = locked(&hub);
                match hub
                    .seat
                    .as_mut()
                    .map(|chair| chair.take(seat, person, takeover))
                {
                    None => Err(ServerMessage::Refused {
                        reason: "this run takes no controls over its socket (it runs headless, its answers given on its command line); watch it with --watch".into(),
                    }),
                    Some(Err(by)) => Err(ServerMessage::Held { by }),
                    Some(Ok(taken)) => Ok(taken),
                }
            };
            let taken = match taken {
                Ok(taken) => taken,
                Err(answer) => {
                    let _ = write_frame(&mut writer, &answer).await;
                    return;
                }
            };
            let id = taken.id;
            if let Some(queued) = subscribe(&hub, &mut writer).await {
                follow(frames, writer, queued, Some((taken, hub.clone()))).await;
            }
            if let Some(chair) = locked(&hub).seat.as_mut() {
                chair.leave(id);
            }
        }
    }
}

/// Sends the welcome and the replay, then returns the client's queue of live frames; `None`
/// when the client went away meanwhile.
async fn subscribe(hub: &Arc<Mutex<Hub>>, writer: &mut OwnedWriteHalf) -> Option<QueuedFrames> {
    // The replay and the subscription under one lock: no event is missed or sent twice.
    let (replay, queued): (Vec<ServerMessage>, QueuedFrames) = {
        let mut hub = locked(hub);
        let mut replay = vec![ServerMessage::Welcome {
            info: Box::new(hub.info.clone()),
            elapsed_ms: hub.started.elapsed().as_millis() as u64,
            journal: hub.journal.clone(),
        }];
        replay.extend(
            hub.history
                .replay()
                .map(|event| ServerMessage::Event(Box::new(event.clone()))),
        );
        let queued = hub.clients.subscribe();
        (replay, queued)
    };
    for message in &replay {
        if write_frame(writer, message).await.is_err() {
            return None;
        }
    }
    Some(queued)
}

/// Live frames out, until the client goes, falls behind, or (a controller) is taken over;
/// a controller's controls in. Every branch waited on is cancel-safe; a batch of frames is
/// written whole, outside the wait, so no frame ever goes out cut.
async fn follow(
    mut frames: ClientFrames,
    mut writer: OwnedWriteHalf,
    mut queued: QueuedFrames,
    controller: Option<(Taken, Arc<Mutex<Hub>>)>,
) {
    let (id, mut taken_over, mut signing, hub) = match controller {
        Some((taken, hub)) => (
            Some(taken.id),
            Some(taken.taken_over),
            taken.signing,
            Some(hub),
        ),
        None => (None, None, None, None),
    };
    let mut budget = Budget::default();
    // Signatures asked of this client and not yet answered, by id.
    let mut asked: HashMap<u64, std::sync::mpsc::Sender<Option<Vec<u8>>>> = HashMap::new();
    let mut next_ask = 0u64;
    loop {
        let next = tokio::select! {
            received = queued.recv() => Next::Out(received),
            request = next_request(&mut signing) => Next::Ask(request),
            by = super::seat::arrival(&mut taken_over) => Next::TakenOver(by),
            read = frames.next() => Next::In(read),
        };
        match next {
            Next::Out(Received::Frame(frame)) => {
                // The hub hands over what gathered in a few milliseconds at once: it goes out
                // in one write — a step's start, output, result and the journal's count are
                // one wake-up for the client, not four.
                // A batch is bounded too: a client that stops reading holds one batch, not a
                // copy of everything queued for it.
                let mut batch = frame.bytes.clone();
                drop(frame);
                while batch.len() < BATCH_BYTES
                    && let Some(more) = queued.try_recv()
                {
                    batch.extend_from_slice(&more.bytes);
                }
                // A client let go while its write waits is left at once: it holds nothing
                // more of the engine's memory.
                tokio::select! {
                    written = writer.write_all(&batch) => if written.is_err() { return },
                    () = queued.let_go() => return,
                }
            }
            // The run is over: everything went out; the connection closes.
            Next::Out(Received::Over) => return,
            // Let go for falling behind: told so, and free to attach again.
            Next::Out(Received::LetGo) => {
                let reason = "this screen fell behind the run (it read more slowly than the run wrote); attach again to catch up".to_string();
                let _ = write_frame(&mut writer, &ServerMessage::LetGo { reason }).await;
                return;
            }
            Next::Ask(ToHolder::Sign(request)) => {
                next_ask += 1;
                let frame = ServerMessage::Sign {
                    id: next_ask,
                    namespace: request.namespace,
                    message: crate::protocol::encoding::encode(&request.message),
                };
                asked.insert(next_ask, request.answer);
                if write_frame(&mut writer, &frame).await.is_err() {
                    return;
                }
            }
            // Its key did not sign in time: it holds the controls no more.
            Next::Ask(ToHolder::LetGo(reason)) => {
                let _ = write_frame(&mut writer, &ServerMessage::LetGo { reason }).await;
                return;
            }
            Next::TakenOver(by) => {
                let _ = write_frame(&mut writer, &ServerMessage::TakenOver { by }).await;
                return;
            }
            // A watcher acts on nothing: what it sends is read and dropped. The connection
            // ends with the first frame that is not a message.
            Next::In(Ok(ClientMessage::Control(control))) => {
                if let (Some(id), Some(hub)) = (id, &hub) {
                    if !budget.spend() {
                        return;
                    }
                    let hub = locked(hub);
                    if let Some(chair) = &hub.seat {
                        chair.act(id, control);
                    }
                }
            }
            Next::In(Ok(ClientMessage::Signature { id, signature })) => {
                // Checked by the journal's side (`seat_signer.rs`): here only delivered.
                if let (Some(answer), Ok(blob)) = (
                    asked.remove(&id),
                    crate::protocol::encoding::decode(&signature),
                ) {
                    let _ = answer.send(Some(blob));
                }
            }
            // Approvals come on a connection of their own (`live/approver.rs`).
            Next::In(Ok(
                ClientMessage::Hello { .. }
                | ClientMessage::Proof { .. }
                | ClientMessage::Statement { .. }
                | ClientMessage::Approve { .. },
            )) => {}
            Next::In(Err(_)) => return,
        }
    }
}

/// What woke a client's connection.
enum Next {
    Out(Received),
    Ask(ToHolder),
    TakenOver(crate::engine::controller_change::Seat),
    In(Result<ClientMessage, super::frame::FrameError>),
}

/// How many controls a client may still send this second.
struct Budget {
    second: Instant,
    spent: u32,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            second: Instant::now(),
            spent: 0,
        }
    }
}

impl Budget {
    fn spend(&mut self) -> bool {
        if self.second.elapsed() >= Duration::from_secs(1) {
            *self = Self::default();
        }
        self.spent += 1;
        self.spent <= CONTROLS_PER_SECOND
    }
}

/// The next thing the journal has for this client (never, for one that signs nothing).
async fn next_request(signing: &mut Option<mpsc::UnboundedReceiver<ToHolder>>) -> ToHolder {
    match signing {
        Some(requests) => match requests.recv().await {
            Some(request) => request,
            None => {
                *signing = None;
                std::future::pending().await
            }
        },
        None => std::future::pending().await,
    }
}
