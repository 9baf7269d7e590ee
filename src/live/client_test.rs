//! The attach client against an engine that lies: whoever serves the socket a person attaches
//! to gets their key's signature over nothing but that person's own acts. A request for an
//! approval, a foreign namespace, another run's entry or an act the person never did is
//! refused, the person is told why, and the connection is closed.

use std::path::Path;

use tokio::net::{UnixListener, UnixStream};

use super::*;
use crate::engine::controller_change::{ControllerChange, Seat, SeatAction};
use crate::journal::entry::{Body, ConfirmBody, Entry};
use crate::live::frame::{read_frame, write_frame};
use crate::live::seat_proof::Challenge;
use crate::protocol::decision::ConfirmVia;
use crate::protocol::mode::Mode;

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

fn signing(dir: &Path) -> ActSigning {
    ActSigning {
        key: OperatorKey::drill_key(&dir.join("config")).unwrap(),
        principal: "alice@corp".into(),
    }
}

fn entry(sid: &str, body: Body) -> Vec<u8> {
    let json = Entry {
        v: 1,
        sid: sid.into(),
        seq: 7,
        prev: "0".repeat(64),
        ts: "2026-12-07T00:00:00.000Z".into(),
        body,
    }
    .to_json();
    format!("{json}\n").into_bytes()
}

/// A fake engine: it takes the client's proof as it comes, welcomes it, asks it to sign
/// `message` in `namespace`, and returns what the client did: `Some(signature)` when it
/// signed, `None` when it closed the connection instead.
async fn fake_engine(listener: UnixListener, namespace: &str, message: Vec<u8>) -> Option<String> {
    let (mut stream, _) = listener.accept().await.unwrap();
    let _hello: ClientMessage = read_frame(&mut stream).await.unwrap();
    let challenge = Challenge {
        run_id: "r1".into(),
        session: "s1".into(),
        nonce: "n".into(),
    };
    write_frame(&mut stream, &ServerMessage::Challenge(challenge))
        .await
        .unwrap();
    let _proof: ClientMessage = read_frame(&mut stream).await.unwrap();
    let welcome = ServerMessage::Welcome {
        info: Box::new(info()),
        elapsed_ms: 0,
        journal: JournalStatus::default(),
    };
    write_frame(&mut stream, &welcome).await.unwrap();
    let sign = ServerMessage::Sign {
        id: 1,
        namespace: namespace.into(),
        message: crate::protocol::encoding::encode(&message),
    };
    write_frame(&mut stream, &sign).await.unwrap();
    answer(&mut stream).await
}

async fn answer(stream: &mut UnixStream) -> Option<String> {
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        read_frame::<_, ClientMessage>(stream),
    )
    .await
    .expect("the client answers or closes");
    match read {
        Ok(ClientMessage::Signature { signature, .. }) => Some(signature),
        Ok(other) => panic!("{other:?}"),
        Err(_) => None,
    }
}

/// What the client did with `message` in `namespace`, and what it told its person.
async fn asked(namespace: &str, message: Vec<u8>) -> (Option<String>, Option<Farewell>) {
    let dir = tempfile::tempdir().unwrap();
    let listener = UnixListener::bind(dir.path().join("engine.sock")).unwrap();
    let engine = tokio::spawn({
        let namespace = namespace.to_string();
        async move { fake_engine(listener, &namespace, message).await }
    });
    let attached = control(dir.path(), WhenHeld::Refuse, Some(signing(dir.path())))
        .await
        .unwrap();
    let signed = engine.await.unwrap();
    let told = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        attached.watching.farewell,
    )
    .await
    .ok()
    .and_then(Result::ok);
    (signed, told)
}

fn confirmation() -> Body {
    Body::Confirm(ConfirmBody {
        step: "transfer".into(),
        note: None,
        checklist: vec!["Payment sent".into()],
        via: Some(ConfirmVia::Terminal),
    })
}

fn refused(told: Option<Farewell>, says: &str) {
    match told {
        Some(Farewell::Refused(reason)) => assert!(reason.contains(says), "{reason}"),
        other => panic!("the person was not told: {other:?}"),
    }
}

#[tokio::test]
async fn an_approval_statement_is_never_signed_for_an_engine() {
    let statement = b"cutover approval v2\nrun: other-run\nwait: 00\nrunbook: r sha256:ab\nmode: production\nstep: transfer\ntitle: t\naction:\n  POST /payment\napprover: alice@corp\n".to_vec();
    let (signed, told) = asked("cutover-approval", statement).await;
    assert_eq!(signed, None, "nothing signed");
    refused(told, "cutover approve");
}

#[tokio::test]
async fn a_foreign_namespace_is_never_signed() {
    let (signed, told) = asked("git", b"tree 4b825dc642cb\n".to_vec()).await;
    assert_eq!(signed, None);
    refused(told, "namespace `git`");
}

#[tokio::test]
async fn another_runs_entry_is_never_signed() {
    let (signed, told) = asked("cutover-drill", entry("another-session", confirmation())).await;
    assert_eq!(signed, None);
    refused(told, "session another-session");
}

#[tokio::test]
async fn an_act_the_person_never_did_is_never_signed() {
    let (signed, told) = asked("cutover-drill", entry("s1", confirmation())).await;
    assert_eq!(signed, None);
    refused(told, "not something you did");
}

#[tokio::test]
async fn the_persons_own_attach_is_signed() {
    let dir = tempfile::tempdir().unwrap();
    let me = signing(dir.path());
    let attach = Body::Attach(ControllerChange {
        at: String::new(),
        action: SeatAction::Attach,
        seat: Seat::default(),
        from: None,
        person: Some(PersonKey::of(&me.principal, &me.key.public)),
    });
    let message = entry("s1", attach);
    let listener = UnixListener::bind(dir.path().join("engine.sock")).unwrap();
    let engine = tokio::spawn({
        let message = message.clone();
        async move { fake_engine(listener, "cutover-drill", message).await }
    });
    let public = me.key.public.clone();
    let _attached = control(dir.path(), WhenHeld::Refuse, Some(me))
        .await
        .unwrap();
    let signature = engine.await.unwrap().expect("signed");
    let blob = crate::protocol::encoding::decode(&signature).unwrap();
    assert!(crate::live::seat_signer::checked(
        &public,
        "cutover-drill",
        &message,
        &blob
    ));
}
