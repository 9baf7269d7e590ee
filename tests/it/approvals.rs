//! Approvals bound to the exact plan (SPEC §8): a step with `approvals = N` starts only once N
//! people other than those running the run have signed a statement of exactly what it will do
//! — on the same host with `cutover approve`, or anywhere with `ssh-keygen -Y sign` over the
//! statement `--print` wrote. The operator's key, a key twice, a statement of another command,
//! run or step are refused (exit 2); the journal proves who approved what, and verify checks it.

use crate::support;
use crate::support::test_run::Test;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::people::{
    approve, person_key, public_key, signed_elsewhere, start, start_with, started_steps, statement,
    stderr, wait_for_exit,
};
use crate::support::tmux::Pane;
use crate::support::{journal_bodies, key_file, run_dir, verify, wait_until};

const GATED: &str = r#"[runbook]
name = "gated"

[vars.version]
default = "2.0.0"

[[phase]]
id = "p"

[[phase.step]]
id = "prepare"
kind = "command"
run = "echo prepared"

[[phase.step]]
id = "migrate"
kind = "command"
run = "echo migrating to {{ version }}"
approvals = APPROVALS
EXTRA
"#;

#[test]
fn only_other_people_approving_exactly_what_runs_let_the_step_start() {
    let dir = tempfile::tempdir().unwrap();
    let bob = person_key(dir.path(), "bob@corp");
    let carol = person_key(dir.path(), "carol@corp");
    let mut run = start(
        dir.path(),
        &GATED
            .replace("APPROVALS", "2")
            .replace("EXTRA", "approvers = [\"bob@corp\", \"carol@corp\"]"),
    );
    let text = statement(dir.path(), "migrate", "bob@corp");
    assert!(text.contains("\nstep: migrate\n"), "{text}");
    assert!(text.contains("  echo migrating to 2.0.0\n"), "{text}");
    assert!(text.contains("var version = \"2.0.0\"\n"), "{text}");
    assert!(text.ends_with("approver: bob@corp\n"), "{text}");
    let folder = run_dir(&dir.path().join("runs"));
    // The engine says it waits (its own word, over its socket): only then is "nothing
    // started" a fact rather than a race.
    wait_until("the run says it waits for approvals", || {
        waits_for_approvals(dir.path())
    });
    assert_eq!(started_steps(&folder), ["prepare"], "waits for approvals");

    // Without a terminal nobody is asked: a key signs only with --yes.
    let unasked = Test::cutover()
        .args(["approve", "--log-dir"])
        .arg(dir.path().join("runs"))
        .args(["gated", "migrate", "--key", bob.to_str().unwrap()])
        .status(2)
        .output();
    assert!(stderr(&unasked).contains("--yes"), "{}", stderr(&unasked));

    // The operator's own key, on the same host.
    let own = approve(
        dir.path(),
        &[
            "gated",
            "migrate",
            "--key",
            key_file().to_str().unwrap(),
            "--as",
            "bob@corp",
        ],
    );
    assert_eq!(own.status.code(), Some(2), "{}", stderr(&own));
    assert!(stderr(&own).contains("runs this run"), "{}", stderr(&own));

    // Statements of another command, another run, another step: each refused, saying where
    // it differs.
    for (name, forged, differs) in [
        (
            "command",
            text.replace("echo migrating to 2.0.0", "rm -rf /srv/data"),
            "rm -rf /srv/data",
        ),
        (
            "run",
            text.replacen("run: ", "run: 20250101T000000Z-00000000", 1),
            "run: 20250101T000000Z-00000000",
        ),
        (
            "step",
            text.replace("step: migrate", "step: prepare"),
            "step: prepare",
        ),
    ] {
        let signature = signed_elsewhere(dir.path(), name, &forged, &bob);
        let refused = approve(
            dir.path(),
            &[
                "gated",
                "migrate",
                "--signature",
                signature.to_str().unwrap(),
            ],
        );
        assert_eq!(
            refused.status.code(),
            Some(2),
            "{name}: {}",
            stderr(&refused)
        );
        assert!(
            stderr(&refused).contains("not what the step will do now")
                && stderr(&refused).contains(differs),
            "{name}: {}",
            stderr(&refused)
        );
    }
    // Someone the runbook does not allow.
    let mallory = person_key(dir.path(), "mallory@corp");
    let outsider = approve(
        dir.path(),
        &["gated", "migrate", "--key", mallory.to_str().unwrap()],
    );
    assert_eq!(outsider.status.code(), Some(2));
    assert!(
        stderr(&outsider).contains("may not approve"),
        "{}",
        stderr(&outsider)
    );

    // Bob signs --print's statement with stock OpenSSH, elsewhere: it counts.
    let signature = signed_elsewhere(dir.path(), "migrate.approval", &text, &bob);
    let counted = approve(
        dir.path(),
        &[
            "gated",
            "migrate",
            "--signature",
            signature.to_str().unwrap(),
        ],
    );
    assert!(counted.status.success(), "{}", stderr(&counted));
    assert!(
        stderr(&counted).contains("(1 of 2)"),
        "{}",
        stderr(&counted)
    );
    // The same key again counts once, whatever name it gives.
    let again = approve(
        dir.path(),
        &[
            "gated",
            "migrate",
            "--key",
            bob.to_str().unwrap(),
            "--as",
            "carol@corp",
        ],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("one key counts once"),
        "{}",
        stderr(&again)
    );
    assert!(
        waits_for_approvals(dir.path()),
        "still waiting after one approval of two"
    );
    assert_eq!(started_steps(&folder), ["prepare"], "one approval of two");

    // Carol, on the same host, with her key file: the second approval; the step runs.
    let second = approve(
        dir.path(),
        &["gated", "migrate", "--key", carol.to_str().unwrap()],
    );
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        wait_for_exit(&mut run),
        0,
        "{}",
        std::fs::read_to_string(dir.path().join("run.err")).unwrap()
    );
    assert_eq!(started_steps(&folder), ["prepare", "migrate"]);

    // The journal: two approvals with their signatures, the step's start naming both.
    let approvals = journal_bodies(&folder, "approval");
    let names: Vec<&str> = approvals
        .iter()
        .map(|a| a["principal"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bob@corp", "carol@corp"]);
    assert!(
        approvals[0]["statement"]
            .as_str()
            .unwrap()
            .contains("echo migrating to 2.0.0")
    );
    let start = journal_bodies(&folder, "step_start")
        .into_iter()
        .find(|s| s["step"] == "migrate")
        .unwrap();
    assert_eq!(start["approvals"].as_array().unwrap().len(), 2, "{start}");

    // verify with allowed_signers listing the operator and both approvers holds; without
    // Carol's key it names her approval.
    let header = &journal_bodies(&folder, "header")[0];
    let operator = format!(
        "{} namespaces=\"cutover-drill\" {}\n",
        header["operator"]["principal"].as_str().unwrap(),
        header["operator"]["key"].as_str().unwrap()
    );
    let approver = |name: &str, key: &Path| {
        format!(
            "{name} namespaces=\"cutover-approval\" {}\n",
            public_key(key)
        )
    };
    let allowed = dir.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!(
            "{operator}{}{}",
            approver("bob@corp", &bob),
            approver("carol@corp", &carol)
        ),
    )
    .unwrap();
    let (code, said) = verify(&folder, &["--allowed-signers", allowed.to_str().unwrap()]);
    assert_eq!(code, 0, "{said}");
    std::fs::write(
        &allowed,
        format!("{operator}{}", approver("bob@corp", &bob)),
    )
    .unwrap();
    let (code, said) = verify(&folder, &["--allowed-signers", allowed.to_str().unwrap()]);
    assert_eq!(code, 4, "{said}");
    assert!(
        said.contains("E_SIGNER") && said.contains("carol@corp"),
        "{said}"
    );

    // The JSON report names the approvers of the step.
    let report = Test::cutover()
        .args(["report", "--format", "json"])
        .arg(&folder)
        .output();
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let step = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "migrate")
        .unwrap();
    let approvers: Vec<&str> = step["approved_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["principal"].as_str().unwrap())
        .collect();
    assert_eq!(approvers, ["bob@corp", "carol@corp"]);
}

