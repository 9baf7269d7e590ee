//! Who signs what (LOG-FORMAT.md, "Signatures"): a person's acts and the checkpoints after
//! them carry that person's SSH key; what the engine writes alone — results, a policy's
//! decision, periodic and end-of-phase checkpoints, the footer of a run nobody ended — the
//! session key. Verify says which key signed what and which closed the journal, and refuses a
//! kind signed by the wrong one.

use crate::support::test_run::Test;
use crate::support::verify;

/// Each entry's kind and the scheme of its signature (`sshsig`, `ed25519`), in order.
fn signed(journal: &str) -> Vec<(String, String, Option<String>)> {
    journal
        .lines()
        .map(|line| {
            let (json, signature) = line.split_once('\t').unwrap();
            let entry: serde_json::Value = serde_json::from_str(json).unwrap();
            let reason = entry["body"]["reason"].as_str().map(str::to_string);
            (
                entry["kind"].as_str().unwrap().to_string(),
                signature.split(':').next().unwrap().to_string(),
                reason,
            )
        })
        .collect()
}

#[test]
fn acts_are_signed_by_the_person_and_the_rest_by_the_session_key() {
    let ran = Test::run_headless(
        "[runbook]\nname = \"signers\"\n\n[[phase]]\nid = \"p\"\n\n\
         [[phase.step]]\nid = \"look\"\nkind = \"manual\"\ninstructions = \"Look\"\n\n\
         [[phase.step]]\nid = \"note\"\nkind = \"command\"\nrun = \"echo ok\"\n\n\
         [[phase]]\nid = \"q\"\n\n\
         [[phase.step]]\nid = \"breaks\"\nkind = \"command\"\nrun = \"exit 3\"\non_failure = \"abort\"\n",
    )
    .args(["--confirm", "look=seen", "--drill"])
    .status(1)
    .run();
    let journal = ran.read("journal.log");
    let entries = signed(&journal);
    let scheme = |kind: &str, reason: Option<&str>| -> Vec<String> {
        entries
            .iter()
            .filter(|(k, _, r)| k == kind && (reason.is_none() || r.as_deref() == reason))
            .map(|(_, s, _)| s.clone())
            .collect()
    };
    assert_eq!(scheme("header", None), ["sshsig"]);
    assert_eq!(scheme("confirm", None), ["sshsig"], "the person's act");
    assert_eq!(scheme("checkpoint", Some("confirm")), ["sshsig"]);
    assert_eq!(scheme("checkpoint", Some("phase-end")), ["ed25519"]);
    assert_eq!(
        scheme("decision", None),
        ["ed25519"],
        "a policy decided, not a person"
    );
    assert_eq!(scheme("checkpoint", Some("decision")), ["ed25519"]);
    assert_eq!(scheme("footer", None), ["ed25519"], "nobody ended the run");
    assert!(scheme("step_result", None).iter().all(|s| s == "ed25519"));
    let (code, report) = verify(&ran.run_dir(), &[]);
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains("signed: 3 entries by the operator's key (1 of them a person's acts)"),
        "{report}"
    );
    assert!(
        report.contains("closed by the session key (the run ended on its own)"),
        "{report}"
    );
}

#[test]
fn a_kind_signed_by_the_wrong_key_is_refused() {
    let ran = Test::run_headless(
        "[runbook]\nname = \"swap\"\n\n[[phase]]\nid = \"p\"\n\n\
         [[phase.step]]\nid = \"look\"\nkind = \"manual\"\ninstructions = \"Look\"\n\n\
         [[phase.step]]\nid = \"run\"\nkind = \"command\"\nrun = \"echo ok\"\n",
    )
    .args(["--confirm", "look", "--drill"])
    .run();
    let run = ran.run_dir();
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    let lines: Vec<&str> = journal.lines().collect();
    let confirm = lines
        .iter()
        .position(|l| l.contains("\"kind\":\"confirm\""))
        .unwrap();
    let result = lines
        .iter()
        .position(|l| l.contains("\"kind\":\"step_result\""))
        .unwrap();
    // A step's result carrying the person's SSHSIG (taken from the confirm line) is refused:
    // results are the engine's.
    let sshsig = lines[confirm].split('\t').nth(1).unwrap();
    let json = lines[result].split('\t').next().unwrap();
    let mut tampered: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    tampered[result] = format!("{json}\t{sshsig}");
    std::fs::write(run.join("journal.log"), tampered.join("\n") + "\n").unwrap();
    let (code, report) = verify(&run, &[]);
    assert_eq!(code, 4, "{report}");
    assert!(report.contains("E_SIG"), "{report}");
}
