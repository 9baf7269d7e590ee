//! The TUI in a real terminal (tmux, 80x24): what an operator sees and presses, end to end.
//! After each run the journal verifies and the terminal is back to normal.

use crate::support;
use crate::support::test_run::Test;

use std::path::PathBuf;

use crate::support::tmux::Pane;
use crate::support::{key_file, verify};

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(runbook: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("runbook.toml"), runbook).unwrap();
        Self { dir }
    }

    /// The drill on a terminal; without `--auto` it waits for Enter at every step (`--step`).
    fn command(&self, extra: &str) -> String {
        let pace = if extra.contains("--auto") {
            ""
        } else {
            "--step"
        };
        format!(
            "cd {} && env -u SSH_AUTH_SOCK {} run runbook.toml --drill {pace} --operator tester --key {} --log-dir {}/runs {extra}",
            self.dir.path().display(),
            Test::binary().display(),
            key_file().display(),
            self.dir.path().display()
        )
    }

    fn run_dir(&self) -> PathBuf {
        support::run_dir(&self.dir.path().join("runs"))
    }
}

/// Starts cutover in a terminal and gets past the start screen.
fn started(setup: &Setup, extra: &str) -> Pane {
    let pane = Pane::start(&setup.command(extra), 80, 24);
    pane.wait_for("Press Enter to start");
    pane.keys(&["Enter"]);
    pane
}

#[test]
fn a_full_run_with_a_checklist_and_a_note() {
    let setup = Setup::new(
        "[runbook]\nname = \"full\"\ntitle = \"Full run\"\n\n[[phase]]\nid = \"main\"\ntitle = \"Main\"\n\n\
         [[phase.step]]\nid = \"first\"\ntitle = \"First command\"\nkind = \"command\"\nrun = \"echo first output\"\n\n\
         [[phase.step]]\nid = \"check\"\ntitle = \"Check by hand\"\nkind = \"manual\"\ninstructions = \"Look at the dashboard\"\nchecklist = [\"graphs green\", \"no alerts\"]\nnotes = \"required\"\n\n\
         [[phase.step]]\nid = \"last\"\ntitle = \"Last command\"\nkind = \"command\"\nrun = \"echo last output\"\n",
    );
    let pane = started(&setup, "");
    pane.wait_for("Press Enter to run");
    assert!(
        pane.screen().contains("$ echo first output"),
        "the command is shown before it runs"
    );
    pane.keys(&["Enter"]);
    pane.wait_for("manual step");
    pane.keys(&["Enter"]);
    pane.wait_for("tick every item first");
    pane.keys(&["Space", "Down", "Space", "n"]);
    pane.wait_for("Enter: done");
    pane.type_text("dashboards checked by tester");
    pane.keys(&["Enter", "Enter"]);
    pane.wait_for("Run last?");
    pane.keys(&["Enter"]);
    pane.wait_for("Run finished");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0);
    pane.assert_terminal_restored();
    let run = setup.run_dir();
    assert_eq!(verify(&run, &[]).0, 0);
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(journal.contains("\"note\":\"dashboards checked by tester\",\"checklist\":[\"graphs green\",\"no alerts\"]"), "{journal}");
    // The last words count what the journal holds, read from it once the engine closed it.
    let said = pane.joined();
    let entries = journal.lines().count();
    assert!(
        said.contains(&format!("— {entries} entries; anchor ")),
        "{entries} entries: {said}"
    );
    assert!(said.contains("cutover review "), "{said}");
}

