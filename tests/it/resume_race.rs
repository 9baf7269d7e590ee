//! One writer per journal: two `cutover resume` of the same run, started together or a few
//! milliseconds apart, never both append. One carries the run to its end; the other is refused
//! with who holds the run (exit 2), or finds the run finished. The side effect after the resume
//! point happens once, and the journal verifies VALID with nothing after its footer.

use crate::support;
use crate::support::test_run::Test;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::support::{Reply, key_file, serve, verify};

/// A run suspended at a manual step after `steps` automated ones (two entries each), with an
/// HTTP POST right after the manual step.
fn suspended_run(dir: &Path, steps: usize, base: &str) -> PathBuf {
    let mut text = String::from(
        "[runbook]\nname = \"race\"\ntitle = \"Race\"\n\n[[phase]]\nid = \"main\"\n\n",
    );
    for n in 0..steps {
        text.push_str(&format!(
            "[[phase.step]]\nid = \"s{n}\"\nkind = \"command\"\nrun = \"true\"\n\n"
        ));
    }
    text.push_str(&format!(
        "[[phase.step]]\nid = \"gate\"\nkind = \"manual\"\ninstructions = \"Go.\"\n\n\
         [[phase.step]]\nid = \"post\"\nkind = \"http\"\nmethod = \"POST\"\nurl = \"{base}/deploy\"\nexpect_status = 200\n"
    ));
    let runbook = support::runbook(dir, &text);
    let logs = dir.join("runs");
    support::headless_drill(&runbook, &logs)
        .timeout(Duration::from_secs(300))
        .status(3)
        .output();
    support::run_dir(&logs)
}

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn two_resumes_of_one_run_never_both_append_and_the_post_happens_once() {
    let server = serve(|_, _| Reply::new(200, "{}"));
    let dir = tempfile::tempdir().unwrap();
    let original = suspended_run(dir.path(), 1500, &server.base);
    let binary = Test::binary();
    let trials = 20;
    for trial in 0..trials {
        // The copy keeps the run folder's name (the run id) under a fresh log dir.
        let logs = dir.path().join(format!("trial-{trial}"));
        std::fs::create_dir_all(logs.join("race")).unwrap();
        let run = logs.join("race").join(original.file_name().unwrap());
        copy_dir(&original, &run);
        let start = || {
            Command::new(&binary)
                .args(["resume", "--confirm", "gate", "--key"])
                .arg(key_file())
                .arg(&run)
                .env_remove("SSH_AUTH_SOCK")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let first = start();
        // Half the trials start together, half a few milliseconds apart.
        if trial % 2 == 1 {
            std::thread::sleep(Duration::from_millis(1 + (trial as u64 % 7)));
        }
        let second = start();
        let outputs = [
            first.wait_with_output().unwrap(),
            second.wait_with_output().unwrap(),
        ];
        let codes: Vec<_> = outputs.iter().map(|o| o.status.code()).collect();
        let stderrs: Vec<_> = outputs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect();
        let winners = codes.iter().filter(|c| **c == Some(0)).count();
        assert_eq!(
            winners, 1,
            "trial {trial}: exactly one resume finishes the run: {codes:?} {stderrs:?}"
        );
        for (code, stderr) in codes.iter().zip(&stderrs) {
            if *code == Some(0) {
                continue;
            }
            assert_eq!(
                *code,
                Some(2),
                "trial {trial}: the loser is refused: {stderr}"
            );
            assert!(
                stderr.contains("the run is in progress (PID ")
                    || stderr.contains("already finished"),
                "trial {trial}: {stderr}"
            );
            assert!(!stderr.contains("--skip"), "trial {trial}: {stderr}");
            assert!(
                !stderr.contains("was running when"),
                "trial {trial}: {stderr}"
            );
        }
        assert_eq!(
            server.hits.load(Ordering::SeqCst),
            trial + 1,
            "trial {trial}: the POST after the resume point ran once"
        );
        let (code, report) = verify(&run, &[]);
        assert_eq!(code, 0, "trial {trial}: {report}");
    }
}
