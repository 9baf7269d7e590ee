//! `cutover ls`: a live run with its engine, a suspended run with the command that continues
//! it, a run whose engine was killed shown as interrupted (and `resume` finishing it), finished
//! runs only with `--all`, the same as JSON.

use crate::support;
use crate::support::test_run::Test;

use std::path::Path;
use std::time::Duration;

use crate::support::{key_file, wait_until};

const RUNBOOK: &str = r#"
[runbook]
name = "listed"

[[phase]]
id = "p"

[[phase.step]]
id = "work"
kind = "command"
run = "sleep ${SLEEP:-0}"

[[phase.step]]
id = "confirm"
kind = "manual"
instructions = "Check."
"#;

fn ls(logs: &Path, extra: &[&str]) -> String {
    let output = Test::cutover()
        .arg("ls")
        .arg("--log-dir")
        .arg(logs)
        .args(extra)
        .status(0)
        .output();
    String::from_utf8(output.stdout).unwrap()
}

fn spawn_run(dir: &Path, sleep: &str) -> std::process::Child {
    let runbook = support::runbook(dir, RUNBOOK);
    support::spawn_headless(
        &runbook,
        &dir.join("runs"),
        &["--drill"],
        &[("SLEEP", sleep)],
    )
}

#[test]
fn ls_tells_live_suspended_interrupted_and_finished_runs_apart() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");

    // Suspended at its manual step.
    let status = spawn_run(dir.path(), "0").wait().unwrap();
    assert_eq!(status.code(), Some(3));
    let listing = ls(&logs, &[]);
    assert!(listing.starts_with("suspended listed "), "{listing}");
    assert!(listing.contains("at `confirm`"), "{listing}");
    assert!(listing.contains("continue: cutover resume /"), "{listing}");

    // Live, then killed: interrupted.
    let mut live = spawn_run(dir.path(), "30");
    wait_until("the second run is live", || {
        ls(&logs, &[]).contains("live listed")
    });
    let listing = ls(&logs, &[]);
    assert!(listing.contains("at `work`"), "{listing}");
    assert!(
        listing.contains(&format!("engine PID {}", live.id())),
        "{listing}"
    );
    live.kill().unwrap();
    live.wait().unwrap();
    let json: serde_json::Value = serde_json::from_str(&ls(&logs, &["--format", "json"])).unwrap();
    let states: Vec<&str> = json["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["suspended", "interrupted"], "{json}");
    let interrupted = json["runs"][1]["run_dir"].as_str().unwrap().to_string();

    // resume finishes it (the step that was running is run again, then confirmed).
    let _resumed = Test::cutover()
        .env("SLEEP", "0")
        .arg("resume")
        .arg(&interrupted)
        .args(["--rerun", "work", "--confirm", "confirm", "--key"])
        .arg(key_file())
        .timeout(Duration::from_secs(60))
        .status(0)
        .output();
    assert!(
        !ls(&logs, &[]).contains(&interrupted),
        "finished runs are not listed"
    );
    assert!(
        ls(&logs, &["--all"]).contains("finished listed"),
        "unless asked"
    );
}
