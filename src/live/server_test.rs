//! The run's socket under clients that misbehave, come late or leave: each loses its own
//! connection and nothing else.

use tokio::io::AsyncWriteExt;

use super::*;
use crate::live::frame::{read_frame, write_frame};
use crate::live::protocol::{ClientMessage, Role, VERSION};
use crate::protocol::mode::Mode;
use tokio::net::UnixStream;
use tokio::sync::mpsc;

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn info() -> RunInfo {
    RunInfo {
        title: "T".into(),
        runbook: "t".into(),
        description: String::new(),
        environment: None,
        mode: Mode::Drill,
        operator: "alice".into(),
        key_fingerprint: "SHA256:x".into(),
        run_dir: String::new(),
        expected: None,
        steps: Vec::new(),
        rollback_ms: None,
        estimates_from: None,
    }
}

pub(super) fn serving(
    events: mpsc::UnboundedReceiver<Event>,
    controls: Option<EngineControls>,
) -> Serving {
    Serving {
        info: info(),
        events: events.into(),
        journal: None,
        controls,
        shared: None,
        approvals: Default::default(),
        session: "s".into(),
        trust_root: None,
    }
}

/// The socket of a headless run: watchers only.
fn watched(run_dir: &Path, events: mpsc::UnboundedReceiver<Event>) -> LiveServer {
    serve(run_dir, serving(events, None)).unwrap()
}

fn phase(n: usize) -> Event {
    Event::PhaseStarted {
        phase: format!("p{n}"),
        title: String::new(),
    }
}

async fn watcher(run_dir: &Path) -> UnixStream {
    let mut stream = UnixStream::connect(run_dir.join(SOCKET_NAME))
        .await
        .unwrap();
    let hello = ClientMessage::Hello {
        version: VERSION,
        role: Role::Watch,
        takeover: false,
        person: None,
    };
    write_frame(&mut stream, &hello).await.unwrap();
    stream
}

/// Reads frames until `n` phase events have come (after the welcome).
async fn phases(stream: &mut UnixStream, n: usize) -> Vec<String> {
    let mut seen = Vec::new();
    while seen.len() < n {
        match read_frame::<_, ServerMessage>(stream).await.unwrap() {
            ServerMessage::Event(event) => {
                if let Event::PhaseStarted { phase, .. } = *event {
                    seen.push(phase);
                }
            }
            ServerMessage::Welcome { .. } | ServerMessage::Journal(_) => {}
            other => panic!("{other:?}"),
        }
    }
    seen
}

#[test]
fn bad_clients_lose_their_own_connection_and_nothing_else() {
    block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (events, receiver) = mpsc::unbounded_channel();
        let _server = watched(dir.path(), receiver);
        events.send(phase(0)).unwrap();
        let mut good = watcher(dir.path()).await;

        // Garbage instead of a hello; a hello cut in the middle; a flood of frames after
        // a hello; a watcher that never reads.
        let mut garbage = UnixStream::connect(dir.path().join(SOCKET_NAME))
            .await
            .unwrap();
        garbage
            .write_all(b"\x00\x00\x00\x04junkGET / HTTP/1.1\r\n\r\n")
            .await
            .unwrap();
        let mut cut = UnixStream::connect(dir.path().join(SOCKET_NAME))
            .await
            .unwrap();
        cut.write_all(&200u32.to_be_bytes()).await.unwrap();
        cut.write_all(b"{\"frame\":\"hel").await.unwrap();
        drop(cut);
        let mut flood = watcher(dir.path()).await;
        let flooding = tokio::spawn(async move {
            let note = ClientMessage::Hello {
                version: VERSION,
                role: Role::Watch,
                takeover: false,
                person: None,
            };
            for _ in 0..10_000 {
                if write_frame(&mut flood, &note).await.is_err() {
                    break;
                }
            }
        });
        let _silent = watcher(dir.path()).await;
        let old = ClientMessage::Hello {
            version: VERSION + 1,
            role: Role::Watch,
            takeover: false,
            person: None,
        };
        let mut newer = UnixStream::connect(dir.path().join(SOCKET_NAME))
            .await
            .unwrap();
        write_frame(&mut newer, &old).await.unwrap();
        match read_frame::<_, ServerMessage>(&mut newer).await.unwrap() {
            ServerMessage::Refused { reason } => {
                assert!(reason.contains("protocol"), "{reason}")
            }
            other => panic!("{other:?}"),
        }

        for n in 1..=200 {
            events.send(phase(n)).unwrap();
        }
        let seen = phases(&mut good, 201).await;
        let expected: Vec<String> = (0..=200).map(|n| format!("p{n}")).collect();
        assert_eq!(seen, expected, "every event, once, in order");
        flooding.abort();
        drop(garbage);
    });
}

