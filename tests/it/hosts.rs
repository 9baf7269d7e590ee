//! Steps on hosts over real OpenSSH: a loopback `sshd` started by the test, with host aliases
//! `node-1` … `node-5` (all the same server) and `unreachable-1` (a closed port). Remote
//! commands write marker files in a scratch folder, which the test then reads: that is how it
//! knows what ran where, and what was undone.
//!
//! CI installs openssh-server (`.ci/run`) and sets CUTOVER_REQUIRE_SSHD=1, so there these tests
//! cannot pass without running. On a machine without sshd they say so and pass.

use crate::support;

use std::path::Path;

use crate::support::sshd::{Sshd, sshd_or_skip};
use crate::support::test_run::Test;
use crate::support::{processes_with, verify};

fn header(sshd: &Sshd) -> String {
    format!(
        "[runbook]\nname = \"fleet\"\nssh_command = {}\n\n[hosts]\nnodes = [\"node-1\", \"node-2\", \"node-3\", \"node-4\", \"node-5\"]\n\n",
        sshd.ssh_command_toml()
    )
}

fn host_entries(journal: &str) -> Vec<serde_json::Value> {
    support::bodies_of(journal, "host")
}

fn exists(dir: &Path, name: &str) -> bool {
    dir.join(name).exists()
}

#[test]
fn a_step_on_a_group_runs_on_every_host_in_waves_over_one_connection_per_host() {
    let Some(sshd) = sshd_or_skip(5) else { return };
    let scratch = sshd.scratch();
    let logins_before = sshd.logins();
    let runbook = format!(
        "{}[[phase]]\nid = \"p\"\n\n\
         [[phase.step]]\nid = \"stamp\"\nkind = \"command\"\non = \"nodes\"\nserial = 2\n\
         run = \"echo {{{{ host }}}} >> {dir}/stamp-{{{{ host }}}}\"\n\n\
         [[phase.step]]\nid = \"again\"\nkind = \"command\"\non = \"nodes\"\n\
         run = \"echo again >> {dir}/stamp-{{{{ host }}}}\"\n",
        header(&sshd),
        dir = scratch.display()
    );
    // The run's shared connections live under its own temporary folder, to be looked for.
    let tmp = tempfile::tempdir().unwrap();
    let ran = Test::run_headless(&runbook).env("TMPDIR", tmp.path()).run();
    for n in 1..=5 {
        let text = std::fs::read_to_string(scratch.join(format!("stamp-node-{n}"))).unwrap();
        assert_eq!(
            text,
            format!("node-{n}\nagain\n"),
            "node-{n} ran each step once"
        );
    }
    let journal = ran.read("journal.log");
    let hosts = host_entries(&journal);
    assert_eq!(hosts.len(), 10, "one entry per host and step");
    assert!(hosts.iter().all(|h| h["status"] == "passed"));
    assert!(
        ran.run_dir().join("output/stamp.1.node-3").exists()
            || std::fs::read_dir(ran.run_dir().join("output"))
                .unwrap()
                .flatten()
                .any(|e| e
                    .file_name()
                    .to_string_lossy()
                    .starts_with("stamp.1.node-3")),
        "each host has its own output file"
    );
    // Two steps on five hosts: five logins, one per host, not ten.
    assert_eq!(sshd.logins() - logins_before, 5, "connections are reused");
    let (code, out) = verify(&ran.run_dir(), &[]);
    assert_eq!(code, 0, "{out}");
    for marker in [sshd.marker(), tmp.path().display().to_string()] {
        assert!(
            processes_with(&marker).is_empty(),
            "no ssh, and no shared connection, outlives the run: {:?}",
            processes_with(&marker)
        );
    }
}

