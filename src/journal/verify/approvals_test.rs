//! Verify against approvals that do not hold: each forged or misbound approval is `E_APPROVAL`
//! at its line, and a journal whose approvals hold is trusted.

use ssh_key::{HashAlg, PrivateKey};

use crate::approval::statement::{NAMESPACE, Statement, signed_text};
use crate::journal::entry::{Body, StepStartBody};
use crate::journal::test_journal::drill_journal;
use crate::journal::verify::check::{VerifyOptions, verify_bytes};
use crate::protocol::approval::{Approval, ApproverRef};
use crate::protocol::mode::Mode;
use crate::protocol::step_kind::StepKind;

fn key(seed: u8, comment: &str) -> PrivateKey {
    PrivateKey::new(
        ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]).into(),
        comment,
    )
    .unwrap()
}

/// The wait the test's statements answer.
const WAIT: &str = "0f1e2d3c";

/// The statement of step `migrate` running `action` in the test journal's run.
fn statement(dir: &std::path::Path, run_id: &str, action: &str) -> String {
    let header = &crate::journal::run_facts::read(&dir.join("journal.log")).unwrap();
    Statement {
        run_id: run_id.into(),
        wait: WAIT.into(),
        runbook: header.runbook.clone(),
        runbook_sha256: header.runbook_sha256.clone(),
        mode: Mode::Drill,
        step: "migrate".into(),
        title: "migrate".into(),
        action: action.into(),
        vars: vec![],
        reads: vec![],
    }
    .body()
}

fn approval(body: &str, principal: &str, key: &PrivateKey) -> Approval {
    let text = signed_text(body, principal);
    let signature = key
        .sign(NAMESPACE, HashAlg::Sha512, text.as_bytes())
        .unwrap();
    let mut blob = Vec::new();
    ssh_encoding::Encode::encode(&signature, &mut blob).unwrap();
    Approval {
        step: "migrate".into(),
        principal: principal.into(),
        key: key.public_key().to_openssh().unwrap(),
        fingerprint: key.public_key().fingerprint(Default::default()).to_string(),
        statement: text,
        signature: crate::protocol::encoding::encode(&blob),
        count: 1,
        required: 1,
    }
}

fn start(action: &str, approvers: Vec<ApproverRef>) -> Body {
    start_of("migrate", action, approvers)
}

fn start_of(step: &str, action: &str, approvers: Vec<ApproverRef>) -> Body {
    Body::StepStart(StepStartBody {
        step: step.into(),
        title: "migrate".into(),
        kind: StepKind::Command,
        attempt: 1,
        action: action.into(),
        rollback: false,
        approvals: approvers,
        approval_wait: Some(WAIT.into()),
    })
}

/// The first error's code, writing `bodies` after a drill journal's header.
fn verdict(build: impl FnOnce(&std::path::Path) -> Vec<Body>) -> Option<&'static str> {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = drill_journal(dir.path());
    for body in build(dir.path()) {
        journal.append(body).unwrap();
    }
    let bytes = std::fs::read(dir.path().join("journal.log")).unwrap();
    verify_bytes(&bytes, dir.path(), &VerifyOptions::default())
        .error
        .map(|finding| finding.code)
}

#[test]
fn approvals_that_hold_are_trusted() {
    let bob = key(2, "bob");
    let found = verdict(|dir| {
        let given = approval(&statement(dir, "test", "echo migrate"), "bob", &bob);
        vec![
            Body::Approval(Box::new(given.clone())),
            start("echo migrate", vec![given.approver()]),
        ]
    });
    assert_eq!(found, None);
}

#[test]
fn a_forged_or_misbound_approval_is_e_approval() {
    let bob = key(2, "bob");
    let carol = key(3, "carol");
    // Another run's statement.
    let found = verdict(|dir| {
        vec![Body::Approval(Box::new(approval(
            &statement(dir, "another-run", "echo migrate"),
            "bob",
            &bob,
        )))]
    });
    assert_eq!(found, Some("E_APPROVAL"), "another run");
    // Signed by Carol, naming Bob's key.
    let found = verdict(|dir| {
        let mut given = approval(&statement(dir, "test", "echo migrate"), "bob", &carol);
        given.key = bob.public_key().to_openssh().unwrap();
        given.fingerprint = bob.public_key().fingerprint(Default::default()).to_string();
        vec![Body::Approval(Box::new(given))]
    });
    assert_eq!(found, Some("E_APPROVAL"), "someone else's signature");
    // The operator's own name.
    let found = verdict(|dir| {
        vec![Body::Approval(Box::new(approval(
            &statement(dir, "test", "echo migrate"),
            "tester",
            &bob,
        )))]
    });
    assert_eq!(found, Some("E_APPROVAL"), "the operator");
    // A step start naming an approval of another action.
    let found = verdict(|dir| {
        let given = approval(&statement(dir, "test", "echo migrate"), "bob", &bob);
        vec![
            Body::Approval(Box::new(given.clone())),
            start("rm -rf /", vec![given.approver()]),
        ]
    });
    assert_eq!(found, Some("E_APPROVAL"), "another action");
    // The same approver counted twice.
    let found = verdict(|dir| {
        let given = approval(&statement(dir, "test", "echo migrate"), "bob", &bob);
        vec![
            Body::Approval(Box::new(given.clone())),
            start("echo migrate", vec![given.approver(), given.approver()]),
        ]
    });
    assert_eq!(found, Some("E_APPROVAL"), "counted twice");
    // A step start naming an approver with no approval at all.
    let found = verdict(|_| {
        vec![start(
            "echo migrate",
            vec![ApproverRef {
                principal: "bob".into(),
                fingerprint: "SHA256:nobody".into(),
            }],
        )]
    });
    assert_eq!(found, Some("E_APPROVAL"), "no approval");
}

