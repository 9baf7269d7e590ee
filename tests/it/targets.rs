//! `--target NAME`: the same steps, with the target's values and environment. A production
//! runbook's `sandbox` target runs as a drill (no operator key needed, drill namespace); the
//! header, verify and the report name the target; `--var` still wins over a target's value.

use crate::support;
use crate::support::test_run::Test;

use crate::support::verify;

const RUNBOOK: &str = r#"[runbook]
name = "release"
environment = "production"

[vars.release]
pattern = '^v\d+\.\d+\.\d+$'
required = true

[vars.base_url]
default = "https://nexus.example"

[[phase]]
id = "p"

[[phase.step]]
id = "say"
kind = "command"
run = "echo deploying {{ release }} to {{ base_url }}"

[targets.sandbox]
description = "Rehearsal against the sandbox"
environment = "drill"
vars = { release = "v2.0.0", base_url = "http://127.0.0.1:18471" }
"#;

fn run(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let runbook = support::runbook(dir, RUNBOOK);
    Test::cutover()
        .args(["run", "--headless", "--auto", "--log-dir"])
        .arg(dir.join("runs"))
        .arg(&runbook)
        .args(extra)
        .output()
}

#[test]
fn a_target_sets_values_and_makes_a_production_runbook_a_drill() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["--target", "sandbox"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("deploying v2.0.0 to http://127.0.0.1:18471"),
        "{stderr}"
    );
    let run_dir = support::run_dir(&dir.path().join("runs"));
    let journal = std::fs::read_to_string(run_dir.join("journal.log")).unwrap();
    let header: serde_json::Value =
        serde_json::from_str(journal.lines().next().unwrap().split('\t').next().unwrap()).unwrap();
    assert_eq!(header["body"]["mode"], "drill");
    assert_eq!(header["body"]["namespace"], "cutover-drill");
    assert_eq!(header["body"]["target"], "sandbox");
    let (code, report) = verify(&run_dir, &["--expect-mode", "drill"]);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("target: sandbox"), "{report}");
    let markdown = Test::cutover()
        .args(["report", "--format", "md"])
        .arg(&run_dir)
        .output();
    assert!(String::from_utf8_lossy(&markdown.stdout).contains("| Target | `sandbox` |"));
}

#[test]
fn the_command_line_wins_over_a_target_and_an_unknown_target_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["--target", "sandbox", "--var", "release=v2.1.0"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("deploying v2.1.0 to http://127.0.0.1:18471"),
        "{stderr}"
    );

    let refused = run(dir.path(), &["--target", "staging"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("--target staging: the runbook has no such target (its targets are sandbox)"),
        "{stderr}"
    );
    // A typo gets the close name.
    let typo = run(dir.path(), &["--target", "sandbx"]);
    let stderr = String::from_utf8_lossy(&typo.stderr);
    assert_eq!(typo.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("did you mean `sandbox`?"), "{stderr}");
    let typo = run(
        dir.path(),
        &["--target", "sandbox", "--var", "relase=v2.1.0"],
    );
    let stderr = String::from_utf8_lossy(&typo.stderr);
    assert_eq!(typo.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("did you mean `release`?"), "{stderr}");
    // Without a target, the production runbook still wants the word and a key.
    let production = run(dir.path(), &["--var", "release=v2.0.0"]);
    assert_eq!(production.status.code(), Some(2));
}

#[test]
fn a_target_gives_its_own_hosts_ssh_command_and_time_scale() {
    let dir = tempfile::tempdir().unwrap();
    // A stand-in for ssh that says where it was asked to go: the target's hosts and command.
    let fake_ssh = dir.path().join("fake-ssh");
    support::executable(
        &fake_ssh,
        "#!/bin/sh\n# the last two arguments are the host and the command\nfor last; do :; done\neval \"echo via-target-ssh; $last\"\n",
    );
    let runbook = support::runbook(
        dir.path(),
        &format!(
            r#"[runbook]
name = "fleet"
environment = "production"

[hosts]
web = ["web-1", "web-2"]

[[phase]]
id = "p"

[[phase.step]]
id = "pause"
kind = "wait"
duration = "100s"

[[phase.step]]
id = "where"
kind = "command"
on = "web"
run = "echo on-host"

[targets.rehearsal]
environment = "drill"
hosts = {{ web = ["rehearsal-1"] }}
ssh_command = ["{ssh}"]
time_scale = 0.01
"#,
            ssh = fake_ssh.display()
        ),
    );
    let started = std::time::Instant::now();
    let output = Test::cutover()
        .args([
            "run",
            "--headless",
            "--auto",
            "--target",
            "rehearsal",
            "--log-dir",
        ])
        .arg(dir.path().join("runs"))
        .arg(&runbook)
        .output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "100 s at 0.01 is 1 s"
    );
    let run_dir = support::run_dir(&dir.path().join("runs"));
    let journal = std::fs::read_to_string(run_dir.join("journal.log")).unwrap();
    let header: serde_json::Value =
        serde_json::from_str(journal.lines().next().unwrap().split('\t').next().unwrap()).unwrap();
    assert_eq!(
        header["body"]["hosts"]["web"],
        serde_json::json!(["rehearsal-1"])
    );
    assert_eq!(header["body"]["time_scale"], 0.01);
    assert!(journal.contains("\"host\":\"rehearsal-1\""), "{journal}");
    assert!(
        !journal.contains("web-1"),
        "the runbook's own hosts are not used"
    );
}
