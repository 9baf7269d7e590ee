//! The TUI always ends and gives the terminal back: a journal that cannot be written stops the
//! run and exits 5 within a second, with the terminal restored; an idle screen after the run
//! costs no CPU.

use crate::support;
use crate::support::test_run::Test;

use std::time::{Duration, Instant};

use crate::support::tmux::Pane;
use crate::support::{key_file, processes_with, unique_marker};

fn runbook(dir: &std::path::Path, steps: usize) -> std::path::PathBuf {
    let mut text = String::from(
        "[runbook]\nname = \"tui-ends\"\ntitle = \"Ends\"\n\n[[phase]]\nid = \"main\"\n\n",
    );
    for n in 0..steps {
        text.push_str(&format!(
            "[[phase.step]]\nid = \"s{n}\"\nkind = \"command\"\nrun = \"echo step {n}\"\n\n"
        ));
    }
    support::runbook(dir, &text)
}

fn command(dir: &std::path::Path, runbook: &std::path::Path, prefix: &str) -> String {
    format!(
        "cd {dir} && {prefix} env -u SSH_AUTH_SOCK {bin} run {runbook} --drill --auto --key {key} --log-dir {dir}/runs",
        dir = dir.display(),
        bin = Test::binary().display(),
        runbook = runbook.display(),
        key = key_file().display(),
    )
}

#[test]
fn a_journal_write_failure_under_the_tui_exits_5_at_once_and_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = runbook(dir.path(), 60);
    // The file-size limit (16 KiB) makes a journal write fail partway through the run.
    let pane = Pane::start(&command(dir.path(), &runbook, "ulimit -f 16 &&"), 80, 24);
    pane.wait_for("Press Enter to start");
    pane.keys(&["Enter"]);
    let started = Instant::now();
    let code = pane.exit_code();
    let took = started.elapsed();
    assert_eq!(code, 5, "{}", pane.screen());
    // From Enter to the exit, the steps before the failure included: about 50 ms measured on a
    // release build; the debug build on a loaded machine gets room, not 30 s of hanging.
    assert!(
        took < crate::support::slack(Duration::from_secs(3)),
        "took {took:?}"
    );
    pane.assert_terminal_restored();
    assert!(
        pane.joined()
            .contains("failed to record the run in its journal: write the journal"),
        "{}",
        pane.joined()
    );
}

/// CPU time (user + system, in clock ticks) the process has used so far.
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn the_finished_screen_waiting_for_q_uses_no_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let marker = unique_marker();
    let logs_named = dir.path().join(format!("m{marker}"));
    std::fs::create_dir(&logs_named).unwrap();
    let runbook = runbook(&logs_named, 2);
    let pane = Pane::start(&command(&logs_named, &runbook, ""), 80, 24);
    pane.wait_for("Press Enter to start");
    pane.keys(&["Enter"]);
    pane.wait_for("Run finished");
    let binary = Test::binary().display().to_string();
    let cutover = processes_with(&format!("m{marker}/runs"))
        .into_iter()
        .find(|line| {
            line.split_once(": ")
                .is_some_and(|(_, cmd)| cmd.starts_with(&binary))
        })
        .expect("cutover is running");
    let pid = cutover.split(':').next().unwrap().to_string();
    // Let the journal thread end and the screen settle, then measure.
    std::thread::sleep(Duration::from_millis(500));
    let before = cpu_ticks(&pid);
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_ticks(&pid) - before;
    // 2 s is 200 ticks of one core; the clocks' redraw once a second costs next to nothing.
    assert!(used <= 10, "the idle screen used {used} ticks in 2 s");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0);
}

#[test]
fn a_secret_typed_at_the_start_screen_is_used_masked_and_never_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(
        dir.path(),
        "[runbook]\nname = \"typed\"\ntitle = \"Typed\"\n\n[vars.token]\nsecret = true\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"use\"\nkind = \"command\"\nrun = \"echo token=$CUTOVER_TOKEN; test ${#CUTOVER_TOKEN} -eq 18\"\n",
    );
    let pane = Pane::start(&command(dir.path(), &runbook, ""), 80, 24);
    pane.wait_for("Value of `token`");
    pane.type_text("typed-secret-value");
    // The last value typed starts the run (a drill asks for no word).
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("Run finished");
    assert!(screen.contains("token=***"), "{screen}");
    assert!(!screen.contains("typed-secret-value"), "{screen}");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 0, "{}", pane.screen());
    let run = support::run_dir(&dir.path().join("runs"));
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(!journal.contains("typed-secret-value"));
    assert!(journal.contains("\"status\":\"passed\""), "{journal}");
}
