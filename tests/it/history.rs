//! `cutover history`: past runs of a runbook, each verified, figures per kind of run and
//! target; a TAMPERED journal is listed and counts in no figure.

use crate::support;
use crate::support::test_run::Test;

use crate::support::headless_drill;

const RUNBOOK: &str = r#"[runbook]
name = "timed"
expected_duration = "5m"

[vars.pause]
default = "0.1"

[[phase]]
id = "p"

[[phase.step]]
id = "wait-a-bit"
kind = "command"
run = "sleep {{ pause }}"

[[phase.step]]
id = "check"
kind = "command"
run = "echo fine"

[[rollback.step]]
id = "undo"
kind = "command"
run = "echo undone"
"#;

#[test]
fn history_gives_percentiles_per_step_and_leaves_tampered_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(dir.path(), RUNBOOK);
    let logs = dir.path().join("runs");
    for pause in ["0.1", "0.3", "0.5"] {
        let _ran = headless_drill(&runbook, &logs)
            .args(["--var", &format!("pause={pause}")])
            .status(0)
            .output();
    }
    let _rolled = headless_drill(&runbook, &logs)
        .args(["--inject-failure", "check", "--on-failure", "rollback"])
        .status(1)
        .output();
    // A fifth run whose journal is then edited: listed, not counted. (Run ids of the same
    // second sort by their random part: the fifth is the folder that was not there before.)
    let folders = || -> std::collections::BTreeSet<std::path::PathBuf> {
        std::fs::read_dir(logs.join("timed"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    let before = folders();
    let _ran = headless_drill(&runbook, &logs)
        .args(["--var", "pause=0"])
        .status(0)
        .output();
    let newest = folders().difference(&before).next().unwrap().clone();
    let journal = newest.join("journal.log");
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(
        &journal,
        text.replacen("\"message\":\"exit 0\"", "\"message\":\"exit 1\"", 1),
    )
    .unwrap();

    let output = Test::cutover()
        .args(["history", "timed", "--format", "json", "--log-dir"])
        .arg(&logs)
        .status(0)
        .output();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 5);
    let counted = runs.iter().filter(|r| r["counted"] == true).count();
    assert_eq!(counted, 4, "{json:#}");
    assert!(
        runs.iter()
            .any(|r| r["verdict"] == "TAMPERED" && r["counted"] == false)
    );
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "drills only, no target");
    let drills = &groups[0];
    assert_eq!(drills["mode"], "drill");
    assert_eq!(drills["runs"], 4);
    assert_eq!(drills["passed"], 3);
    assert_eq!(drills["rolled_back"], 1);
    assert_eq!(drills["planned_ms"], 300_000);
    assert!(drills["rollback_p50_ms"].is_u64(), "{drills:#}");
    let step = |id: &str| {
        drills["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == id)
            .unwrap()
            .clone()
    };
    let wait = step("wait-a-bit");
    // Four passing attempts: about 100, 300, 500 and 100 ms (the default pause of the rolled
    // back drill): p50 is the second smallest, p90 the largest.
    let p50 = wait["p50_ms"].as_u64().unwrap();
    let p90 = wait["p90_ms"].as_u64().unwrap();
    assert!((100..300).contains(&p50), "{wait:#}");
    assert!((500..900).contains(&p90), "{wait:#}");
    assert_eq!(step("check")["failures"], 1);

    let text = Test::cutover()
        .args(["history", runbook.to_str().unwrap(), "--log-dir"])
        .arg(&logs)
        .output();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.starts_with("5 runs of `timed`, 1 left out of the figures:"),
        "{text}"
    );
    assert!(
        text.contains("drill: 4 runs (3 passed, 1 rolled back)"),
        "{text}"
    );
    assert!(text.contains("wait-a-bit"), "{text}");

    // The same as a page: each step's durations across the counted runs, as bars.
    let page = Test::cutover()
        .args(["history", "timed", "--format", "html", "--log-dir"])
        .arg(&logs)
        .status(0)
        .output();
    let page = String::from_utf8(page.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && !page.contains("<script"));
    let start = page
        .find("<svg class=\"durations\"")
        .expect("the durations are drawn");
    let svg = &page[start..start + page[start..].find("</svg>").unwrap()];
    // Four counted runs of two steps, the check failing in one of them, whose rollback step
    // then passed.
    assert_eq!(
        svg.matches("class=\"bar passed\"").count(),
        4 + 3 + 1,
        "{svg}"
    );
    // Oldest on the left: the pauses were 0.1 s, 0.3 s, 0.5 s, then 0.1 s again.
    let waits: Vec<&str> = svg
        .match_indices("<title>wait-a-bit: ")
        .map(|(at, found)| &svg[at + found.len()..at + found.len() + 3])
        .collect();
    assert_eq!(waits, ["0.1", "0.3", "0.5", "0.1"], "{svg}");
    assert_eq!(svg.matches("class=\"bar failed\"").count(), 1, "{svg}");
    assert!(svg.contains("class=\"percentile p90\""), "{svg}");
    let file = dir.path().join("history.html");
    std::fs::write(&file, &page).unwrap();
    if let Some(shot) = support::chromium::screenshot(&file, 1000, 700) {
        let passed = shot.near([0x1c, 0x7c, 0x3c]);
        let failed = shot.near([0xb3, 0x26, 0x1e]);
        assert!(
            passed > 100 && failed > 20,
            "the bars are on screen: {passed} passed and {failed} failed pixels"
        );
    }
}