#[test]
fn an_approval_for_a_step_the_run_is_not_at_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = start(
        dir.path(),
        &GATED.replace("APPROVALS", "1").replace("EXTRA", ""),
    );
    statement(dir.path(), "migrate", "bob@corp");
    let early = approve(
        dir.path(),
        &["gated", "prepare", "--print", "--as", "bob@corp"],
    );
    assert_eq!(early.status.code(), Some(2));
    assert!(
        stderr(&early).contains("waits for approvals of step `migrate`, not `prepare`"),
        "{}",
        stderr(&early)
    );
    drop(run);
}

#[test]
fn approvals_not_given_by_the_deadline_end_the_wait_as_the_runbook_says() {
    let receiver = support::serve(|_, _| support::Reply::new(200, "{}"));
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let notify = format!(
        "deadline = \"2s\"\non_deadline = \"abort\"\n\n[[notify]]\nkind = \"webhook\"\nurl = \"{}/hook\"\nevents = [\"approval\"]",
        receiver.base
    );
    let mut run = start(
        dir.path(),
        &GATED.replace("APPROVALS", "1").replace("EXTRA", &notify),
    );
    let code = wait_for_exit(&mut run);
    let took = started.elapsed();
    assert_eq!(code, 1, "aborted");
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    let folder = run_dir(&dir.path().join("runs"));
    assert_eq!(started_steps(&folder), ["prepare"], "never ran unapproved");
    let decisions = journal_bodies(&folder, "decision");
    assert_eq!(
        decisions[0]["decision"]["choice"], "deadline",
        "{decisions:?}"
    );
    assert_eq!(decisions[0]["decision"]["option"], "abort");
    assert!(journal_bodies(&folder, "approval").is_empty());
    assert_eq!(verify(&folder, &[]).0, 0);
    // Approvers were asked at once, with the command that approves.
    let asked: Vec<serde_json::Value> = receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| serde_json::from_str(body).unwrap())
        .collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["event"], "approval");
    assert_eq!(asked[0]["step"], "migrate");
    let run_id = folder.file_name().unwrap().to_str().unwrap();
    assert!(
        asked[0]["text"]
            .as_str()
            .unwrap()
            .contains(&format!("cutover approve {run_id} migrate")),
        "{}",
        asked[0]
    );
}

