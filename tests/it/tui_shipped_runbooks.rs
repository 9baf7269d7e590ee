//! Every shipped runbook, end to end in the TUI of a real terminal (tmux, 80x24), driven the
//! way an operator would: the release rehearsed on its sandbox target; the readiness checklist
//! against a sandbox, every checklist ticked; the production release as a dry run. After each:
//! the run passed, the journal verifies, the terminal is restored, and no sandbox is left.

use crate::support;
use crate::support::test_run::Test;

use std::path::{Path, PathBuf};

use crate::support::fixtures::{ProdHost, manual_steps, readiness_app};
use crate::support::sandbox::{Sandbox, free_port};
use crate::support::tmux::Pane;
use crate::support::{key_file, processes_with, run_dir, verify};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shell command that starts cutover on a shipped runbook in the terminal.
fn command(env: &str, runbook: &str, log_dir: &Path, extra: &str) -> String {
    format!(
        "cd {} && env -u SSH_AUTH_SOCK {env} {} run runbooks/{runbook} --key {} --operator tester --log-dir {} {extra}",
        repo().display(),
        Test::binary().display(),
        key_file().display(),
        log_dir.display()
    )
}

/// Ticks every item of the manual step on screen, then confirms it.
fn tick_and_confirm(pane: &Pane, step: &str, items: usize) {
    // The box title, whole: `pre-deployment: manual step` also contains `deployment: …`.
    pane.wait_for(&format!("┌ {step}: manual step"));
    for _ in 0..items {
        pane.keys(&["Space", "Down"]);
    }
    pane.keys(&["Enter"]);
}

fn finished_and_verified(pane: &Pane, log_dir: &Path) -> PathBuf {
    pane.wait_for("Run finished");
    let screen = pane.wait_for("The run passed");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0, "{screen}");
    pane.assert_terminal_restored();
    let run = run_dir(log_dir);
    let (code, report) = verify(&run, &[]);
    assert_eq!(code, 0, "{report}");
    run
}

#[test]
fn the_release_itself_rehearses_on_its_sandbox_target_in_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let port = free_port();
    let pane = Pane::start(
        &command(
            "",
            "nexus-prod-deploy.toml",
            &logs,
            &format!(
                "--target sandbox --auto --var sandbox_listen=127.0.0.1:{port} --var base_url=http://127.0.0.1:{port}"
            ),
        ),
        80,
        24,
    );
    pane.wait_for("Press Enter to start");
    pane.keys(&["Enter"]);
    tick_and_confirm(&pane, "announce", 3);
    pane.wait_for("migrate is dangerous");
    pane.type_text("migrate production");
    pane.keys(&["Enter"]);
    tick_and_confirm(&pane, "security-logs", 3);
    tick_and_confirm(&pane, "close-window", 1);
    let run = finished_and_verified(&pane, &logs);
    let header = &support::journal_bodies(&run, "header")[0];
    assert_eq!(header["target"], "sandbox");
    assert_eq!(header["mode"], "drill");
    // The sandbox's own command line (the run's names the port too).
    assert!(
        processes_with(&format!("sandbox --listen 127.0.0.1:{port}")).is_empty(),
        "the target's sandbox was stopped"
    );
}

#[test]
fn the_readiness_checklist_runs_end_to_end_in_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let sandbox = Sandbox::start(&dir.path().join("state"));
    let app = readiness_app(dir.path());
    let pane = Pane::start(
        &command(
            "",
            "production-readiness.toml",
            &logs,
            &format!(
                "--drill --auto --var base_url={} --var app_dir={}",
                sandbox.base,
                app.display()
            ),
        ),
        80,
        24,
    );
    pane.wait_for("Press Enter to start");
    pane.keys(&["Enter"]);
    for (step, items) in manual_steps(&repo().join("runbooks/production-readiness.toml")) {
        tick_and_confirm(&pane, &step, items);
    }
    let run = finished_and_verified(&pane, &logs);
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(journal.contains("\"step\":\"rate-limit\""));
    assert!(
        journal.contains(
            "\"checklist\":[\"Uptime > 99.9%\",\"MTTR < 15 minutes\",\"MTBF > 24 heures\"]"
        )
    );
}

#[test]
fn the_production_release_dry_runs_end_to_end_in_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let sandbox = Sandbox::start(&dir.path().join("state"));
    let host = ProdHost::new(dir.path());
    let env = format!(
        "PATH={} NEXUS_SMOKE_USER_TOKEN=sandbox-user-token NEXUS_SMOKE_ADMIN_COOKIE=role=admin",
        host.path_env()
    );
    let pane = Pane::start(
        &command(
            &env,
            "nexus-prod-deploy.toml",
            &logs,
            &format!(
                "--dry-run --auto --var release=v2.0.0 --var base_url={} --var compose_dir={} --var env_file={}",
                sandbox.base,
                host.compose_dir.display(),
                host.env_file.display()
            ),
        ),
        80,
        24,
    );
    let start = pane.wait_for("Press Enter to start");
    assert!(start.contains("DRY-RUN"), "{start}");
    pane.keys(&["Enter"]);
    tick_and_confirm(&pane, "announce", 3);
    tick_and_confirm(&pane, "security-logs", 3);
    tick_and_confirm(&pane, "close-window", 1);
    let run = finished_and_verified(&pane, &logs);
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(journal.contains("\"mode\":\"dry-run\""));
    assert!(
        journal
            .contains("\"step\":\"migrate\",\"attempt\":1,\"stage\":null,\"status\":\"simulated\"")
    );
    assert!(
        host.docker_calls()
            .iter()
            .all(|call| !call.contains(" up ")),
        "{:?}",
        host.docker_calls()
    );
}