#[test]
fn a_report_names_the_steps_slower_than_their_history_and_the_rollback_against_earlier() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(dir.path(), RUNBOOK);
    let logs = dir.path().join("runs");
    let drill = |args: &[&str]| {
        let ran = headless_drill(&runbook, &logs).args(args).output();
        assert!(ran.status.code().is_some_and(|c| c <= 1), "{ran:?}");
    };
    for _ in 0..3 {
        drill(&["--var", "pause=0.1"]);
    }
    drill(&["--inject-failure", "check", "--on-failure", "rollback"]);
    // The run under review: the pause takes eight times as long, and it rolls back.
    drill(&[
        "--var",
        "pause=0.8",
        "--inject-failure",
        "check",
        "--on-failure",
        "rollback",
    ]);
    // Run ids of one second sort by their random part: find each run by what it holds.
    let runs: Vec<std::path::PathBuf> = std::fs::read_dir(logs.join("timed"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let header = |run: &std::path::Path| {
        std::fs::read_to_string(run.join("journal.log"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    let newest = runs
        .iter()
        .find(|run| header(run).contains("\"0.8\""))
        .unwrap()
        .clone();
    let output = Test::cutover()
        .args(["report", "--format", "json"])
        .arg(&newest)
        .output();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let against = &json["against_history"];
    assert_eq!(against["earlier_runs"], 4, "{against:#}");
    let slower = against["slower"].as_array().unwrap();
    assert_eq!(slower.len(), 1, "{against:#}");
    assert_eq!(slower[0]["step"], "wait-a-bit");
    assert!(slower[0]["took_ms"].as_u64().unwrap() >= 800);
    assert!(
        against["rollback"]["earlier_p50_ms"].is_u64(),
        "{against:#}"
    );
    assert_eq!(against["rollback"]["earlier_rollbacks"], 1);
    let markdown = Test::cutover().arg("report").arg(&newest).output();
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    assert!(markdown.contains("## Against earlier runs"), "{markdown}");
    assert!(markdown.contains("Step wait-a-bit took"), "{markdown}");
    // The first run of all has nothing to be compared with.
    let started = |run: &std::path::Path| {
        let line = header(run);
        let entry: serde_json::Value =
            serde_json::from_str(line.split('\t').next().unwrap()).unwrap();
        entry["ts"].as_str().unwrap().to_string()
    };
    let oldest = runs.iter().min_by_key(|run| started(run)).unwrap().clone();
    let output = Test::cutover()
        .args(["report", "--format", "json"])
        .arg(&oldest)
        .output();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(json["against_history"].is_null(), "{json:#}");
}

#[test]
fn the_tui_header_forecasts_from_earlier_drills() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("runbook.toml"), RUNBOOK).unwrap();
    let runbook = dir.path().join("runbook.toml");
    let logs = dir.path().join("runs");
    for args in [
        &["--var", "pause=0.1"][..],
        &["--var", "pause=0.1"][..],
        &["--inject-failure", "check", "--on-failure", "rollback"][..],
    ] {
        let ran = headless_drill(&runbook, &logs).args(args).output();
        assert!(ran.status.code().is_some_and(|c| c <= 1), "{ran:?}");
    }
    let pane = support::tmux::Pane::start(
        &format!(
            "cd {} && env -u SSH_AUTH_SOCK {} run runbook.toml --drill --key {} --log-dir {}",
            dir.path().display(),
            Test::binary().display(),
            support::key_file().display(),
            logs.display()
        ),
        120,
        30,
    );
    pane.wait_for("Press Enter to start");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("ends ~");
    assert!(screen.contains("UTC"), "{screen}");
    assert!(screen.contains("roll back by"), "{screen}");
    // Suspend: the run's engine ends with the test, not later.
    pane.keys(&["q"]);
    pane.wait_for("d detach");
    pane.keys(&["s"]);
    assert_eq!(pane.exit_code(), 3, "{}", pane.joined());
    let marker = dir.path().display().to_string();
    support::wait_until("the engine ended", || {
        support::processes_with(&marker)
            .iter()
            .all(|line| !line.contains(" engine "))
    });
}