#[test]
fn browsed_away_enter_runs_the_step_the_question_names() {
    let setup = Setup::new(
        "[runbook]\nname = \"browse\"\ntitle = \"Browse\"\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"first\"\nkind = \"command\"\nrun = \"echo first-ran\"\n\n\
         [[phase.step]]\nid = \"second\"\nkind = \"command\"\nrun = \"echo second-ran\"\n\n\
         [[phase.step]]\nid = \"third\"\nkind = \"command\"\nrun = \"echo third-ran\"\n",
    );
    let pane = started(&setup, "");
    pane.wait_for("Run first?");
    pane.keys(&["Enter"]);
    pane.wait_for("Run second?");
    // The operator browses back to `first`: the box still names `second`, and says so.
    pane.keys(&["Up"]);
    let screen = pane.wait_for("You are looking at first");
    assert!(screen.contains("Run second?"), "{screen}");
    pane.keys(&["Enter"]);
    // Enter ran `second`, the step named, never `first` again.
    pane.wait_for("Run third?");
    let run = setup.run_dir();
    let started: Vec<String> = support::journal_bodies(&run, "step_start")
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(started, ["first", "second"]);
    pane.keys(&["Enter"]);
    pane.wait_for("Run finished");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0);
    pane.assert_terminal_restored();
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_failure_rolled_back_from_the_dialog() {
    let setup = Setup::new(
        "[runbook]\nname = \"fail\"\ntitle = \"Failing run\"\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"migrate\"\nkind = \"command\"\nrun = \"echo connection refused >&2; exit 1\"\n\n\
         [[rollback.step]]\nid = \"restore\"\nkind = \"command\"\nrun = \"echo restored\"\n",
    );
    let pane = started(&setup, "--auto");
    pane.wait_for("migrate failed");
    let screen = pane.wait_for("b roll back");
    assert!(screen.contains("connection refused"), "{screen}");
    // One key never rolls back: it asks, and nothing is decided until the answer.
    pane.keys(&["b"]);
    pane.wait_for("Roll back?");
    let journal = std::fs::read_to_string(setup.run_dir().join("journal.log")).unwrap();
    assert!(
        !journal.contains("\"choice\":\"rollback\""),
        "b alone rolled back"
    );
    pane.keys(&["y"]);
    pane.wait_for("The run rolled back in");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 1);
    pane.assert_terminal_restored();
    let run = setup.run_dir();
    assert_eq!(verify(&run, &[]).0, 0);
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(journal.contains("\"decision\":{\"choice\":\"rollback\"}"));
    assert!(journal.contains("\"status\":\"rolled-back\""));
    // The person who chose the rollback signed the choice, and the end of the run it caused.
    let signature_of = |kind: &str| {
        journal
            .lines()
            .find(|line| line.contains(&format!("\"kind\":\"{kind}\"")))
            .and_then(|line| line.split('\t').nth(1))
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(signature_of("decision"), "sshsig");
    assert_eq!(signature_of("footer"), "sshsig");
    assert_eq!(signature_of("step_result"), "ed25519");
}

#[test]
fn hostile_escape_sequences_leave_the_layout_and_the_title_intact() {
    let setup = Setup::new(
        "[runbook]\nname = \"hostile\"\ntitle = \"Hostile output\"\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"evil\"\nkind = \"command\"\nrun = '''printf '\\033]0;pwned-title\\007\\033]2;pwned-two\\033\\\\\\033]52;c;cm0gLXJmIH4=\\007\\033[2J\\033[H\\033[?1049l\\033[10;1HOVERWRITE\\033P1$r0m\\033\\\\\\033[31mred text\\033[0m\\n'; echo done printing'''\n\n\
         [[phase.step]]\nid = \"after\"\nkind = \"manual\"\ninstructions = \"Look at the screen\"\n",
    );
    let pane = started(&setup, "--auto");
    pane.wait_for("Look at the screen");
    pane.keys(&["Up"]);
    let screen = pane.wait_for("done printing");
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines[0].contains("DRILL") && lines[0].contains("Hostile output"),
        "header intact: {screen}"
    );
    assert!(lines[2].contains("main"), "step list intact: {screen}");
    assert!(screen.contains("red text"), "{screen}");
    assert!(
        !screen.contains("OVERWRITE\n") || !lines[9].starts_with("OVERWRITE"),
        "no cursor move: {screen}"
    );
    assert!(
        !pane.format("#{pane_title}").contains("pwned"),
        "title changed"
    );
    pane.keys(&["q", "y"]);
    assert_eq!(pane.exit_code(), 3, "quitting between steps suspends");
    pane.assert_terminal_restored();
    assert_eq!(verify(&setup.run_dir(), &[]).0, 3);
}

