//! The release lock: one unfinished production run of a release at a time on a log dir. A
//! second run is refused with who holds the lock; `--break-lock` takes it only from a run
//! whose engine is gone, and the new run's header says so; a finished run holds nothing;
//! drills take no lock.

use crate::support;
use crate::support::test_run::Test;

use std::path::Path;
use std::time::Duration;

use crate::support::{key_file, wait_until};

const RUNBOOK: &str = r#"
[runbook]
name = "release"
environment = "production"

[[phase]]
id = "p"

[[phase.step]]
id = "work"
kind = "command"
run = "sleep ${SLEEP:-0}"

[[phase.step]]
id = "confirm"
kind = "manual"
instructions = "Check the dashboards."
"#;

fn run(dir: &Path, extra: &[&str]) -> std::process::Output {
    Test::cutover()
        .arg("run")
        .arg(support::runbook(dir, RUNBOOK))
        .args([
            "--headless",
            "--auto",
            "--environment",
            "production",
            "--key",
        ])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.join("runs"))
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
}

/// A production run of `path` in the background, its step sleeping `sleep` seconds.
fn spawn_release(dir: &Path, path: &Path, sleep: &str) -> std::process::Child {
    support::spawn_headless(
        path,
        &dir.join("runs"),
        &["--environment", "production"],
        &[("SLEEP", sleep)],
    )
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_suspended_release_holds_its_lock_until_it_is_resumed_or_the_lock_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(dir.path(), &[]);
    assert_eq!(
        first.status.code(),
        Some(3),
        "suspended at the manual step: {}",
        stderr(&first)
    );

    let second = run(dir.path(), &[]);
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert!(
        err.contains("release lock `release` is held by run"),
        "{err}"
    );
    assert!(err.contains("cutover resume"), "{err}");
    let runs = std::fs::read_dir(dir.path().join("runs/release"))
        .unwrap()
        .count();
    assert_eq!(runs, 1, "a refused run leaves no run folder behind");

    // A rehearsal never waits for a release.
    let drill = run(dir.path(), &["--drill", "--confirm", "confirm"]);
    assert_eq!(drill.status.code(), Some(0), "{}", stderr(&drill));

    let broken = run(
        dir.path(),
        &[
            "--break-lock",
            "the first run's host died",
            "--confirm",
            "confirm",
        ],
    );
    assert_eq!(broken.status.code(), Some(0), "{}", stderr(&broken));
    let journals: Vec<String> = std::fs::read_dir(dir.path().join("runs/release"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path().join("journal.log")).unwrap())
        .collect();
    assert!(
        journals.iter().any(|j| j
            .contains("\"release_lock\":{\"name\":\"release\",\"broken\":{\"run_id\":\"2")
            && j.contains("\"reason\":\"the first run's host died\"")),
        "the new run's header records the lock it took"
    );

    // It ended: the lock is free again.
    let after = run(dir.path(), &["--confirm", "confirm"]);
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
}

#[test]
fn on_a_terminal_a_held_lock_is_refused_before_the_start_screen_asks_anything() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(dir.path(), &[]);
    assert_eq!(first.status.code(), Some(3), "{}", stderr(&first));
    let pane = support::tmux::Pane::start(
        &format!(
            "{} run {} --key {} --log-dir {}",
            Test::binary().display(),
            dir.path().join("runbook.toml").display(),
            key_file().display(),
            dir.path().join("runs").display()
        ),
        100,
        30,
    );
    pane.wait_for("EXIT=");
    let screen = pane.joined();
    assert!(
        screen.contains("release lock `release` is held by run"),
        "{screen}"
    );
    assert!(screen.contains("cutover resume"), "{screen}");
    assert!(
        !screen.contains("Press Enter to start"),
        "nothing was asked first: {screen}"
    );
    assert_eq!(pane.exit_code(), 2);
}

#[test]
fn the_lock_of_a_live_run_cannot_be_broken() {
    let dir = tempfile::tempdir().unwrap();
    let path = support::runbook(dir.path(), RUNBOOK);
    let mut live = spawn_release(dir.path(), &path, "30");
    wait_until("the first run holds the lock", || {
        std::fs::read_to_string(dir.path().join("runs/.locks/release.lock"))
            .is_ok_and(|text| text.contains("run_id"))
    });
    let second = run(dir.path(), &["--break-lock", "impatient"]);
    let err = stderr(&second);
    // SIGTERM: cutover stops its step before it ends, so no `sleep` outlives the test.
    // SAFETY: kill(2) on the pid of the child this test spawned.
    unsafe { libc::kill(live.id() as i32, libc::SIGTERM) };
    live.wait().unwrap();
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert!(err.contains("(running;"), "{err}");
    assert!(
        err.contains("--break-lock only takes a lock whose engine is gone"),
        "{err}"
    );
}

#[test]
fn two_releases_started_at_once_never_both_run() {
    for trial in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = support::runbook(dir.path(), RUNBOOK);
        let (mut a, mut b) = (
            spawn_release(dir.path(), &path, "0"),
            spawn_release(dir.path(), &path, "0"),
        );
        let codes = [a.wait().unwrap().code(), b.wait().unwrap().code()];
        let mut sorted = codes;
        sorted.sort();
        assert_eq!(
            sorted,
            [Some(2), Some(3)],
            "trial {trial}: one suspends at its manual step, the other is refused: {codes:?}"
        );
    }
}
