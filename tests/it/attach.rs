//! Watching a live run from another terminal (tmux): `cutover ls` says it is live and how to
//! watch it; `cutover attach --watch` draws the screen as it is — output printed before the
//! watcher came included — then live, and nothing a watcher presses reaches the run.

use crate::support;
use crate::support::test_run::Test;

use crate::support::tmux::Pane;
use crate::support::{journal_bodies, key_file, run_dir, spawn_headless, verify, wait_until};

fn bin() -> String {
    Test::binary().display().to_string()
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
    let listed = Test::cutover()
        .args(["ls", "--log-dir"])
        .arg(&logs)
        .output();
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
    let operator = Pane::drill(dir.path(), &logs, 100, 30);
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
    let run = run_dir(&logs);
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
    // The run is over: whatever the watcher's keys could have done is in the journal by now.
    assert_eq!(
        journal_bodies(&run, "confirm").len(),
        1,
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
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn attach_says_why_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    std::fs::create_dir_all(&logs).unwrap();
    let refused = |args: &[&str], says: &str| {
        let output = Test::cutover()
            .arg("attach")
            .args(args)
            .arg("--log-dir")
            .arg(&logs)
            .output();
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
    let _ran = support::headless_drill(&runbook, &logs).status(0).output();
    let run = run_dir(&logs);
    refused(
        &[run.to_str().unwrap(), "--watch"],
        "is finished, not live: `cutover review",
    );
    // The controls need a terminal to be shown on.
    let slow = support::runbook(dir.path(), COUNTING);
    let mut child = spawn_headless(&slow, &logs, &["--drill"], &[]);
    wait_until("the second run is live", || {
        std::fs::read_dir(logs.join("counting")).is_ok_and(|d| d.count() == 2)
    });
    refused(&["counting"], "needs a terminal");
    // A headless run takes its answers from its command line: nobody takes its controls.
    let pane = Pane::start(
        &format!("{} attach counting --log-dir {}", bin(), logs.display()),
        100,
        30,
    );
    assert_eq!(pane.exit_code(), 2, "{}", pane.joined());
    assert!(
        pane.joined().contains("takes no controls"),
        "{}",
        pane.joined()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A step that prints a line every 0.3 s for 3 s, then a manual step, then a command.
const DROPPED: &str = r#"[runbook]
name = "dropped"

[[phase]]
id = "p"

[[phase.step]]
id = "count"
kind = "command"
run = "for i in 1 2 3 4 5 6 7 8 9 10; do echo line-$i; sleep 0.3; done"

[[phase.step]]
id = "check"
kind = "manual"
instructions = "Look at the dashboard."
checklist = ["Dashboard green"]

[[phase.step]]
id = "after"
kind = "command"
run = "echo after-ran"
"#;

/// The engine process of the runs under `marker` (its command line names the runbook).
fn engine_pids(marker: &str) -> Vec<u32> {
    support::processes_with(marker)
        .iter()
        .filter(|line| line.contains(" engine "))
        .map(|line| line.split(':').next().unwrap().parse().unwrap())
        .collect()
}

fn operator_command(dir: &std::path::Path, logs: &std::path::Path, extra: &str) -> String {
    format!(
        "cd {} && env -u SSH_AUTH_SOCK {} run runbook.toml --drill --key {} --log-dir {} {extra}",
        dir.display(),
        bin(),
        key_file().display(),
        logs.display()
    )
}

/// After the terminal went away: its TUI is gone, the engine lives on, and the step that was
/// running runs to its end and is journaled.
fn the_engine_outlives_its_terminal(marker: &str, run: &std::path::Path) {
    wait_until("the TUI is gone", || {
        support::processes_with(marker)
            .iter()
            .all(|line| !line.contains(" run runbook.toml"))
    });
    assert_eq!(engine_pids(marker).len(), 1, "the engine lives on");
    wait_until("the step ran to its end", || {
        journal_bodies(run, "step_result").len() == 1
    });
}

/// From a screen reattached to a `DROPPED` run: the output printed while nobody watched is
/// there, the open question is answered, the run ends; the journal verifies, every step
/// started once, and the engine ends with the run.
fn finish_reattached(pane: &Pane, marker: &str, run: &std::path::Path) {
    pane.wait_for("line-10");
    pane.wait_for("Dashboard green");
    pane.keys(&["Space"]);
    pane.wait_for("[x] Dashboard green");
    pane.keys(&["Enter"]);
    pane.wait_for("Run finished");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0, "{}", pane.joined());
    pane.assert_terminal_restored();
    assert_eq!(verify(run, &[]).0, 0);
    let starts: Vec<String> = journal_bodies(run, "step_start")
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        starts,
        ["count", "check", "after"],
        "every step started once"
    );
    assert_eq!(journal_bodies(run, "confirm").len(), 1);
    wait_until("the engine ended with the run", || {
        engine_pids(marker).is_empty()
    });
}

#[test]
fn a_dropped_terminal_leaves_the_run_going_and_attach_brings_it_back() {
    let dir = tempfile::tempdir().unwrap();
    // People are told when the run waits for someone to attach.
    let receiver = support::serve(|_, _| support::Reply::new(200, "{}"));
    let told = format!(
        "{DROPPED}\n[[notify]]\nkind = \"webhook\"\nurl = \"{}/hook\"\nevents = [\"waiting\"]\nafter = \"1s\"\n",
        receiver.base
    );
    std::fs::write(dir.path().join("runbook.toml"), told).unwrap();
    let logs = dir.path().join("runs");
    let marker = dir.path().display().to_string();
    let operator = Pane::start(&operator_command(dir.path(), &logs, "--auto"), 100, 30);
    operator.wait_for("Press Enter to start");
    operator.keys(&["Enter"]);
    operator.wait_for("line-2");
    // The SSH link drops: the terminal and the TUI go; the engine does not.
    operator.hang_up();
    let run = run_dir(&logs);
    the_engine_outlives_its_terminal(&marker, &run);
    let listed = Test::cutover()
        .args(["ls", "--log-dir"])
        .arg(&logs)
        .output();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.starts_with("live dropped"), "{listed}");
    assert!(listed.contains("nobody at the controls"), "{listed}");
    // The next step waits for a person: the engine tells people so, and by then it has
    // started nothing.
    wait_until("people are told nobody holds the controls", || {
        receiver.received.lock().unwrap().iter().any(|(_, body)| {
            body.contains("\"event\":\"waiting\"") && body.contains("someone to attach")
        })
    });
    let starts = journal_bodies(&run, "step_start");
    assert_eq!(starts.len(), 1, "no step started without a controller");

    let back = Pane::start(
        &format!("{} attach --log-dir {}", bin(), logs.display()),
        100,
        30,
    );
    finish_reattached(&back, &marker, &run);
    assert!(back.joined().contains("journal "), "{}", back.joined());
    let seats: Vec<String> = journal_bodies(&run, "attach")
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seats[..3], ["attach", "detach", "attach"], "{seats:?}");
    assert!(!run.join("engine.sock").exists());
}

