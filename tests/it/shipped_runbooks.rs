//! The runbooks in `runbooks/`, run for real against the sandbox: the production-readiness
//! checklist passes against a well-configured application and catches a misconfigured one;
//! the production release dry-runs, executing only what observes; the drill rehearses a bad
//! canary caught by the rollout's gate.

use crate::support;
use crate::support::test_run::Test;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::fixtures::{ProdHost, manual_steps, readiness_app};
use crate::support::sandbox::Sandbox;
use crate::support::{key_file, run_dir, verify};

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("runbooks")
        .join(name)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `--confirm` for every manual step of a runbook.
fn confirm_every_manual_step(runbook: &Path) -> Vec<String> {
    manual_steps(runbook)
        .into_iter()
        .flat_map(|(id, _)| ["--confirm".to_string(), format!("{id}=checked")])
        .collect()
}

/// The readiness runbook run headless against `sandbox` and `app`, every manual step confirmed.
fn readiness(dir: &Path, sandbox: &Sandbox, app: &Path, extra: &[&str]) -> Output {
    let runbook = shipped("production-readiness.toml");
    Test::cutover()
        .args(["run", "--drill", "--headless", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.join("runs"))
        .args(["--var", &format!("base_url={}", sandbox.base)])
        .args(["--var", &format!("app_dir={}", app.display())])
        .args(confirm_every_manual_step(&runbook))
        .args(extra)
        .arg(&runbook)
        .timeout(std::time::Duration::from_secs(120))
        .output()
}

#[test]
fn the_readiness_checklist_rehearses_unchanged_on_its_sandbox_target() {
    let dir = tempfile::tempdir().unwrap();
    let port = support::sandbox::free_port();
    let runbook = shipped("production-readiness.toml");
    let output = Test::cutover()
        .args(["run", "--headless", "--target", "sandbox", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .args(["--var", &format!("sandbox_listen=127.0.0.1:{port}")])
        .args(["--var", &format!("base_url=http://127.0.0.1:{port}")])
        .args(confirm_every_manual_step(&runbook))
        .arg(&runbook)
        .output();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    for automated in [
        "sandbox passed",
        "drill-checkout passed",
        "jwt-secrets passed",
        "env-file-untracked passed",
        "env-file-permissions passed",
        "rate-limit passed",
        "docker-files passed",
        "readme passed",
        "slo passed",
    ] {
        assert!(err.contains(automated), "{automated}: {err}");
    }
    let run = run_dir(&dir.path().join("runs"));
    let env = run.join("app/.env.production");
    assert_eq!(
        std::fs::metadata(&env).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(
        !journal.contains(&"a".repeat(63)),
        "a secret value reached the journal"
    );
    assert!(journal.contains("\"mode\":\"drill\""));
    assert_eq!(verify(&run, &[]).0, 0);
    assert!(
        support::processes_with(&format!("sandbox --listen 127.0.0.1:{port}")).is_empty(),
        "the target's sandbox was stopped"
    );
}

#[test]
fn the_readiness_checklist_passes_against_a_well_configured_application() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(&dir.path().join("state"));
    let app = readiness_app(dir.path());
    let output = readiness(dir.path(), &sandbox, &app, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    for automated in [
        "jwt-secrets passed",
        "env-file-real-values passed",
        "env-file-untracked passed",
        "env-file-permissions passed",
        "helmet passed",
        "cors passed",
        "compression passed",
        "rate-limit passed",
        "database-ssl passed",
        "health-checks passed",
        "docker-files passed",
        "slo passed",
    ] {
        assert!(err.contains(automated), "{automated}: {err}");
    }
    let run = run_dir(&dir.path().join("runs"));
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(
        !journal.contains(&"a".repeat(64)),
        "a secret value reached the journal"
    );
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn headless_the_readiness_checklist_stops_at_the_first_misconfiguration() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(&dir.path().join("state"));
    let app = readiness_app(dir.path());
    // CORS open to every origin, no compression, and the env file readable by everyone.
    assert!(
        sandbox
            .call(&[
                "POST",
                "/_sandbox/features",
                r#"{"cors_origin": "*", "compression": false}"#
            ])
            .status
            .success()
    );
    let env = app.join(".env.production");
    std::fs::set_permissions(&env, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    // Nobody can be asked headless: `--on-failure abort` answers the first failed check.
    let output = readiness(dir.path(), &sandbox, &app, &["--on-failure", "abort"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("env-file-permissions FAILED") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(
        err.contains("run aborted"),
        "the first failed check stops the run: {err}"
    );
}

#[test]
fn a_cors_open_to_every_origin_fails_the_cors_check() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(&dir.path().join("state"));
    let app = readiness_app(dir.path());
    sandbox.call(&["POST", "/_sandbox/features", r#"{"cors_origin": "*"}"#]);
    let output = readiness(dir.path(), &sandbox, &app, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("helmet passed"), "{err}");
    assert!(
        err.contains("cors FAILED")
            && err.contains(
                "header access-control-allow-origin is `*`, expected `https://nexus.example`"
            ),
        "{err}"
    );
}

#[test]
fn the_production_release_dry_runs_and_only_observes() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(&dir.path().join("state"));
    let host = ProdHost::new(dir.path());
    let output = Test::cutover()
        .env("PATH", host.path_env())
        .env("NEXUS_SMOKE_USER_TOKEN", "sandbox-user-token")
        .env("NEXUS_SMOKE_ADMIN_COOKIE", "role=admin")
        .args(["run", "--dry-run", "--headless", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .args(["--var", "release=v2.0.0"])
        .args(["--var", &format!("base_url={}", sandbox.base)])
        .args([
            "--var",
            &format!("compose_dir={}", host.compose_dir.display()),
        ])
        .args(["--var", &format!("env_file={}", host.env_file.display())])
        .args([
            "--var",
            &format!("backup_dir={}", dir.path().join("backups").display()),
        ])
        .args(confirm_every_manual_step(&shipped(
            "nexus-prod-deploy.toml",
        )))
        .arg(shipped("nexus-prod-deploy.toml"))
        .output();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    for observed in [
        "env-critical passed",
        "env-operational passed",
        "env-no-bypass passed",
        "compose-config passed",
        "health-before passed",
        "smoke-health passed",
        "smoke-dashboard-admin passed",
        "smoke-admin-user passed",
        "slo passed",
    ] {
        assert!(err.contains(observed), "{observed}: {err}");
    }
    for simulated in [
        "backup-db simulated",
        "migrate simulated",
        "app-up simulated",
        "smoke-submit simulated",
        "smoke-payment simulated",
    ] {
        assert!(err.contains(simulated), "{simulated}: {err}");
    }
    let calls = host.docker_calls();
    assert!(!calls.is_empty(), "the read-only docker checks ran");
    for call in &calls {
        for mutating in [" up ", " exec ", " pull ", "migrate deploy"] {
            assert!(
                !format!(" {call} ").contains(mutating),
                "a dry run reached docker with `{call}`"
            );
        }
    }
    assert!(
        !dir.path().join("backups").exists(),
        "a dry run wrote a backup"
    );
    let journal =
        std::fs::read_to_string(run_dir(&dir.path().join("runs")).join("journal.log")).unwrap();
    assert!(journal.contains("\"mode\":\"dry-run\""));
    // The rehearsal's stand-ins are not the production settings': their phase does not apply,
    // and nothing is put first on PATH.
    let run = run_dir(&dir.path().join("runs"));
    let conditions = support::journal_bodies(&run, "condition");
    assert!(
        conditions
            .iter()
            .any(|c| c["step"] == "sandbox" && c["value"] == false),
        "{conditions:?}"
    );
    assert!(support::journal_bodies(&run, "header")[0]["tools"].is_null());
    for secret in ["sandbox-user-token", "role=admin", "smtp-password"] {
        assert!(!journal.contains(secret), "{secret} reached the journal");
    }
}

#[test]
fn the_production_release_refuses_a_bypass_in_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let host = ProdHost::new(dir.path());
    let output = Test::cutover()
        .env("PATH", host.path_env())
        .env("SKIP_MIDDLEWARE", "1")
        .env("NEXUS_SMOKE_USER_TOKEN", "sandbox-user-token")
        .env("NEXUS_SMOKE_ADMIN_COOKIE", "role=admin")
        .args(["run", "--dry-run", "--headless", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .args(["--var", "release=v2.0.0"])
        .args([
            "--var",
            &format!("compose_dir={}", host.compose_dir.display()),
        ])
        .args(["--var", &format!("env_file={}", host.env_file.display())])
        .arg(shipped("nexus-prod-deploy.toml"))
        .output();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("shell-no-bypass FAILED")
            && err.contains("SKIP_MIDDLEWARE is set and must not be"),
        "{err}"
    );
}