#[test]
fn an_input_chooses_the_branch_and_the_other_shows_as_not_applicable() {
    let setup = Setup::new(
        "[runbook]\nname = \"branch\"\ntitle = \"Branch\"\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"strategy\"\nkind = \"input\"\nprompt = \"How do we rebuild the replica?\"\nvariable = \"strategy\"\noptions = [\"rsync\", \"basebackup\"]\n\n\
         [[phase.step]]\nid = \"rsync\"\ntitle = \"Rebuild with rsync\"\nkind = \"command\"\nrun = \"echo rsync\"\nwhen = \"strategy == 'rsync'\"\n\n\
         [[phase.step]]\nid = \"basebackup\"\ntitle = \"Rebuild with {{ strategy }}\"\nkind = \"command\"\nrun = \"echo base\"\nwhen = \"strategy == 'basebackup'\"\n",
    );
    let pane = started(&setup, "--auto");
    pane.wait_for("How do we rebuild the replica?");
    let screen = pane.wait_for("Answer one of: rsync · basebackup");
    assert!(screen.contains("strategy asks"), "{screen}");
    pane.type_text("dd");
    pane.keys(&["Enter"]);
    pane.wait_for("answer one of: rsync, basebackup");
    // Escape then `b` at once reads as Alt-b (a word back) on a busy machine: let the
    // answer clear first.
    pane.keys(&["Escape"]);
    pane.wait_until_gone("> dd");
    pane.type_text("basebackup");
    pane.keys(&["Enter"]);
    pane.wait_for("Run finished");
    let screen = pane.screen();
    assert!(screen.contains("Rebuild with basebackup"), "{screen}");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0);
    pane.assert_terminal_restored();
    let run = setup.run_dir();
    assert_eq!(verify(&run, &[]).0, 0);
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(
        journal.contains(r#""variable":"strategy","value":"basebackup","by":"terminal""#),
        "{journal}"
    );
    assert!(
        journal.contains(r#""step":"rsync","expression":"strategy == 'rsync'","value":false"#),
        "{journal}"
    );
}

#[test]
fn resume_on_a_terminal_opens_the_screen_and_finishes_after_one_confirmation() {
    let setup = Setup::new(
        "[runbook]\nname = \"later\"\ntitle = \"Resumed later\"\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"first\"\nkind = \"command\"\nrun = \"echo first-ran\"\n\n\
         [[phase.step]]\nid = \"check\"\nkind = \"manual\"\ninstructions = \"Look at the dashboard\"\nchecklist = [\"graphs green\"]\n\n\
         [[phase.step]]\nid = \"last\"\nkind = \"command\"\nrun = \"echo last-ran\"\n",
    );
    // Headless, nobody confirms the manual step: the run suspends there.
    let first = Test::cutover()
        .current_dir(setup.dir.path())
        .args(["run", "runbook.toml", "--headless", "--drill", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(setup.dir.path().join("runs"))
        .status(3)
        .output();
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("cutover resume"),
        "the suspend names the resume command"
    );
    let run = setup.run_dir();
    // On a terminal, resume opens the screen on the manual step, as `run` would.
    let pane = Pane::start(
        &format!(
            "env -u SSH_AUTH_SOCK {} resume {} --key {}",
            Test::binary().display(),
            run.display(),
            key_file().display()
        ),
        80,
        24,
    );
    pane.wait_for("graphs green");
    pane.keys(&["Space", "Enter"]);
    pane.wait_for("Run finished");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0);
    pane.assert_terminal_restored();
    let started: Vec<String> = support::journal_bodies(&run, "step_start")
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect();
    // The manual step was asked twice (before the suspend, after the resume); no command
    // ran twice.
    assert_eq!(started, ["first", "check", "check", "last"]);
    assert_eq!(support::journal_bodies(&run, "confirm").len(), 1);
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_forty_line_command_is_read_to_its_last_line_and_a_long_error_line_to_its_end() {
    let command: String = (1..=40)
        .map(|n| format!("echo line-{n}"))
        .collect::<Vec<_>>()
        .join("\n");
    // A psql error as it comes: words, then the reason last.
    let long = format!(
        "{}port 5432 failed: Connection refused-END",
        "connection to server at 127.0.0.1 ".repeat(4)
    );
    let setup = Setup::new(&format!(
        "[runbook]\nname = \"long\"\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"long\"\nkind = \"command\"\nrun = \"\"\"\n{command}\n\"\"\"\n\n\
         [[phase.step]]\nid = \"fails\"\nkind = \"command\"\nrun = \"echo {long} >&2; exit 2\"\n"
    ));
    let pane = started(&setup, "");
    pane.wait_for("Run long?");
    pane.keys(&["v"]);
    pane.wait_for("what Enter runs: long");
    pane.keys(&["End"]);
    pane.wait_for("echo line-40");
    pane.keys(&["q"]);
    pane.wait_until_gone("what Enter runs");
    pane.keys(&["Enter"]);
    pane.wait_for("Run fails?");
    pane.keys(&["Enter"]);
    // The error line is 176 characters: wrapped, its end is on screen.
    let screen = pane.wait_for("fails failed");
    assert!(screen.contains("refused-END"), "{screen}");
    pane.keys(&["a"]);
    pane.wait_for("Abort the run?");
    pane.keys(&["y"]);
    pane.wait_for("Run finished");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 1);
    pane.assert_terminal_restored();
}

#[test]
fn ctrl_c_stops_a_hung_step_and_the_failure_dialog_retries_it() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("tried-once");
    let setup = Setup::new(&format!(
        "[runbook]\nname = \"hung\"\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"hang\"\nkind = \"command\"\n\
         run = \"if [ -f {m} ]; then echo second-try; else touch {m}; exec sleep 31; fi\"\n",
        m = marker.display()
    ));
    let pane = started(&setup, "--auto");
    support::wait_until("the step runs", || marker.exists());
    pane.keys(&["C-c"]);
    pane.wait_for("Stop the running step?");
    pane.keys(&["s"]);
    // Stopped, journaled, and the operator chooses: the failure dialog.
    let screen = pane.wait_for("hang failed");
    assert!(screen.contains("r retry"), "{screen}");
    assert!(
        support::processes_with("sleep 31").is_empty(),
        "the step's process is gone"
    );
    pane.keys(&["r"]);
    pane.wait_for("Run finished");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0);
    pane.assert_terminal_restored();
    let run = setup.run_dir();
    let results = support::journal_bodies(&run, "step_result");
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .contains("stopped by the operator"),
        "{results:?}"
    );
    assert_eq!(results[1]["status"], "passed");
    assert_eq!(verify(&run, &[]).0, 0);
}
