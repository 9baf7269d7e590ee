//! The canary rollout example end to end, headless, against the real sandbox: it passes; a bad
//! or flaky canary fails its gate and rolls back; a failure injected in the smoke test rolls
//! back and restores the sandbox's state; no sandbox process outlives the run; every shipped
//! runbook checks clean.

use crate::support;
use crate::support::test_run::Test;

use std::path::Path;
use std::process::Output;

use crate::support::sandbox::free_port;
use crate::support::{key_file, processes_with, verify};

/// The drill on health checks alone: the same on every machine, Prometheus or not.
fn drill(logs: &Path, port: u16, extra: &[&str]) -> Output {
    let mut args = vec!["--var", "monitoring=none"];
    args.extend_from_slice(extra);
    monitored_drill(logs, port, &args)
}

/// The drill as it runs here: gated on Prometheus too where it is installed.
fn monitored_drill(logs: &Path, port: u16, extra: &[&str]) -> Output {
    Test::cutover()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "runbooks/examples/canary-rollout.toml",
            "--headless",
            "--key",
        ])
        .arg(key_file())
        .arg("--log-dir")
        .arg(logs)
        .args(["--var", &format!("port={port}")])
        .args(["--var", &format!("prometheus_port={}", free_port())])
        .args(extra)
        .timeout(std::time::Duration::from_secs(120))
        .output()
}

fn assert_no_sandbox_left(port: u16) {
    let left = processes_with(&format!("127.0.0.1:{port}"));
    assert!(
        left.iter().all(|p| !p.contains("sandbox")),
        "a sandbox survived: {left:?}"
    );
}

#[test]
fn the_headless_canary_rollout_passes() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let output = drill(dir.path(), port, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for step in ["sandbox", "backup-state", "rollout", "smoke-health"] {
        assert!(
            stderr.contains(&format!("{step} passed")),
            "{step}: {stderr}"
        );
    }
    let run = support::run_dir(dir.path());
    let (code, report) = verify(&run, &["--expect-mode", "drill"]);
    assert_eq!(code, 0, "{report}");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("sandbox/state.json")).unwrap()).unwrap();
    assert_eq!(state["version"], "v2.0.0");
    assert_eq!(
        state["canary"],
        serde_json::Value::Null,
        "all traffic on the new version"
    );
    assert_no_sandbox_left(port);
}

#[test]
fn an_injected_smoke_failure_rolls_back_and_restores_the_sandbox_state() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let output = drill(
        dir.path(),
        port,
        &[
            "--inject-failure",
            "smoke-health",
            "--on-failure",
            "rollback",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("run rolled back"), "{stderr}");
    let run = support::run_dir(dir.path());
    let restored = std::fs::read(run.join("sandbox/state.json")).unwrap();
    let backup = std::fs::read(run.join("backup/state.json")).unwrap();
    assert_eq!(restored, backup, "the rollback restored the backup");
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(journal.contains("\"status\":\"rolled-back\""));
    assert!(
        journal.contains("\"recovery_ms\":"),
        "time from the first failure to the end of the rollback"
    );
    assert!(
        journal.contains("\"reason\":\"phase-end\",\"phase\":\"preflight\""),
        "time per phase"
    );
    assert_eq!(verify(&run, &[]).0, 0);
    assert_no_sandbox_left(port);
}

#[test]
fn a_bad_canary_fails_the_first_gate_and_the_rollback_restores_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let output = drill(dir.path(), port, &["--var", "scenario=bad-canary"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("rollout stage 10%: FAILED — gate `health` failed at 10%: status 500"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rollout decision: rollback (by the runbook's policy, not a person)"),
        "{stderr}"
    );
    assert!(stderr.contains("health-after-rollback passed"), "{stderr}");
    assert!(stderr.contains("run rolled back"), "{stderr}");
    let run = support::run_dir(dir.path());
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("sandbox/state.json")).unwrap()).unwrap();
    assert_eq!(state["version"], "v1.0.0");
    assert_eq!(state["canary"], serde_json::Value::Null);
    assert_eq!(
        state["faults"],
        serde_json::json!([]),
        "the restored state predates the fault"
    );
    assert_no_sandbox_left(port);
}

#[test]
fn a_fault_injected_in_the_sandbox_fails_the_matching_check() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = Test::process()
        .args(["sandbox", "--listen", &listen, "--state"])
        .arg(dir.path().join("state"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let call = |args: &[&str]| {
        Test::cutover()
            .args(["sandbox", "--listen", &listen, "call"])
            .args(args)
            .output()
    };
    crate::support::wait_until("the sandbox answers", || {
        call(&["GET", "/api/health"]).status.code() == Some(0)
    });
    assert_eq!(
        call(&[
            "POST",
            "/_sandbox/fault",
            r#"{"path": "/api/health", "status": 500}"#
        ])
        .status
        .code(),
        Some(0)
    );
    let failing = call(&["GET", "/api/health"]);
    assert_eq!(failing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failing.stdout).contains("fault injected"));
    assert_eq!(call(&["DELETE", "/_sandbox/fault"]).status.code(), Some(0));
    assert_eq!(call(&["GET", "/api/health"]).status.code(), Some(0));
    let _ = server.kill();
    let _ = server.wait();
    let log = std::io::read_to_string(server.stdout.take().unwrap()).unwrap();
    assert!(
        log.contains("GET /api/health 500"),
        "one log line per request: {log}"
    );
}

#[test]
fn every_shipped_runbook_checks_clean() {
    let runbooks: Vec<_> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
    assert!(!runbooks.is_empty());
    let _output = Test::cutover()
        .arg("check")
        .args(&runbooks)
        .status(0)
        .output();
}

#[test]
fn where_prometheus_is_installed_the_drill_gates_the_canary_on_its_error_rate() {
    if !support::prometheus::installed_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let output = monitored_drill(dir.path(), port, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("rollout not applicable"), "{stderr}");
    assert!(stderr.contains("rollout-watched passed"), "{stderr}");
    let run = support::run_dir(dir.path());
    let samples = support::journal_bodies(&run, "metric");
    assert_eq!(
        samples.len(),
        6,
        "two samples at each of three stages: {samples:#?}"
    );
    assert!(
        samples.iter().all(|s| s["verdict"] == "pass"),
        "{samples:#?}"
    );
    assert_eq!(verify(&run, &["--expect-mode", "drill"]).0, 0);
    assert_no_sandbox_left(port);
    assert!(
        processes_with(&run.display().to_string())
            .iter()
            .all(|p| !p.contains("prometheus")),
        "the drill's Prometheus was stopped"
    );
}

#[test]
fn a_flaky_canary_passes_a_health_check_but_not_the_error_rate_gate() {
    if !support::prometheus::installed_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let output = monitored_drill(dir.path(), port, &["--var", "scenario=flaky-canary"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("rollout-watched stage 10%: FAILED — gate `canary-errors` failed at 10%"),
        "{stderr}"
    );
    assert!(stderr.contains("run rolled back"), "{stderr}");
    let run = support::run_dir(dir.path());
    let samples = support::journal_bodies(&run, "metric");
    assert_eq!(samples.len(), 1, "{samples:#?}");
    assert_eq!(samples[0]["verdict"], "fail");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("sandbox/state.json")).unwrap()).unwrap();
    assert_eq!(
        state["version"], "v1.0.0",
        "the rollback restored the backup"
    );
    assert_no_sandbox_left(port);
}