/// A run with two manual steps, for a takeover between them.
const TWO_CHECKS: &str = r#"[runbook]
name = "checks"

[[phase]]
id = "p"

[[phase.step]]
id = "check"
kind = "manual"
instructions = "Look at the dashboard."
checklist = ["Dashboard green"]

[[phase.step]]
id = "check-again"
kind = "manual"
instructions = "Look again."
checklist = ["Still green"]

[[phase.step]]
id = "after"
kind = "command"
run = "echo after-ran"
"#;

#[test]
fn a_takeover_is_journaled_and_each_person_signs_their_own_acts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("runbook.toml"), TWO_CHECKS).unwrap();
    let logs = dir.path().join("runs");
    let marker = dir.path().display().to_string();
    // Bob has a key of his own.
    let bob = cutover::OperatorKey::drill_key(&dir.path().join("bob")).unwrap();
    let first = Pane::start(&operator_command(dir.path(), &logs, "--auto"), 100, 30);
    first.wait_for("Press Enter to start");
    first.keys(&["Enter"]);
    first.wait_for("Dashboard green");
    let second = Pane::start(
        &format!(
            "env -u SSH_AUTH_SOCK {} attach checks --key {} --operator bob --log-dir {}",
            bin(),
            bob.location,
            logs.display()
        ),
        100,
        30,
    );
    second.wait_for("holds the controls");
    second.wait_for("Take them over?");
    second.type_text("y");
    second.keys(&["Enter"]);
    second.wait_for("Dashboard green");
    // The first screen is told, and gives the terminal back.
    assert_eq!(first.exit_code(), 0, "{}", first.joined());
    assert!(
        first.joined().contains("took the controls over"),
        "{}",
        first.joined()
    );
    first.assert_terminal_restored();
    // Bob confirms the first check; the run waits at the second.
    second.keys(&["Space"]);
    second.wait_for("[x] Dashboard green");
    second.keys(&["Enter"]);
    second.wait_for("Still green");
    let run = run_dir(&logs);
    let takeover = journal_bodies(&run, "attach")
        .into_iter()
        .find(|a| a["action"] == "takeover")
        .expect("the takeover is journaled");
    assert!(takeover["from"]["tty"].is_string(), "{takeover}");
    assert_eq!(takeover["person"]["principal"], "bob", "{takeover}");

    // Each act is signed by the key of whoever did it: verify with both keys allowed holds,
    // with only the operator's it names Bob's key.
    let header = &journal_bodies(&run, "header")[0];
    let operator = header["operator"]["principal"].as_str().unwrap();
    let operator_key = header["operator"]["key"].as_str().unwrap();
    let bob_key = bob.public.to_openssh().unwrap();
    let allowed = dir.path().join("allowed_signers");
    let only_operator = format!("{operator} namespaces=\"cutover-drill\" {operator_key}\n");
    std::fs::write(&allowed, &only_operator).unwrap();
    let (code, said) = verify(&run, &["--allowed-signers", allowed.to_str().unwrap()]);
    assert_eq!(code, 4, "{said}");
    assert!(said.contains("E_SIGNER") && said.contains("bob"), "{said}");
    std::fs::write(
        &allowed,
        format!("{only_operator}bob namespaces=\"cutover-drill\" {bob_key}\n"),
    )
    .unwrap();
    let (code, said) = verify(&run, &["--allowed-signers", allowed.to_str().unwrap()]);
    assert_eq!(code, 3, "INCOMPLETE while live: {said}");
    assert!(said.contains("persons at the controls"), "{said}");
    assert!(said.contains("bob (SHA256:"), "{said}");

    // The engine is killed outright: the run is interrupted, and resume completes it.
    let engine = engine_pids(&marker);
    assert_eq!(engine.len(), 1);
    unsafe { libc::kill(engine[0] as i32, libc::SIGKILL) };
    assert_eq!(second.exit_code(), 3, "{}", second.joined());
    assert!(
        second.joined().contains("ended without a word"),
        "{}",
        second.joined()
    );
    second.assert_terminal_restored();
    let listed = Test::cutover()
        .args(["ls", "--log-dir"])
        .arg(&logs)
        .output();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.starts_with("interrupted checks"), "{listed}");
    let _resumed = Test::cutover()
        .arg("resume")
        .arg(&run)
        .args(["--key"])
        .arg(key_file())
        .args(["--confirm", "check-again=seen green"])
        .status(0)
        .output();
    let (code, said) = verify(&run, &["--allowed-signers", allowed.to_str().unwrap()]);
    assert_eq!(code, 0, "{said}");
    let confirms = journal_bodies(&run, "confirm");
    assert_eq!(confirms.len(), 2);

    // The report credits each confirmation to the key that signed it, and says who held the
    // controls when.
    let report = Test::cutover()
        .arg("report")
        .arg(&run)
        .args(["--format", "json"])
        .output();
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let step = |id: &str| {
        report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone()
    };
    let bob_fingerprint = bob.public.fingerprint(Default::default()).to_string();
    assert_eq!(step("check")["confirmed_by"][0]["name"], "bob");
    assert_eq!(step("check")["confirmed_by"][0]["key"], bob_fingerprint);
    assert_eq!(step("check-again")["confirmed_by"][0]["name"], operator);
    let controls = report["controls"].as_array().unwrap();
    assert_eq!(controls[0]["who"]["name"], operator, "{controls:?}");
    assert!(
        controls[0]["ended"]
            .as_str()
            .unwrap()
            .starts_with("taken over by bob"),
        "{controls:?}"
    );
    assert_eq!(controls[1]["who"]["name"], "bob");
    assert_eq!(controls[1]["who"]["key"], bob_fingerprint);
    let markdown = Test::cutover().arg("report").arg(&run).output();
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    assert!(markdown.contains("## Who held the controls"), "{markdown}");
}

