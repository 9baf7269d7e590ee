//! Watching a live run from another terminal (tmux): `cutover ls` says it is live and how to
//! watch it; `cutover attach --watch` draws the screen as it is — output printed before the
//! watcher came included — then live, and nothing a watcher presses reaches the run.

mod support;

use support::tmux::Pane;
use support::{cutover, journal_bodies, key_file, run_dir, spawn_headless, verify, wait_until};

fn bin() -> String {
    assert_cmd::cargo::cargo_bin("cutover")
        .display()
        .to_string()
}

const COUNTING: &str = r#"[runbook]
name = "counting"

[vars.progress]
default = "/dev/null"

[[phase]]
id = "p"

[[phase.step]]
id = "count"
kind = "command"
run = "for i in 1 2 3 4 5 6 7 8 9 10; do echo line-$i; echo line-$i >> {{ progress }}; sleep 0.3; done"

[[phase.step]]
id = "after"
kind = "command"
run = "echo after-ran"
"#;

#[test]
fn a_watcher_sees_the_output_printed_before_it_came_then_the_rest_live() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(dir.path(), COUNTING);
    let logs = dir.path().join("runs");
    // The step also writes each line to a file: proof that lines were printed before the
    // watcher came.
    let progress = dir.path().join("progress");
    let mut run = spawn_headless(
        &runbook,
        &logs,
        &[
            "--drill",
            "--var",
            &format!("progress={}", progress.display()),
        ],
        &[],
    );
    wait_until("the run has printed two lines", || {
        std::fs::read_to_string(&progress).is_ok_and(|text| text.contains("line-2"))
    });
    let listed = cutover()
        .args(["ls", "--log-dir"])
        .arg(&logs)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.starts_with("live counting"), "{listed}");
    assert!(
        listed.contains("0 watching; watch it: cutover attach"),
        "{listed}"
    );

    let pane = Pane::start(
        &format!("{} attach --watch --log-dir {}", bin(), logs.display()),
        100,
        30,
    );
    let screen = pane.wait_for("line-2");
    assert!(screen.contains("line-1"), "{screen}");
    assert!(screen.contains("read-only"), "{screen}");
    pane.wait_for("line-10");
    pane.wait_for("Run finished");
    assert!(run.wait().unwrap().success());
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0);
    pane.assert_terminal_restored();
    let run = run_dir(&logs);
    assert_eq!(verify(&run, &[]).0, 0);
    let starts: Vec<String> = journal_bodies(&run, "step_start")
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(starts, ["count", "after"], "every step started once");
    assert!(
        !run.join("engine.sock").exists(),
        "the socket went with the engine"
    );
}

#[test]
fn a_watcher_cannot_act_on_a_run_waiting_for_its_operator() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("runbook.toml"),
        "[runbook]\nname = \"waits\"\n\n[[phase]]\nid = \"p\"\n\n\
         [[phase.step]]\nid = \"check\"\nkind = \"manual\"\ninstructions = \"Look at the dashboard.\"\n\
         checklist = [\"Dashboard green\"]\n\n\
         [[phase.step]]\nid = \"after\"\nkind = \"command\"\nrun = \"echo after-ran\"\n",
    )
    .unwrap();
    let logs = dir.path().join("runs");
    let operator = Pane::start(
        &format!(
            "cd {} && env -u SSH_AUTH_SOCK {} run runbook.toml --drill --auto --key {} --log-dir {}",
            dir.path().display(),
            bin(),
            key_file().display(),
            logs.display()
        ),
        100,
        30,
    );
    operator.wait_for("Press Enter to start");
    operator.keys(&["Enter"]);
    operator.wait_for("Dashboard green");
    let watcher = Pane::start(
        &format!(
            "{} attach waits --watch --log-dir {}",
            bin(),
            logs.display()
        ),
        100,
        30,
    );
    watcher.wait_for("Dashboard green");
    // Everything an operator would press to tick, confirm, note, retry or suspend.
    for key in [
        "Space", "Enter", "n", "r", "s", "m", "b", "a", "y", "f", "d", "Enter",
    ] {
        watcher.keys(&[key]);
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    let run = run_dir(&logs);
    assert!(
        journal_bodies(&run, "confirm").is_empty(),
        "a watcher confirmed"
    );
    assert!(
        journal_bodies(&run, "note").is_empty(),
        "a watcher wrote a note"
    );
    assert!(
        journal_bodies(&run, "suspend").is_empty(),
        "a watcher suspended"
    );
    assert!(
        operator.screen().contains("[ ] Dashboard green"),
        "{}",
        operator.screen()
    );
    // The operator acts; the watcher sees it.
    operator.keys(&["Space"]);
    operator.wait_for("[x] Dashboard green");
    operator.keys(&["Enter"]);
    operator.wait_for("Run finished");
    watcher.wait_for("Run finished");
    operator.keys(&["q"]);
    assert_eq!(operator.exit_code(), 0);
    watcher.keys(&["q"]);
    assert_eq!(watcher.exit_code(), 0);
    assert_eq!(journal_bodies(&run, "confirm").len(), 1);
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn attach_says_why_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    std::fs::create_dir_all(&logs).unwrap();
    let refused = |args: &[&str], says: &str| {
        let output = cutover()
            .arg("attach")
            .args(args)
            .arg("--log-dir")
            .arg(&logs)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{says:?} not in: {stderr}");
    };
    refused(&["--watch"], "none under");
    refused(&["nexus-prod", "--watch"], "`cutover ls` lists them");
    // A run that finished is not live: review shows it.
    let runbook = support::runbook(
        dir.path(),
        COUNTING.replace("1 2 3 4 5 6 7 8 9 10", "1").as_str(),
    );
    let ran = support::headless_drill(&runbook, &logs).output().unwrap();
    assert!(ran.status.success());
    let run = run_dir(&logs);
    refused(
        &[run.to_str().unwrap(), "--watch"],
        "is finished, not live: `cutover review",
    );
    // The controls of a live run stay with the terminal that started it.
    let slow = support::runbook(dir.path(), COUNTING);
    let mut child = spawn_headless(&slow, &logs, &["--drill"], &[]);
    wait_until("the second run is live", || {
        std::fs::read_dir(logs.join("counting")).is_ok_and(|d| d.count() == 2)
    });
    refused(&["counting"], "holds them");
    child.kill().unwrap();
    child.wait().unwrap();
}
