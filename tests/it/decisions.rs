//! Decisions with a deadline and a safe default (SPEC §8): a go/no-go question that nobody
//! answers takes its default when the deadline passes, journaled as the deadline's and signed
//! by the engine, never as anyone's choice; an answer in time counts, signed by the person;
//! `hold` waits and asks again; headless, `--decide STEP=OPTION` answers in advance.

use crate::support;

use std::time::{Duration, Instant};

use crate::support::tmux::Pane;
use crate::support::{headless_drill, journal_bodies, run_dir, verify};

const GO_NO_GO: &str = r#"[runbook]
name = "gonogo"

[[phase]]
id = "p"

[[phase.step]]
id = "deploy"
kind = "command"
run = "echo deployed"
undo = "echo undeployed"

[[phase.step]]
id = "gate"
kind = "decision"
question = "Go for the full rollout?"
options = ["go", "rollback", { name = "wait a bit", action = "hold" }]
deadline = "DEADLINE"
default = "rollback"

[[phase.step]]
id = "after"
kind = "command"
run = "echo after-ran"
"#;

/// Each entry's kind and the scheme of its signature, for the decision entries.
fn decision_lines(run: &std::path::Path) -> Vec<(serde_json::Value, String)> {
    std::fs::read_to_string(run.join("journal.log"))
        .unwrap()
        .lines()
        .filter_map(|line| {
            let (json, signature) = line.split_once('\t').unwrap();
            let entry: serde_json::Value = serde_json::from_str(json).unwrap();
            (entry["kind"] == "decision").then(|| {
                (
                    entry["body"]["decision"].clone(),
                    signature.split(':').next().unwrap().to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn nobody_answering_by_the_deadline_takes_the_default_as_the_deadlines() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(dir.path(), &GO_NO_GO.replace("DEADLINE", "2s"));
    let logs = dir.path().join("runs");
    let started = Instant::now();
    let output = headless_drill(&runbook, &logs).output();
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(1), "rolled back");
    assert!(
        took >= Duration::from_millis(1900) && took < crate::support::slack(Duration::from_secs(8)),
        "{took:?}"
    );
    let run = run_dir(&logs);
    let decisions = decision_lines(&run);
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    let (decision, signature) = &decisions[0];
    assert_eq!(decision["choice"], "deadline", "never a choice: {decision}");
    assert_eq!(decision["option"], "rollback");
    assert_eq!(signature, "ed25519", "the engine signs what nobody decided");
    let starts: Vec<String> = journal_bodies(&run, "step_start")
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(starts, ["deploy", "gate", "deploy:undo"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no answer by the deadline: rollback"),
        "{stderr}"
    );
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn an_answer_in_time_counts_and_is_the_persons() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(dir.path(), &GO_NO_GO.replace("DEADLINE", "1m"));
    let logs = dir.path().join("runs");
    let _output = headless_drill(&runbook, &logs)
        .args(["--decide", "gate=go"])
        .status(0)
        .output();
    let run = run_dir(&logs);
    let decisions = decision_lines(&run);
    assert_eq!(decisions[0].0["choice"], "chose");
    assert_eq!(decisions[0].0["option"], "go");
    assert_eq!(decisions[0].0["via"], "command-line");
    assert_eq!(decisions[0].1, "sshsig", "a person's act");
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_decision_without_a_deadline_or_an_answer_suspends_a_headless_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = GO_NO_GO
        .replace("deadline = \"DEADLINE\"\n", "")
        .replace("default = \"rollback\"\n", "");
    let runbook = support::runbook(dir.path(), &text);
    let logs = dir.path().join("runs");
    let output = headless_drill(&runbook, &logs).status(3).output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--decide gate=OPTION"), "{stderr}");
}

#[test]
fn the_tui_counts_down_and_a_hold_asks_again() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("runbook.toml"),
        GO_NO_GO.replace("DEADLINE", "5m"),
    )
    .unwrap();
    let logs = dir.path().join("runs");
    let pane = Pane::drill(dir.path(), &logs, 100, 30);
    pane.wait_for("Press Enter to start");
    pane.keys(&["Enter"]);
    pane.wait_for("Go for the full rollout?");
    let screen = pane.wait_for("No answer in 4:5");
    assert!(screen.contains("rollback is taken"), "{screen}");
    assert!(
        screen.contains("wait a bit — wait, and be asked again"),
        "{screen}"
    );
    // Hold: journaled, and asked again.
    pane.keys(&["Down", "Down", "Enter"]);
    let run = run_dir(&logs);
    support::wait_until("the hold is journaled", || !decision_lines(&run).is_empty());
    // Asked again: the cursor is back on the first option.
    pane.wait_for("› go");
    pane.keys(&["Enter"]);
    pane.wait_for("Run finished");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0, "{}", pane.joined());
    let decisions = decision_lines(&run);
    let chosen: Vec<&str> = decisions
        .iter()
        .map(|(d, _)| d["option"].as_str().unwrap())
        .collect();
    assert_eq!(chosen, ["wait a bit", "go"]);
    assert!(
        decisions
            .iter()
            .all(|(d, s)| d["choice"] == "chose" && s == "sshsig")
    );
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_manual_step_nobody_confirms_by_its_deadline_does_what_the_runbook_says() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(
        dir.path(),
        r#"[runbook]
name = "unconfirmed"

[[phase]]
id = "p"

[[phase.step]]
id = "deploy"
kind = "command"
run = "echo deployed"
undo = "echo undeployed"

[[phase.step]]
id = "look"
kind = "manual"
instructions = "Look at the dashboard."
deadline = "2s"
on_deadline = "rollback"

[[phase.step]]
id = "after"
kind = "command"
run = "echo after-ran"
"#,
    );
    let logs = dir.path().join("runs");
    let started = Instant::now();
    let _output = headless_drill(&runbook, &logs).status(1).output();
    assert!(started.elapsed() >= Duration::from_millis(1900));
    let run = run_dir(&logs);
    assert!(
        journal_bodies(&run, "confirm").is_empty(),
        "never a confirmation"
    );
    let decisions = decision_lines(&run);
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].0["choice"], "deadline");
    assert_eq!(decisions[0].0["option"], "rollback");
    assert_eq!(decisions[0].1, "ed25519");
    let result = journal_bodies(&run, "step_result")
        .into_iter()
        .find(|r| r["step"] == "look")
        .unwrap();
    assert_eq!(result["status"], "skipped", "{result}");
    assert_eq!(verify(&run, &[]).0, 0);
}
