//! `runbooks/examples/kubeadm-upgrade.toml`, drilled against a loopback sshd: the nodes are
//! aliases of the test's own server, and stand-ins for kubectl, kubeadm, apt-get, apt-mark and
//! systemctl log what they are asked to do, in order. A successful upgrade takes every worker
//! through its turn; a kubelet that fails to install on the second worker rolls back exactly
//! what was done on workers one and two, and leaves the third untouched.

use std::path::{Path, PathBuf};

use crate::support::sshd::{Sshd, sshd_or_skip};
use crate::support::{example_drill, executable, run_dir, verify};

/// The folder of stand-ins, first on PATH (locally, and on the nodes through `node_path`).
/// `ssh` among them calls the real one with the test server's config.
fn stand_ins(dir: &Path, sshd: &Sshd) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("log");
    let log = log.display();
    executable(
        &bin.join("ssh"),
        &format!("#!/bin/sh\nexec /usr/bin/ssh -F {} \"$@\"\n", sshd.marker()),
    );
    executable(
        &bin.join("kubectl"),
        &format!(
            r#"#!/bin/sh
echo "kubectl $*" >> {log}
case "$1 $2" in
  "get nodes") for n in node-2 node-3 node-4; do echo "$n Ready <none> 9d v1.34.2"; done;;
  "get node") echo True;;
esac
"#
        ),
    );
    executable(
        &bin.join("kubeadm"),
        &format!(
            "#!/bin/sh\necho \"kubeadm $*\" >> {log}\n[ \"$1\" = version ] && echo v1.34.2\nexit 0\n"
        ),
    );
    executable(
        &bin.join("apt-get"),
        &format!(
            r#"#!/bin/sh
echo "apt-get $*" >> {log}
case "$*" in
  *--allow-downgrades*kubelet=*) ;;
  *"install -y kubelet="*)
    n=$(cat {dir}/installs 2>/dev/null || echo 0); n=$((n + 1)); echo $n > {dir}/installs
    [ "$n" = "$(cat {dir}/fail-at 2>/dev/null)" ] && {{ echo "E: broken package" >&2; exit 100; }};;
esac
exit 0
"#,
            dir = dir.display()
        ),
    );
    for program in ["apt-mark", "systemctl"] {
        executable(
            &bin.join(program),
            &format!("#!/bin/sh\necho \"{program} $*\" >> {log}\n"),
        );
    }
    bin
}

fn drill(dir: &Path, sshd: &Sshd, extra: &[&str]) -> (std::process::Output, PathBuf) {
    let bin = stand_ins(dir, sshd);
    let output = example_drill("kubeadm-upgrade.toml", dir, &bin)
        .args([
            "--hosts",
            "control_plane=node-1",
            "--hosts",
            "workers=node-2,node-3,node-4",
        ])
        .args(["--confirm", "backup-confirmed", "--confirm", "apply"])
        .args(["--time-scale", "0.001"])
        .args(extra)
        .timeout(std::time::Duration::from_secs(120))
        .output();
    let run = run_dir(&dir.join("runs"));
    (output, run)
}

fn log(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("log"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn every_worker_takes_its_turn_after_the_control_plane() {
    let Some(sshd) = sshd_or_skip(4) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (output, run) = drill(dir.path(), &sshd, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let log = log(dir.path());
    let apply = log
        .iter()
        .position(|l| l == "kubeadm upgrade apply -y v1.34.2")
        .expect("applied on the control plane");
    let drains: Vec<usize> = (2..=4)
        .map(|n| {
            log.iter()
                .position(|l| l.starts_with(&format!("kubectl drain node-{n} ")))
                .expect("each worker drained")
        })
        .collect();
    let uncordons: Vec<usize> = (2..=4)
        .map(|n| {
            log.iter()
                .position(|l| l == &format!("kubectl uncordon node-{n}"))
                .expect("each worker uncordoned")
        })
        .collect();
    assert!(apply < drains[0], "the control plane first");
    for n in 0..3 {
        assert!(
            drains[n] < uncordons[n],
            "worker {n}: drained, then uncordoned"
        );
        if n < 2 {
            assert!(uncordons[n] < drains[n + 1], "one worker at a time");
        }
    }
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    for id in [
        "node-drain@node-3",
        "node-kubelet@node-3",
        "node-uncordon@node-4",
    ] {
        assert!(journal.contains(&format!("\"step\":\"{id}\"")), "{id}");
    }
    assert!(journal.contains("\"kind\":\"host\",\"body\":{\"step\":\"node-kubelet@node-2\""));
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_kubelet_that_fails_on_the_second_worker_rolls_back_workers_one_and_two_only() {
    let Some(sshd) = sshd_or_skip(4) else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fail-at"), "2").unwrap();
    let (output, run) = drill(dir.path(), &sshd, &["--on-failure", "rollback"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("run rolled back"), "{stderr}");
    let log = log(dir.path());
    let after_failure: Vec<&String> = log
        .iter()
        .skip_while(|l| !l.starts_with("apt-get install -y kubelet=1.34.2-1.1"))
        .skip(1)
        .skip_while(|l| !l.starts_with("apt-get install -y kubelet=1.34.2-1.1"))
        .skip(1)
        .collect();
    let undo: Vec<&str> = after_failure
        .iter()
        .filter(|l| l.starts_with("kubectl uncordon") || l.contains("--allow-downgrades"))
        .map(|l| l.as_str())
        .collect();
    assert_eq!(
        undo,
        vec![
            "kubectl uncordon node-3",
            "apt-get install -y --allow-downgrades kubelet=1.33.6-1.1 kubectl=1.33.6-1.1",
            "kubectl uncordon node-2",
            "apt-get install -y --allow-downgrades kubeadm=1.33.6-1.1",
        ],
        "last first: worker two's drain, worker one's kubelet and drain, the control plane's kubeadm"
    );
    assert!(
        !log.iter().any(|l| l.contains("node-4")),
        "the third worker was never touched: {log:?}"
    );
    assert_eq!(verify(&run, &[]).0, 0);
}
