//! Verify against approvals that do not hold: each forged or misbound approval is `E_APPROVAL`
//! at its line, and a journal whose approvals hold is trusted.

use ssh_key::{HashAlg, PrivateKey};

use crate::approval::record::{Approval, ApproverRef};
use crate::approval::statement::{NAMESPACE, Statement, signed_text};
use crate::engine::events::Mode;
use crate::journal::entry::{Body, StepStartBody};
use crate::journal::test_journal::drill_journal;
use crate::journal::verify::check::{VerifyOptions, verify_bytes};
use crate::runbook::model::StepKind;

fn key(seed: u8, comment: &str) -> PrivateKey {
    PrivateKey::new(
        ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]).into(),
        comment,
    )
    .unwrap()
}

/// The statement of step `migrate` running `action` in the test journal's run.
fn statement(dir: &std::path::Path, run_id: &str, action: &str) -> String {
    let header = &crate::approval::run_facts::read(&dir.join("journal.log")).unwrap();
    Statement {
        run_id: run_id.into(),
        runbook: header.runbook.clone(),
        runbook_sha256: header.runbook_sha256.clone(),
        mode: Mode::Drill,
        step: "migrate".into(),
        title: "migrate".into(),
        action: action.into(),
        vars: vec![],
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
        signature: crate::journal::line::encode(&blob),
        count: 1,
        required: 1,
    }
}

fn start(action: &str, approvers: Vec<ApproverRef>) -> Body {
    Body::StepStart(StepStartBody {
        step: "migrate".into(),
        title: "migrate".into(),
        kind: StepKind::Command,
        attempt: 1,
        action: action.into(),
        rollback: false,
        approvals: approvers,
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