#[test]
fn the_tui_shows_the_wait_and_each_approval_as_it_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let bob = person_key(dir.path(), "bob@corp");
    std::fs::write(
        dir.path().join("runbook.toml"),
        GATED.replace("APPROVALS", "1").replace("EXTRA", ""),
    )
    .unwrap();
    let logs = dir.path().join("runs");
    let pane = Pane::drill(dir.path(), &logs, 110, 40);
    pane.wait_for("Press Enter to start");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("migrate needs approval");
    assert!(screen.contains("Approvals: 0 of 1"), "{screen}");
    assert!(screen.contains("cutover approve"), "{screen}");
    let given = approve(
        dir.path(),
        &["gated", "migrate", "--key", bob.to_str().unwrap()],
    );
    assert!(given.status.success(), "{}", stderr(&given));
    pane.wait_for("approved by bob@corp");
    pane.wait_for("Run finished");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0, "{}", pane.joined());
    let folder = run_dir(&logs);
    assert_eq!(verify(&folder, &[]).0, 0);
}

#[test]
fn a_rollback_step_may_require_an_approval_too() {
    let dir = tempfile::tempdir().unwrap();
    let bob = person_key(dir.path(), "bob@corp");
    let text = r#"[runbook]
name = "gated"

[[phase]]
id = "p"

[[phase.step]]
id = "deploy"
kind = "command"
run = "echo deployed"

[[rollback.step]]
id = "restore"
kind = "command"
run = "echo restored"
approvals = 1
"#;
    let mut run = start_with(
        dir.path(),
        text,
        &["--inject-failure", "deploy", "--on-failure", "rollback"],
    );
    let text = statement(dir.path(), "restore", "bob@corp");
    assert!(text.contains("  echo restored\n"), "{text}");
    let given = approve(
        dir.path(),
        &["gated", "restore", "--key", bob.to_str().unwrap()],
    );
    assert!(given.status.success(), "{}", stderr(&given));
    assert_eq!(wait_for_exit(&mut run), 1, "rolled back");
    let folder = run_dir(&dir.path().join("runs"));
    let restore = journal_bodies(&folder, "step_start")
        .into_iter()
        .find(|s| s["step"] == "restore")
        .expect("the rollback step ran once approved");
    assert_eq!(restore["rollback"], true);
    assert_eq!(restore["approvals"][0]["principal"], "bob@corp");
    assert_eq!(verify(&folder, &[]).0, 0);
}

/// Whether `cutover ls` says the run under `dir` waits for approvals: the engine's own word.
fn waits_for_approvals(dir: &Path) -> bool {
    let listed = Test::cutover()
        .args(["ls", "--log-dir"])
        .arg(dir.join("runs"))
        .status(0)
        .output();
    String::from_utf8_lossy(&listed.stdout).contains("waiting for approvals by other people")
}