/// The SSH case for real: the operator logs in over OpenSSH (a private sshd on loopback),
/// starts the run, and their ssh client dies mid-step; a second login reattaches.
#[test]
fn an_ssh_client_killed_mid_step_costs_nothing_and_a_new_login_reattaches() {
    let Some(sshd) = support::sshd::sshd_or_skip(1) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("runbook.toml"), DROPPED).unwrap();
    let logs = dir.path().join("runs");
    let marker = dir.path().display().to_string();
    let login = |command: &str, tag: &str| {
        // The tag is in the client's command line, to find it and kill it.
        format!(
            "ssh -tt -F {} -o SetEnv=CUTOVER_TEST_LOGIN={tag} node-1 '{command}'",
            sshd.config.display()
        )
    };
    let first = Pane::start(
        &login(&operator_command(dir.path(), &logs, "--auto"), "first"),
        100,
        30,
    );
    first.wait_for("Press Enter to start");
    first.keys(&["Enter"]);
    first.wait_for("line-2");
    // The link drops: the operator's ssh client dies.
    let clients: Vec<i32> = support::processes_with("CUTOVER_TEST_LOGIN=first")
        .iter()
        .filter(|line| line.contains("ssh -tt"))
        .map(|line| line.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert!(!clients.is_empty(), "the ssh client runs");
    for pid in clients {
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let run = run_dir(&logs);
    the_engine_outlives_its_terminal(&marker, &run);

    let second = Pane::start(
        &login(
            &format!("{} attach --log-dir {}", bin(), logs.display()),
            "second",
        ),
        100,
        30,
    );
    finish_reattached(&second, &marker, &run);
    // Each attach says it came over SSH, from where.
    let attaches: Vec<serde_json::Value> = journal_bodies(&run, "attach")
        .into_iter()
        .filter(|a| a["action"] == "attach")
        .collect();
    assert_eq!(attaches.len(), 2);
    for attach in &attaches {
        let ssh = attach["seat"]["ssh_connection"]
            .as_str()
            .unwrap_or_default();
        assert!(ssh.starts_with("127.0.0.1 "), "{attach}");
        assert!(attach["seat"]["tty"].is_string(), "{attach}");
    }
}

/// `--share-with GROUP`: another unix user in the group reaches the run through its shared
/// socket; one outside the group cannot; the run folder stays its user's alone. Needs root (to
/// be that other user, with setpriv).
#[test]
fn a_run_shared_with_a_group_is_reached_by_its_members_only() {
    if !nix::unistd::getuid().is_root() {
        eprintln!("skipped: being another user needs root");
        return;
    }
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    // The other user must be able to pass through to the log dir (not list it).
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let logs = dir.path().join("runs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o711)).unwrap();
    let runbook = support::runbook(dir.path(), COUNTING);
    let users = nix::unistd::Group::from_name("users").unwrap().unwrap().gid;
    let mut run = spawn_headless(&runbook, &logs, &["--drill", "--share-with", "users"], &[]);
    // Its folder comes first, then the socket in it: wait for the socket.
    wait_until("the run's shared socket is served", || {
        std::fs::read_dir(logs.join(".shared")).is_ok_and(|mut d| {
            d.next()
                .and_then(Result::ok)
                .is_some_and(|shared| shared.path().join("engine.sock").exists())
        })
    });
    let shared = std::fs::read_dir(logs.join(".shared"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let folder = std::fs::metadata(&shared).unwrap();
    assert_eq!(folder.mode() & 0o777, 0o710);
    assert_eq!(folder.gid(), users.as_raw());
    let socket = std::fs::metadata(shared.join("engine.sock")).unwrap();
    assert_eq!(socket.mode() & 0o777, 0o660);
    let run_dir = run_dir(&logs);
    assert_eq!(
        std::fs::metadata(&run_dir).unwrap().mode() & 0o777,
        0o700,
        "the run folder stays private"
    );
    let listed = Test::cutover()
        .args(["ls", "--log-dir"])
        .arg(&logs)
        .output();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("shared with users: cutover attach"),
        "{listed}"
    );

    let as_nobody = |groups: &str| {
        format!(
            "setpriv --reuid=65534 --regid=65534 {groups} env HOME=/nonexistent {} attach {} --watch --log-dir {}",
            bin(),
            shared.display(),
            logs.display()
        )
    };
    let member = Pane::start(&as_nobody("--groups=100"), 100, 30);
    member.wait_for("line-2");
    assert!(member.screen().contains("read-only"), "{}", member.screen());
    let outsider = Pane::start(&as_nobody("--clear-groups"), 100, 30);
    assert_eq!(outsider.exit_code(), 2, "{}", outsider.joined());
    assert!(
        outsider.joined().contains("Permission denied"),
        "{}",
        outsider.joined()
    );
    member.wait_for("Run finished");
    member.keys(&["q"]);
    assert_eq!(member.exit_code(), 0);
    assert!(run.wait().unwrap().success());
    assert!(!shared.exists(), "the shared socket goes with the run");
}

/// An engine nobody is attached to, waiting at a question, still stops on SIGTERM: the run is
/// aborted and journaled, and nothing is left running.
#[test]
fn sigterm_stops_a_detached_engine_waiting_at_a_question() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("runbook.toml"), DROPPED).unwrap();
    let logs = dir.path().join("runs");
    let marker = dir.path().display().to_string();
    let operator = Pane::start(&operator_command(dir.path(), &logs, "--step"), 100, 30);
    operator.wait_for("Press Enter to start");
    operator.keys(&["Enter"]);
    operator.wait_for("Press Enter to run");
    operator.keys(&["d"]);
    assert_eq!(operator.exit_code(), 0, "{}", operator.joined());
    let engine = engine_pids(&marker);
    assert_eq!(engine.len(), 1, "the engine lives on, detached");
    unsafe { libc::kill(engine[0] as i32, libc::SIGTERM) };
    wait_until("the engine stopped", || engine_pids(&marker).is_empty());
    let run = run_dir(&logs);
    let footer = journal_bodies(&run, "footer");
    assert_eq!(footer.len(), 1);
    assert_eq!(footer[0]["status"], "aborted", "{footer:?}");
    assert!(journal_bodies(&run, "step_start").is_empty(), "nothing ran");
    assert_eq!(verify(&run, &[]).0, 0);
}