#[test]
fn a_wave_with_more_failures_than_max_fail_stops_the_step_before_the_next_wave() {
    let Some(sshd) = sshd_or_skip(5) else { return };
    let scratch = sshd.scratch();
    let runbook = format!(
        "{}[[phase]]\nid = \"p\"\n\n\
         [[phase.step]]\nid = \"upgrade\"\nkind = \"command\"\non = \"nodes\"\nserial = 2\n\
         on_failure = \"abort\"\n\
         run = \"test {{{{ host }}}} != node-3 && touch {dir}/up-{{{{ host }}}}\"\n",
        header(&sshd),
        dir = scratch.display()
    );
    let ran = Test::run_headless(&runbook)
        .status(1)
        .stderr_has("more than max_fail 0")
        .stderr_has("not started: node-5")
        .run();
    assert!(exists(&scratch, "up-node-1") && exists(&scratch, "up-node-2"));
    assert!(exists(&scratch, "up-node-4"), "node-4 is in node-3's wave");
    assert!(
        !exists(&scratch, "up-node-5"),
        "the third wave never started"
    );
    let hosts = host_entries(&ran.read("journal.log"));
    let failed: Vec<_> = hosts.iter().filter(|h| h["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["host"], "node-3");
    assert_eq!(failed[0]["exit_code"], 1);
}

#[test]
fn an_unreachable_host_is_a_failed_host_and_within_max_fail_it_leaves_the_run() {
    let Some(sshd) = sshd_or_skip(2) else { return };
    let scratch = sshd.scratch();
    let runbook = format!(
        "[runbook]\nname = \"fleet\"\nssh_command = {}\n\n[hosts]\nweb = [\"node-1\", \"unreachable-1\", \"node-2\"]\n\n\
         [[phase]]\nid = \"p\"\n\n\
         [[phase.step]]\nid = \"first\"\nkind = \"command\"\non = \"web\"\nmax_fail = 1\n\
         run = \"touch {dir}/first-{{{{ host }}}}\"\n\n\
         [[phase.step]]\nid = \"second\"\nkind = \"command\"\non = \"web\"\n\
         run = \"touch {dir}/second-{{{{ host }}}}\"\n",
        sshd.ssh_command_toml(),
        dir = scratch.display()
    );
    let ran = Test::run_headless(&runbook).run();
    let hosts = host_entries(&ran.read("journal.log"));
    let fate = |step: &str, host: &str| {
        hosts
            .iter()
            .find(|h| h["step"] == step && h["host"] == host)
            .map(|h| h["status"].as_str().unwrap().to_string())
    };
    assert_eq!(
        fate("first", "unreachable-1").as_deref(),
        Some("unreachable")
    );
    assert_eq!(fate("second", "unreachable-1").as_deref(), Some("excluded"));
    assert_eq!(fate("second", "node-2").as_deref(), Some("passed"));
    assert!(exists(&scratch, "second-node-1") && exists(&scratch, "second-node-2"));

    // Without room in max_fail, the same host fails the step.
    let strict = runbook.replace("max_fail = 1\n", "on_failure = \"abort\"\n");
    Test::run_headless(&strict)
        .status(1)
        .stderr_has("unreachable-1 (ssh could not reach it")
        .run();
}

const ROLLING: &str = r#"
[[phase]]
id = "roll"
for_each = "nodes"

[[phase.step]]
id = "stage"
kind = "command"
on = "{{ host }}"
run = "touch DIR/staged-{{ host }}"
undo = "touch DIR/unstaged-{{ host }}"

[[phase.step]]
id = "upgrade"
kind = "command"
on = "{{ host }}"
run = "test ! -e DIR/broken-{{ host }} && echo x >> DIR/upgraded-{{ host }}"
undo = "touch DIR/downgraded-{{ host }}"
"#;

fn rolling(sshd: &Sshd, scratch: &Path) -> String {
    format!(
        "{}{}",
        header(sshd),
        ROLLING.replace("DIR", &scratch.display().to_string())
    )
}

#[test]
fn a_rolling_phase_that_fails_on_the_third_host_undoes_hosts_one_to_three_only() {
    let Some(sshd) = sshd_or_skip(5) else { return };
    let scratch = sshd.scratch();
    std::fs::write(scratch.join("broken-node-3"), "").unwrap();
    let ran = Test::run_headless(&rolling(&sshd, &scratch))
        .args(["--on-failure", "rollback"])
        .status(1)
        .run();
    for n in 1..=3 {
        assert!(
            exists(&scratch, &format!("unstaged-node-{n}")),
            "node-{n} unstaged:\n{}",
            ran.stderr()
        );
    }
    assert!(exists(&scratch, "downgraded-node-1") && exists(&scratch, "downgraded-node-2"));
    assert!(
        !exists(&scratch, "downgraded-node-3"),
        "node-3's upgrade never completed: nothing to undo"
    );
    for n in 4..=5 {
        for what in ["staged", "unstaged", "upgraded", "downgraded"] {
            assert!(
                !exists(&scratch, &format!("{what}-node-{n}")),
                "node-{n} untouched"
            );
        }
    }
    let journal = ran.read("journal.log");
    let hosts = host_entries(&journal);
    let failed: Vec<_> = hosts.iter().filter(|h| h["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["step"], "upgrade@node-3");
    assert!(journal.contains("\"step\":\"stage@node-3:undo\""));
    let report = Test::cutover().arg("report").arg(ran.run_dir()).output();
    let report = String::from_utf8_lossy(&report.stdout);
    assert!(
        report.contains("node-3") && report.contains("failed"),
        "{report}"
    );
    let (code, out) = verify(&ran.run_dir(), &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn resume_after_a_fix_continues_the_rolling_phase_with_the_hosts_not_done() {
    let Some(sshd) = sshd_or_skip(5) else { return };
    let scratch = sshd.scratch();
    std::fs::write(scratch.join("broken-node-3"), "").unwrap();
    let ran = Test::run_headless(&rolling(&sshd, &scratch))
        .args(["--on-failure", "suspend"])
        .status(3)
        .run();
    assert!(!exists(&scratch, "staged-node-4"));
    std::fs::remove_file(scratch.join("broken-node-3")).unwrap();
    ran.resume(&["--rerun", "upgrade@node-3"], 0);
    for n in 1..=5 {
        let upgraded = std::fs::read_to_string(scratch.join(format!("upgraded-node-{n}"))).unwrap();
        assert_eq!(upgraded, "x\n", "node-{n} upgraded exactly once");
    }
    let (code, out) = verify(&ran.run_dir(), &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn values_reach_the_host_exactly_as_given_whatever_their_quotes() {
    let Some(sshd) = sshd_or_skip(1) else { return };
    let scratch = sshd.scratch();
    let runbook = format!(
        "[runbook]\nname = \"q\"\nssh_command = {}\n\n[vars.message]\ndefault = \"it's \\\"quoted\\\" $HOME `id` ;&|\"\n\n\
         [[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"write\"\nkind = \"command\"\non = [\"node-1\"]\n\
         run = \"printf %s {{{{ message }}}} > {dir}/message\"\n",
        sshd.ssh_command_toml(),
        dir = scratch.display()
    );
    Test::run_headless(&runbook).run();
    assert_eq!(
        std::fs::read_to_string(scratch.join("message")).unwrap(),
        "it's \"quoted\" $HOME `id` ;&|"
    );
}

#[test]
fn within_max_fail_a_failed_host_leaves_the_rolling_phase_and_the_others_go_on() {
    let Some(sshd) = sshd_or_skip(5) else { return };
    let scratch = sshd.scratch();
    std::fs::write(scratch.join("broken-node-2"), "").unwrap();
    let runbook = rolling(&sshd, &scratch).replace(
        "for_each = \"nodes\"\n",
        "for_each = \"nodes\"\nserial = 5\nmax_fail = 1\n",
    );
    let ran = Test::run_headless(&runbook).run();
    for n in [1, 3, 4, 5] {
        assert!(exists(&scratch, &format!("upgraded-node-{n}")));
    }
    assert!(!exists(&scratch, "upgraded-node-2"));
    let journal = ran.read("journal.log");
    assert!(
        journal.contains(
            "\"step\":\"upgrade@node-2\",\"decision\":{\"choice\":\"policy\",\"action\":\"continue\",\"from\":\"runbook\"}"
        ),
        "the runbook's max_fail let it through: {journal}"
    );
    let (code, out) = verify(&ran.run_dir(), &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_phase_condition_is_decided_for_each_host() {
    let Some(sshd) = sshd_or_skip(3) else { return };
    let scratch = sshd.scratch();
    let runbook = format!(
        "{}[[phase]]\nid = \"roll\"\nfor_each = \"nodes\"\nwhen = 'host != \"node-2\"'\n\n\
         [[phase.step]]\nid = \"touch\"\nkind = \"command\"\non = \"{{{{ host }}}}\"\n\
         run = \"touch {dir}/touched-{{{{ host }}}}\"\n",
        header(&sshd).replace(", \"node-4\", \"node-5\"", ""),
        dir = scratch.display()
    );
    let ran = Test::run_headless(&runbook).run();
    assert!(exists(&scratch, "touched-node-1") && exists(&scratch, "touched-node-3"));
    assert!(!exists(&scratch, "touched-node-2"));
    assert!(
        ran.read("journal.log").contains(
            "\"kind\":\"condition\",\"body\":{\"step\":\"touch@node-2\",\"phase\":\"roll\""
        )
    );
}

#[test]
fn hosts_and_limit_choose_the_hosts_and_the_header_keeps_them_for_resume() {
    let Some(sshd) = sshd_or_skip(5) else { return };
    let scratch = sshd.scratch();
    let ran = Test::run_headless(&rolling(&sshd, &scratch))
        .args([
            "--hosts",
            "nodes=node-4,node-5,node-1",
            "--limit",
            "node-5,node-1",
        ])
        .run();
    assert!(exists(&scratch, "upgraded-node-5") && exists(&scratch, "upgraded-node-1"));
    for n in 2..=4 {
        assert!(!exists(&scratch, &format!("staged-node-{n}")));
    }
    let journal = ran.read("journal.log");
    assert!(
        journal.contains("\"hosts\":{\"nodes\":[\"node-5\",\"node-1\"]}"),
        "the header says which hosts ran, in order"
    );
    Test::run_headless(&rolling(&sshd, &scratch))
        .args(["--hosts", "nodez=node-1"])
        .status(2)
        .stderr_has("no host group `nodez`")
        .run();
    Test::run_headless(&rolling(&sshd, &scratch))
        .args(["--limit", "node-9"])
        .status(2)
        .stderr_has("--limit node-9: no group of this run has that host")
        .run();
}

/// kill -9 during a step on hosts leaves ssh masters (ControlPersist) and their sockets'
/// folder behind; the resume stops them, removes the folder and journals them.
#[test]
fn a_resume_after_kill_9_stops_the_ssh_masters_the_dead_engine_left() {
    let Some(sshd) = sshd_or_skip(2) else { return };
    let scratch = sshd.scratch();
    let runbook = format!(
        "{}[[phase]]\nid = \"p\"\n\n\
         [[phase.step]]\nid = \"long\"\nkind = \"command\"\non = [\"node-1\", \"node-2\"]\n\
         run = \"touch {dir}/started-{{{{ host }}}}; sleep 30\"\n",
        header(&sshd),
        dir = scratch.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = support::runbook(dir.path(), &runbook);
    let logs = dir.path().join("runs");
    let mut run = Test::process()
        .args(["run", "--headless", "--drill", "--auto", "--key"])
        .arg(support::key_file())
        .arg("--log-dir")
        .arg(&logs)
        .arg(&path)
        .env("TMPDIR", tmp.path())
        .env_remove("SSH_AUTH_SOCK")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    support::wait_until("the step runs on both hosts", || {
        exists(&scratch, "started-node-1") && exists(&scratch, "started-node-2")
    });
    // Masters name their sockets' folder (`ssh: PATH [mux]`), under the run's TMPDIR.
    let masters = || -> Vec<String> { processes_with(&tmp.path().display().to_string()) };
    run.kill().unwrap();
    run.wait().unwrap();
    assert!(!masters().is_empty(), "the dead engine left its masters");
    let run_dir = support::run_dir(&logs);
    let _resumed = Test::cutover()
        .arg("resume")
        .arg(&run_dir)
        .args(["--skip", "long=stopped by hand", "--key"])
        .arg(support::key_file())
        .env("TMPDIR", tmp.path())
        .status(0)
        .output();
    assert!(masters().is_empty(), "{:?}", masters());
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|name| name.to_string_lossy().starts_with("cutover-ssh-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let resume = &support::journal_bodies(&run_dir, "resume")[0];
    let stopped = resume["stopped"].as_array().expect("journaled");
    assert!(
        stopped
            .iter()
            .any(|p| p["command"].as_str().unwrap().contains("cutover-ssh-")),
        "{stopped:?}"
    );
    assert_eq!(verify(&run_dir, &[]).0, 0);
}
