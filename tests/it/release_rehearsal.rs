//! The release runbook rehearsed unchanged (issue: targets): `--target sandbox` runs every step
//! of `runbooks/nexus-prod-deploy.toml` against cutover's sandbox, with `runbooks/stand-ins`
//! first on PATH playing docker compose, pg_dump, pg_restore, prisma and nginx; an injected
//! smoke failure rolls back to the data as it was before the release. (The production settings'
//! dry run, which starts no stand-in, is in tests/shipped_runbooks.rs.)

use crate::support;
use crate::support::test_run::Test;

use std::path::{Path, PathBuf};

use crate::support::sandbox::free_port;
use crate::support::{journal_bodies, key_file, processes_with, run_dir, verify};

fn release() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/nexus-prod-deploy.toml")
}

/// A headless rehearsal of the release on its sandbox target, on a port of its own, every
/// manual and dangerous step confirmed in advance.
fn rehearsal(logs: &Path, port: u16) -> Test {
    Test::cutover()
        .args(["run", "--headless", "--target", "sandbox", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(logs)
        .arg(release())
        .args(["--var", &format!("sandbox_listen=127.0.0.1:{port}")])
        .args(["--var", &format!("base_url=http://127.0.0.1:{port}")])
        .args(["--confirm", "announce", "--confirm", "migrate"])
        .args(["--confirm", "security-logs", "--confirm", "close-window"])
}

/// The rehearsal with its smoke test failing on purpose, and `--on-failure POLICY`.
fn failing_rehearsal(logs: &Path, port: u16, policy: &str) -> std::process::Output {
    rehearsal(logs, port)
        .args(["--inject-failure", "smoke-health", "--on-failure", policy])
        .output()
}

fn sandbox_state(run: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(run.join("sandbox/state.json")).unwrap()).unwrap()
}

fn started(run: &Path) -> Vec<String> {
    journal_bodies(run, "step_start")
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect()
}

fn assert_no_sandbox_left(port: u16) {
    // The sandbox's own command line (the run's names the port too).
    assert!(
        processes_with(&format!("sandbox --listen 127.0.0.1:{port}")).is_empty(),
        "the target's sandbox was stopped"
    );
}

#[test]
fn the_release_runbook_runs_every_step_on_its_sandbox_target() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let port = free_port();
    let output = rehearsal(&logs, port).output();
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{said}");
    let run = run_dir(&logs);
    assert_eq!(verify(&run, &[]).0, 0);
    let header = &journal_bodies(&run, "header")[0];
    assert_eq!(header["target"], "sandbox");
    assert_eq!(header["mode"], "drill", "a drill target's run is a drill");
    let tools = header["tools"][0].as_str().unwrap();
    assert!(tools.ends_with("runbooks/stand-ins/bin"), "{header}");
    // The places the target names were filled in for this run, and journaled so.
    assert_eq!(
        header["vars"]["backup_dir"],
        format!("{}/backups", run.display())
    );
    // Every step of the release ran (the stand-ins' phase first), none twice.
    let steps = started(&run);
    for step in [
        "sandbox",
        "env-critical",
        "compose-config",
        "backup-db",
        "backup-readable",
        "maintenance-on",
        "maintenance-answers",
        "postgres-healthy",
        "migrate",
        "app-up",
        "app-healthy",
        "maintenance-off",
        "health-release",
        "smoke-payment",
        "slo",
        "window-closed",
    ] {
        assert_eq!(
            steps.iter().filter(|s| *s == step).count(),
            1,
            "{step}: {steps:?}"
        );
    }
    // prisma's stand-in applied the one migration not yet recorded; the release is live.
    let migrate = std::fs::read_to_string(run.join("output/migrate.1.log")).unwrap();
    assert!(
        migrate.contains("Applying migration `20261121_release`"),
        "{migrate}"
    );
    let state = sandbox_state(&run);
    assert_eq!(state["version"], "v2.0.0");
    assert_eq!(state["maintenance"], false);
    assert_eq!(
        state["migrations"],
        serde_json::json!(["20260101_init", "20261121_release"])
    );
    assert_no_sandbox_left(port);
}

