//! No orphan, ever: processes that leave their step's process group are stopped when the step
//! ends, and what cutover's own death leaves behind is stopped by `resume` before it skips,
//! re-runs or restarts anything. Checked in /proc.

use crate::support;
use crate::support::test_run::Test;

use std::time::{Duration, Instant};

use crate::support::{key_file, processes_with, unique_marker};

/// Processes running `sleep MARKER` (a command line that starts with it).
fn sleeping(marker: &str) -> Vec<String> {
    processes_with(&format!("sleep {marker}"))
        .into_iter()
        .filter(|line| {
            line.split_once(": ")
                .is_some_and(|(_, cmd)| cmd.starts_with("sleep "))
        })
        .collect()
}

#[test]
fn processes_that_leave_the_step_group_are_stopped_when_the_step_ends_and_the_journal_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (unique_marker(), unique_marker());
    let runbook = support::runbook(
        dir.path(),
        &format!(
            r#"[runbook]
name = "escape"
title = "Escape"

[[phase]]
id = "main"

[[phase.step]]
id = "daemonize"
kind = "command"
run = "setsid sh -c 'exec sleep {a}' >/dev/null 2>&1 & perl -e 'setpgrp(0,0); exec q(sleep), q({b})' >/dev/null 2>&1 & sleep 0.3; echo started"
"#
        ),
    );
    let logs = dir.path().join("runs");
    support::headless_drill(&runbook, &logs)
        .timeout(Duration::from_secs(60))
        .status(0)
        .output();
    assert_eq!(
        sleeping(&a),
        Vec::<String>::new(),
        "the setsid process survived"
    );
    assert_eq!(
        sleeping(&b),
        Vec::<String>::new(),
        "the setpgid process survived"
    );
    let journal = std::fs::read_to_string(support::run_dir(&logs).join("journal.log")).unwrap();
    assert!(
        journal.contains("stopped what it left running: PID "),
        "the step's result says what was stopped: {journal}"
    );
    // Each is named by the command line it had when it was found: `sleep B`, or still the
    // `perl … q(B)` about to exec it when the machine is slow. Its marker is in both.
    assert!(journal.contains(&a), "{journal}");
    assert!(journal.contains(&b), "{journal}");
}

#[test]
fn after_kill_9_resume_stops_the_survivors_before_it_skips_and_restarts_the_service_once() {
    let dir = tempfile::tempdir().unwrap();
    let (group, escaped, service) = (unique_marker(), unique_marker(), unique_marker());
    let ready = dir.path().join("ready");
    // Each start of the service writes its pid; the last step counts those still alive.
    let pids = dir.path().join("service-pids");
    let runbook = support::runbook(
        dir.path(),
        &format!(
            r#"[runbook]
name = "survive"
title = "Survive"

[[phase]]
id = "main"

[[phase.step]]
id = "svc"
kind = "service"
run = "echo $$ >> {pids}; exec sleep {service}"

[[phase.step]]
id = "work"
kind = "command"
run = "setsid sh -c 'exec sleep {escaped}' >/dev/null 2>&1 & sleep {group} & touch {ready}; wait"

[[phase.step]]
id = "count"
kind = "command"
run = "n=0; for p in $(cat {pids}); do grep -qs '^State:.*[RSD]' /proc/$p/status && n=$((n+1)); done; echo services=$n; test $n -eq 1"
"#,
            ready = ready.display(),
            pids = pids.display()
        ),
    );
    let logs = dir.path().join("runs");
    let mut run = support::spawn_headless_drill(&runbook, &logs);
    support::wait_until("the step to start", || ready.exists());
    run.kill().unwrap();
    run.wait().unwrap();
    // Killed with SIGKILL, cutover could stop nothing: the step's group member and the escaped
    // process live on (the service's leader got the death signal; its own children may not).
    support::wait_until("the escaped process to be seen", || {
        !sleeping(&escaped).is_empty()
    });
    assert!(
        !sleeping(&group).is_empty(),
        "the group member outlived cutover"
    );

    let output = Test::cutover()
        .args(["resume", "--skip", "work=redone by hand", "--key"])
        .arg(key_file())
        .arg(support::run_dir(&logs))
        .timeout(Duration::from_secs(60))
        .output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("stopped what the previous process of this run left running"),
        "{stderr}"
    );
    assert_eq!(sleeping(&group), Vec::<String>::new());
    assert_eq!(sleeping(&escaped), Vec::<String>::new());
    assert_eq!(sleeping(&service), Vec::<String>::new());
    let journal = std::fs::read_to_string(support::run_dir(&logs).join("journal.log")).unwrap();
    assert!(journal.contains("\"stopped\":[{\"pid\":"), "{journal}");
    // The `count` step passed: one copy of the service ran after the resume.
    let (code, report) = support::verify(&support::run_dir(&logs), &[]);
    assert_eq!(code, 0, "{report}");
}

/// A run whose service and running step both ignore SIGTERM, started headless; returns the
/// child once the step runs.
fn run_ignoring_sigterm(dir: &std::path::Path, marker: &str) -> std::process::Child {
    let ready = dir.join("ready");
    let runbook = support::runbook(
        dir,
        &format!(
            r#"[runbook]
name = "stubborn"
title = "Stubborn"

[[phase]]
id = "main"

[[phase.step]]
id = "svc"
kind = "service"
run = "trap '' TERM; exec sleep {marker}"

[[phase.step]]
id = "work"
kind = "command"
run = "trap '' TERM; touch {ready}; sleep {marker}"
"#,
            ready = ready.display()
        ),
    );
    let child = support::spawn_headless_drill(&runbook, &dir.join("runs"));
    support::wait_until("the step to start", || ready.exists());
    child
}

fn interrupt(child: &std::process::Child) {
    // SAFETY: kill(2) on the child's pid; no memory is involved.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
}

#[test]
fn ctrl_c_stops_the_step_and_the_services_in_one_grace_period_not_one_after_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let marker = unique_marker();
    let mut child = run_ignoring_sigterm(dir.path(), &marker);
    let started = Instant::now();
    interrupt(&child);
    let status = child.wait().unwrap();
    let took = started.elapsed();
    assert_eq!(status.code(), Some(1), "aborted");
    // One 5 s grace for both (two in a row took 10 s).
    assert!(
        took < crate::support::slack(Duration::from_secs(8)),
        "took {took:?}"
    );
    assert!(
        took >= Duration::from_secs(4),
        "the grace was given: {took:?}"
    );
    assert_eq!(sleeping(&marker), Vec::<String>::new());
}

#[test]
fn a_second_ctrl_c_kills_everything_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let marker = unique_marker();
    let mut child = run_ignoring_sigterm(dir.path(), &marker);
    let started = Instant::now();
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&child);
    let status = child.wait().unwrap();
    let took = started.elapsed();
    assert_eq!(status.code(), Some(1), "aborted");
    assert!(
        took < crate::support::slack(Duration::from_secs(2)),
        "took {took:?}"
    );
    assert_eq!(sleeping(&marker), Vec::<String>::new());
    let journal =
        std::fs::read_to_string(support::run_dir(&dir.path().join("runs")).join("journal.log"))
            .unwrap();
    assert!(
        journal.contains("\"kind\":\"footer\""),
        "the run ended cleanly: {journal}"
    );
}