#[test]
fn the_last_events_reach_the_watchers_when_the_run_ends() {
    block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (events, receiver) = mpsc::unbounded_channel();
        let server = watched(dir.path(), receiver);
        let mut first = watcher(dir.path()).await;
        let mut second = watcher(dir.path()).await;
        // Both attached (each got its welcome), then the run's last events and its end.
        for stream in [&mut first, &mut second] {
            assert!(matches!(
                read_frame::<_, ServerMessage>(stream).await.unwrap(),
                ServerMessage::Welcome { .. }
            ));
        }
        for n in 0..50 {
            events.send(phase(n)).unwrap();
        }
        drop(server);
        let expected: Vec<String> = (0..50).map(|n| format!("p{n}")).collect();
        assert_eq!(phases(&mut first, 50).await, expected);
        assert_eq!(phases(&mut second, 50).await, expected);
    });
}

#[test]
fn a_newcomer_gets_what_happened_before_it_then_the_rest() {
    block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (events, receiver) = mpsc::unbounded_channel();
        let server = watched(dir.path(), receiver);
        for n in 0..3 {
            events.send(phase(n)).unwrap();
        }
        tokio::task::yield_now().await;
        let mut late = watcher(dir.path()).await;
        for n in 3..5 {
            events.send(phase(n)).unwrap();
        }
        assert_eq!(phases(&mut late, 5).await, ["p0", "p1", "p2", "p3", "p4"]);
        let socket = dir.path().join(SOCKET_NAME);
        let mode = std::fs::metadata(&socket).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
        drop(server);
        assert!(!socket.exists(), "the socket goes with the server");
    });
}

#[test]
fn a_controller_that_floods_controls_is_let_go_and_a_watcher_cannot_act() {
    block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (events, receiver) = mpsc::unbounded_channel();
        let (controller, mut intake, presence) =
            crate::engine::controller::attachable_control_channel();
        let controls = EngineControls {
            controller,
            presence,
            signing: Default::default(),
        };
        let _server = serve(dir.path(), serving(receiver, Some(controls))).unwrap();
        let mut good = watcher(dir.path()).await;
        // A watcher's controls reach nothing.
        write_frame(
            &mut good,
            &ClientMessage::Control(crate::engine::control::Control::Proceed),
        )
        .await
        .unwrap();
        let mut flood = UnixStream::connect(dir.path().join(SOCKET_NAME))
            .await
            .unwrap();
        let hello = ClientMessage::Hello {
            version: VERSION,
            role: Role::Control,
            takeover: false,
            person: None,
        };
        write_frame(&mut flood, &hello).await.unwrap();
        let proceed = ClientMessage::Control(crate::engine::control::Control::Proceed);
        for _ in 0..10_000 {
            if write_frame(&mut flood, &proceed).await.is_err() {
                break;
            }
        }
        drop(flood);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut proceeds = 0;
        let mut seats = Vec::new();
        while let Ok(control) = intake.answers.try_recv() {
            match control {
                crate::engine::control::Control::Proceed => proceeds += 1,
                crate::engine::control::Control::Controller { change } => seats.push(change.action),
                other => panic!("{other:?}"),
            }
        }
        assert!(proceeds <= 50, "{proceeds} controls got through");
        use crate::engine::controller_change::SeatAction;
        assert_eq!(seats, [SeatAction::Attach, SeatAction::Detach]);
        assert!(!*intake.presence.as_ref().unwrap().borrow());
        // The watcher still follows the run.
        events.send(phase(1)).unwrap();
        assert_eq!(phases(&mut good, 1).await, ["p1"]);
    });
}