#[test]
fn an_approval_answers_one_wait_and_a_copy_of_it_never_counts() {
    let bob = key(2, "bob");
    // The same signature twice: copied out of the journal and handed in again.
    let found = verdict(|dir| {
        let given = approval(&statement(dir, "test", "echo migrate"), "bob", &bob);
        vec![
            Body::Approval(Box::new(given.clone())),
            start("echo migrate", vec![given.approver()]),
            Body::Approval(Box::new(given.clone())),
        ]
    });
    assert_eq!(found, Some("E_APPROVAL"), "a copied signature");
    // A step start that names another wait than the one the approval answered.
    let found = verdict(|dir| {
        let given = approval(&statement(dir, "test", "echo migrate"), "bob", &bob);
        let Body::StepStart(mut other) = start("echo migrate", vec![given.approver()]) else {
            unreachable!()
        };
        other.approval_wait = Some("another-wait".into());
        vec![Body::Approval(Box::new(given)), Body::StepStart(other)]
    });
    assert_eq!(found, Some("E_APPROVAL"), "another wait");
    // One wait answering two steps.
    let found = verdict(|dir| {
        let given = approval(&statement(dir, "test", "echo migrate"), "bob", &bob);
        vec![
            Body::Approval(Box::new(given.clone())),
            start("echo migrate", vec![given.approver()]),
            start_of("deploy", "echo migrate", vec![given.approver()]),
        ]
    });
    assert_eq!(found, Some("E_APPROVAL"), "a wait reused");
    // A retry of the approved step starts on the same wait.
    let found = verdict(|dir| {
        let given = approval(&statement(dir, "test", "echo migrate"), "bob", &bob);
        vec![
            Body::Approval(Box::new(given.clone())),
            start("echo migrate", vec![given.approver()]),
            start("echo migrate", vec![given.approver()]),
        ]
    });
    assert_eq!(found, None, "a retry");
}

#[test]
fn an_approver_holding_the_controls_when_the_step_starts_is_e_approval() {
    use crate::engine::controller_change::{ControllerChange, Seat, SeatAction};
    use crate::keys::person::PersonKey;
    let bob = key(2, "bob");
    let dir = tempfile::tempdir().unwrap();
    let mut journal = drill_journal(dir.path());
    let given = approval(&statement(dir.path(), "test", "echo migrate"), "bob", &bob);
    journal
        .append(Body::Approval(Box::new(given.clone())))
        .unwrap();
    // Bob takes the controls after approving (his own key signs his attach).
    struct Bob(PrivateKey);
    impl crate::keys::person::PersonSigner for Bob {
        fn sign(&self, namespace: &str, message: &[u8]) -> Option<(ssh_key::PublicKey, Vec<u8>)> {
            let signature = self.0.sign(namespace, HashAlg::Sha512, message).ok()?;
            let mut blob = Vec::new();
            ssh_encoding::Encode::encode(&signature, &mut blob).ok()?;
            Some((self.0.public_key().clone(), blob))
        }
    }
    journal.sign_acts_with(Box::new(Bob(bob.clone())));
    journal
        .append_act(Body::Attach(ControllerChange {
            at: "2026-12-07T00:00:00.000Z".into(),
            action: SeatAction::Attach,
            seat: Seat::default(),
            from: None,
            person: Some(PersonKey::of("bob", bob.public_key())),
        }))
        .unwrap();
    journal
        .append(start("echo migrate", vec![given.approver()]))
        .unwrap();
    let bytes = std::fs::read(dir.path().join("journal.log")).unwrap();
    let found = verify_bytes(&bytes, dir.path(), &VerifyOptions::default()).error;
    let found = found.expect("refused");
    assert_eq!(found.code, "E_APPROVAL", "{}", found.message);
    assert!(
        found.message.contains("held the controls"),
        "{}",
        found.message
    );
}