#[test]
fn an_injected_smoke_failure_rolls_back_to_the_data_before_the_release() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let port = free_port();
    let output = failing_rehearsal(&logs, port, "rollback");
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "rolled back: {said}");
    let run = run_dir(&logs);
    assert_eq!(verify(&run, &[]).0, 0);
    let footer = &journal_bodies(&run, "footer")[0];
    assert_eq!(footer["status"], "rolled-back");
    // The backup is a dump the stand-in wrote; the restore brought its data back: the release's
    // migration is gone, and so is what the smoke tests wrote before the failure.
    let backup = std::fs::read_dir(run.join("backups"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let dump = std::fs::read_to_string(&backup).unwrap();
    assert!(dump.starts_with("-- cutover sandbox dump v1"), "{dump}");
    let state = sandbox_state(&run);
    assert_eq!(state["migrations"], serde_json::json!(["20260101_init"]));
    assert_eq!(state["assessments"], serde_json::json!({}));
    assert_eq!(state["version"], "v1.0.0", "the previous image");
    assert_eq!(state["maintenance"], false);
    let steps = started(&run);
    assert!(steps.contains(&"restore-db".to_string()), "{steps:?}");
    assert!(steps.contains(&"rollback-health".to_string()), "{steps:?}");
    assert_no_sandbox_left(port);
}

#[test]
fn check_refuses_stand_ins_outside_a_drill_and_a_value_naming_no_place() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"[runbook]
name = "places"
environment = "production"

[vars.dir]
default = "/srv"

[targets.live]
environment = "production"
tools = ["stand-ins"]

[targets.rehearsal]
environment = "drill"
vars = { dir = "{{ run.dir }}/{{ release }}" }

[[phase]]
id = "p"

[[phase.step]]
id = "s"
kind = "command"
run = "ls {{ dir }}"
"#;
    let runbook = support::runbook(dir.path(), text);
    let output = Test::cutover().arg("check").arg(&runbook).output();
    let said = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(
        said.contains("only a drill runs against stand-ins"),
        "{said}"
    );
    assert!(said.contains("refers to `release`"), "{said}");
}

#[test]
fn a_rehearsal_suspended_at_a_failure_resumes_into_its_rollback_with_its_stand_ins() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let port = free_port();
    let output = failing_rehearsal(&logs, port, "suspend");
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = run_dir(&logs);
    // A new process: the target's values, credentials and stand-ins come back from the journal
    // and the runbook's target; its sandbox starts again before the rollback needs it.
    let resumed = Test::cutover()
        .args(["resume", "--rollback", "--confirm", "restore-db", "--key"])
        .arg(key_file())
        .arg(&run)
        .output();
    let said = String::from_utf8_lossy(&resumed.stderr);
    assert_eq!(resumed.status.code(), Some(1), "rolled back: {said}");
    let starts = journal_bodies(&run, "step_start");
    let sandbox_attempts: Vec<u64> = starts
        .iter()
        .filter(|s| s["step"] == "sandbox")
        .map(|s| s["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(sandbox_attempts, [1, 2], "started again for the rollback");
    let state = sandbox_state(&run);
    assert_eq!(state["migrations"], serde_json::json!(["20260101_init"]));
    assert_eq!(state["version"], "v1.0.0");
    assert_eq!(verify(&run, &[]).0, 0);
    assert_no_sandbox_left(port);
}

#[test]
fn a_target_whose_stand_ins_are_missing_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // The runbook without the folder beside it that its target's `tools` name.
    let copy = dir.path().join("nexus-prod-deploy.toml");
    std::fs::copy(release(), &copy).unwrap();
    let logs = dir.path().join("runs");
    let output = Test::cutover()
        .args(["run", "--headless", "--target", "sandbox", "--log-dir"])
        .arg(&logs)
        .arg(&copy)
        .output();
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(said.contains("stand-ins/bin is not a folder"), "{said}");
    assert!(!logs.join("nexus-prod").exists(), "no run folder was made");
}

/// Two people rehearse the release on one machine at once, as shipped (no ports given): each
/// run's sandbox is its own, on a port its run chose, and each ends with its own state at the
/// new release with both migrations.
#[test]
fn two_rehearsals_at_once_each_run_against_their_own_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let as_shipped = |logs: &Path| {
        let mut cmd = Test::process();
        cmd.args(["run", "--headless", "--target", "sandbox", "--key"])
            .arg(key_file())
            .arg("--log-dir")
            .arg(logs)
            .arg(release())
            .args(["--confirm", "announce", "--confirm", "migrate"])
            .args(["--confirm", "security-logs", "--confirm", "close-window"])
            .env_remove("SSH_AUTH_SOCK")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        cmd
    };
    let (first_logs, second_logs) = (dir.path().join("first"), dir.path().join("second"));
    let first = as_shipped(&first_logs).spawn().unwrap();
    let second = as_shipped(&second_logs).spawn().unwrap();
    for (run, logs) in [(first, &first_logs), (second, &second_logs)] {
        let output = run.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let folder = run_dir(logs);
        let state = sandbox_state(&folder);
        assert_eq!(state["version"], "v2.0.0");
        assert_eq!(
            state["migrations"],
            serde_json::json!(["20260101_init", "20261121_release"])
        );
        assert_eq!(verify(&folder, &[]).0, 0);
    }
    let ports: Vec<String> = [&first_logs, &second_logs]
        .iter()
        .map(|logs| {
            journal_bodies(&run_dir(logs), "header")[0]["vars"]["sandbox_listen"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_ne!(ports[0], ports[1], "each run chose a port of its own");
}