/// A controller that names `named` and answers the challenge with `signer`'s key (`None`: no
/// proof at all); what the engine answers it.
async fn claim(
    run_dir: &Path,
    named: &ssh_key::PrivateKey,
    signer: Option<&ssh_key::PrivateKey>,
) -> ServerMessage {
    let mut stream = UnixStream::connect(run_dir.join(SOCKET_NAME))
        .await
        .unwrap();
    let hello = ClientMessage::Hello {
        version: VERSION,
        role: Role::Control,
        takeover: false,
        person: Some(crate::keys::person::PersonKey::of(
            "bob@corp",
            named.public_key(),
        )),
    };
    write_frame(&mut stream, &hello).await.unwrap();
    let ServerMessage::Challenge(challenge) = read_frame(&mut stream).await.unwrap() else {
        panic!("challenged first")
    };
    let socket = std::fs::canonicalize(run_dir).unwrap().join(SOCKET_NAME);
    let text = crate::live::seat_proof::statement(
        &challenge,
        &socket.display().to_string(),
        nix::unistd::getuid().as_raw(),
    );
    let signature = match signer {
        Some(key) => {
            let signed = key
                .sign(
                    crate::live::seat_proof::NAMESPACE,
                    ssh_key::HashAlg::Sha512,
                    text.as_bytes(),
                )
                .unwrap();
            let mut blob = Vec::new();
            ssh_encoding::Encode::encode(&signed, &mut blob).unwrap();
            crate::protocol::encoding::encode(&blob)
        }
        None => String::new(),
    };
    write_frame(&mut stream, &ClientMessage::Proof { signature })
        .await
        .unwrap();
    read_frame(&mut stream).await.unwrap()
}

fn person_key(seed: u8) -> ssh_key::PrivateKey {
    ssh_key::PrivateKey::new(
        ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]).into(),
        "k",
    )
    .unwrap()
}

#[test]
fn naming_someone_elses_key_gets_no_seat_as_them() {
    block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let _journal = crate::journal::test_journal::drill_journal(dir.path());
        let (_events, receiver) = mpsc::unbounded_channel();
        let (controller, mut intake, presence) =
            crate::engine::controller::attachable_control_channel();
        let controls = EngineControls {
            controller,
            presence,
            signing: Default::default(),
        };
        let _server = serve(dir.path(), serving(receiver, Some(controls))).unwrap();
        let bob = person_key(2);
        let mallory = person_key(3);
        // Bob's public key, and no proof; then Mallory's signature over the challenge.
        for signer in [None, Some(&mallory)] {
            match claim(dir.path(), &bob, signer).await {
                ServerMessage::Refused { reason } => {
                    assert!(reason.contains("did not prove"), "{reason}")
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(
            intake.answers.try_recv().is_err(),
            "nothing journaled as Bob"
        );
        assert!(!*intake.presence.as_ref().unwrap().borrow(), "no seat");
        // Bob himself proves it and sits, by the name he gave.
        match claim(dir.path(), &bob, Some(&bob)).await {
            ServerMessage::Welcome { .. } => {}
            other => panic!("{other:?}"),
        }
        match intake.answers.recv().await {
            Some(crate::engine::control::Control::Controller { change }) => {
                let person = change.person.expect("named");
                assert_eq!(person.principal, "bob@corp");
                assert_eq!(change.seat.uid, Some(nix::unistd::getuid().as_raw()));
                assert_eq!(change.seat.pid, Some(std::process::id()));
            }
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn a_run_held_to_allowed_signers_seats_only_the_principal_they_give_a_key() {
    block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let _journal = crate::journal::test_journal::drill_journal(dir.path());
        let bob = person_key(2);
        let carol = person_key(4);
        let allowed = format!("ops-a@corp {}\n", carol.public_key().to_openssh().unwrap());
        let root = crate::keys::trust_root::TrustRoot::from_bytes(
            allowed.into_bytes(),
            Path::new("team/allowed_signers"),
        )
        .unwrap();
        let (_events, receiver) = mpsc::unbounded_channel();
        let (controller, _intake, presence) =
            crate::engine::controller::attachable_control_channel();
        let controls = EngineControls {
            controller,
            presence,
            signing: Default::default(),
        };
        let mut serving = serving(receiver, Some(controls));
        serving.trust_root = Some(std::sync::Arc::new(root));
        let _server = serve(dir.path(), serving).unwrap();
        // Bob's key is not in the file; Carol's is, as ops-a@corp, not bob@corp.
        for key in [&bob, &carol] {
            match claim(dir.path(), key, Some(key)).await {
                ServerMessage::Refused { reason } => {
                    assert!(reason.contains("team/allowed_signers"), "{reason}");
                    assert!(
                        reason.contains(
                            &key.public_key().fingerprint(Default::default()).to_string()
                        ),
                        "{reason}"
                    );
                }
                other => panic!("{other:?}"),
            }
        }
    });
}
