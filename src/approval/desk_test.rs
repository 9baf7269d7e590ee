//! The desk under concurrent approvers: the same key offered from many threads at once counts
//! once; distinct people each count once, numbered in order; nothing is accepted once the
//! wait is closed.

use ssh_key::{HashAlg, PrivateKey};

use super::desk::ApprovalDesk;
use super::offer::Awaited;
use super::refusal::Refusal;
use super::statement::{NAMESPACE, Statement};
use crate::journal::test_journal::drill_journal;
use crate::protocol::mode::Mode;

fn key(seed: u8, comment: &str) -> PrivateKey {
    PrivateKey::new(
        ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]).into(),
        comment,
    )
    .unwrap()
}

fn opened(dir: &std::path::Path) -> ApprovalDesk {
    let _journal = drill_journal(dir);
    let facts = crate::journal::run_facts::read(&dir.join("journal.log")).unwrap();
    let body = Statement {
        run_id: facts.run_id,
        wait: "w".into(),
        runbook: facts.runbook,
        runbook_sha256: facts.runbook_sha256,
        mode: Mode::Drill,
        step: "migrate".into(),
        title: "migrate".into(),
        action: "echo migrate".into(),
        vars: vec![],
        reads: vec![],
    }
    .body();
    let desk = ApprovalDesk::default();
    desk.judge_by(crate::journal::run_facts::reader(dir.join("journal.log")));
    desk.open(Awaited {
        step: "migrate".into(),
        body,
        required: 2,
        approvers: vec![],
    });
    desk
}

/// The number this key's approval got, or the refusal in words.
fn offer(desk: &ApprovalDesk, key: &PrivateKey) -> Result<u32, String> {
    let text = desk
        .statement("migrate", key.comment())
        .map_err(|refusal| refusal.to_string())?;
    let signature = key
        .sign(NAMESPACE, HashAlg::Sha512, text.as_bytes())
        .unwrap();
    let mut blob = Vec::new();
    ssh_encoding::Encode::encode(&signature, &mut blob).unwrap();
    desk.offer("migrate", &text, &blob)
        .map(|p| p.count)
        .map_err(|refusal: Refusal| refusal.to_string())
}

#[test]
fn the_same_key_at_once_from_many_approvers_counts_once() {
    for _trial in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let desk = opened(dir.path());
        let bob = key(2, "bob");
        let accepted: Vec<Result<u32, String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8).map(|_| scope.spawn(|| offer(&desk, &bob))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            accepted.iter().filter(|a| a.is_ok()).count(),
            1,
            "{accepted:?}"
        );
        assert!(
            accepted
                .iter()
                .filter_map(|a| a.as_ref().err())
                .all(|reason| reason.contains("one key counts once")),
            "{accepted:?}"
        );
        assert_eq!(desk.take_new().len(), 1);
    }
}

#[test]
fn distinct_people_count_in_order_and_a_closed_wait_takes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let desk = opened(dir.path());
    assert_eq!(offer(&desk, &key(2, "bob")), Ok(1));
    assert_eq!(offer(&desk, &key(3, "carol")), Ok(2));
    let third = offer(&desk, &key(4, "dave"));
    assert!(third.unwrap_err().contains("has its 2 approvals already"));
    assert_eq!(desk.close().len(), 2, "journaled all the same");
    let late = offer(&desk, &key(5, "erin"));
    assert!(late.unwrap_err().contains("not waiting for approvals"));
}
