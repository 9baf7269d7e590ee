//! `runbooks/examples/unhealthy-replica.toml`, drilled end to end against a loopback sshd
//! (its commands run on a cluster member over ssh) with stand-ins for the programs it calls.
//! Each scenario is a path through the procedure, and the journal must say which path was
//! taken and why. (`example_kubeadm.rs` drills the other translated procedure.)

use crate::support::test_run::Test;
use std::path::{Path, PathBuf};

use crate::support::sshd::{Sshd, sshd_or_skip};
use crate::support::{example_drill, run_dir, verify};

/// Stand-ins for `patronictl` and `consul` that keep the replica's state in `state/`: the
/// replica catches up by itself when `state/recovers` exists, or two checks after a reinit.
/// Also `ssh`, which calls the real one with the test server's config.
fn stand_ins(dir: &Path, sshd: &Sshd) -> PathBuf {
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    sshd.ssh_in(&bin);
    let patronictl = bin.join("patronictl");
    std::fs::write(
        &patronictl,
        format!(
            r#"#!/bin/sh
state={state}
case "$1" in
  list) echo "pg-main: pg-primary-1 (leader), pg-replica-2 (replica)";;
  lag)
    echo "$3" >> "$state/lag-checks"
    if [ -e "$state/recovers" ]; then echo "lag 0 MB"; exit 0; fi
    if [ -e "$state/reinit" ]; then
      n=$(cat "$state/after-reinit" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$state/after-reinit"
      [ $n -ge 2 ] && {{ echo "lag 0 MB"; exit 0; }}
    fi
    echo "lag 4096 MB"; exit 1;;
  reinit) echo "$4" > "$state/reinit"; echo "reinitialising $4";;
esac
"#,
            state = state.display()
        ),
    )
    .unwrap();
    let consul = bin.join("consul");
    std::fs::write(
        &consul,
        format!("#!/bin/sh\necho \"$@\" >> {}/consul.log\n", state.display()),
    )
    .unwrap();
    for program in [&patronictl, &consul] {
        let mut permissions = std::fs::metadata(program).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(program, permissions).unwrap();
    }
    bin
}

/// A drill of the procedure, its cluster member `node-1` of the test's sshd; `None` when this
/// machine has no sshd (and CI did not ask for one).
fn drill(dir: &Path, extra: &[&str]) -> Option<(std::process::Output, PathBuf)> {
    let sshd = sshd_or_skip(1)?;
    let bin = stand_ins(dir, &sshd);
    let output = example_drill("unhealthy-replica.toml", dir, &bin)
        // Ten minutes of lag polling and three hours of waiting take a fraction of a second.
        .args(["--time-scale", "0.0002", "--input", "member=pg-replica-2"])
        .args(["--hosts", "patroni=node-1"])
        .args(extra)
        .output();
    let run = run_dir(&dir.join("runs"));
    Some((output, run))
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_broken_replica_is_drained_reinitialised_and_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let Some((output, run)) = drill(
        dir.path(),
        &[
            "--confirm",
            "reinit",
            "--confirm",
            "looks-healthy=dashboard flat",
        ],
    ) else {
        return;
    };
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("lag-recovers FAILED"), "{err}");
    assert!(err.contains("reinit passed"), "{err}");
    assert!(err.contains("streaming passed"), "{err}");
    let consul = std::fs::read_to_string(dir.path().join("state/consul.log")).unwrap();
    assert_eq!(
        consul,
        "maint -http-addr=http://pg-replica-2:8500 -enable -service=db-replica -reason=unhealthy replica pg-replica-2\nmaint -http-addr=http://pg-replica-2:8500 -disable -service=db-replica\n"
    );
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(
        journal.contains(r#""title":"Reinitialise pg-replica-2""#),
        "{journal}"
    );
    assert!(
        journal.contains(r#""checklist":["pg-replica-2"]"#),
        "the typed phrase is the member"
    );
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_replica_that_catches_up_is_left_alone_and_the_journal_says_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("state")).unwrap();
    std::fs::write(dir.path().join("state/recovers"), "").unwrap();
    let Some((output, run)) = drill(dir.path(), &[]) else {
        return;
    };
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("lag-recovers passed"), "{err}");
    assert!(
        err.contains("drain not applicable: phase repair's condition `steps.lag-recovers.status == 'failed'` is false"),
        "{err}"
    );
    assert!(
        !dir.path().join("state/consul.log").exists(),
        "nothing was drained"
    );
    assert!(
        !dir.path().join("state/reinit").exists(),
        "nothing was reinitialised"
    );
    let report = Test::cutover()
        .args(["report", "--format", "json"])
        .arg(&run)
        .output();
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let reinit = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"] == "reinit")
        .unwrap();
    assert_eq!(reinit["status"], "not applicable");
}

#[test]
fn a_repair_the_operator_does_not_trust_rolls_back_and_keeps_the_replica_out() {
    let dir = tempfile::tempdir().unwrap();
    let Some((output, run)) = drill(
        dir.path(),
        &[
            "--confirm",
            "reinit",
            "--fail",
            "looks-healthy=errors in the Patroni log",
            "--confirm",
            "page-dbre=paged",
        ],
    ) else {
        return;
    };
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("looks-healthy FAILED"), "{err}");
    assert!(err.contains("page-dbre passed"), "{err}");
    assert!(err.contains("run rolled back"), "{err}");
    let consul = std::fs::read_to_string(dir.path().join("state/consul.log")).unwrap();
    assert!(
        !consul.contains("-disable"),
        "it stays out of rotation: {consul}"
    );
    assert_eq!(verify(&run, &[]).0, 0);
}
