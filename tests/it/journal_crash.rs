//! The journal under failure: a write that fails stops the run with exit 5 and loses nothing
//! already recorded; a run killed with SIGKILL at random moments always leaves a journal that
//! verifies VALID or INCOMPLETE (never TAMPERED), that resume completes, and that holds every
//! entry the engine had been told was on disk.

use crate::support;
use crate::support::test_run::Test;

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{key_file, verify};

fn write_runbook(
    dir: &std::path::Path,
    steps: usize,
    marker_dir: Option<&std::path::Path>,
) -> std::path::PathBuf {
    let mut text = String::from(
        "[runbook]\nname = \"crash\"\ntitle = \"Crash\"\n\n[[phase]]\nid = \"main\"\n\n",
    );
    for n in 0..steps {
        let action = match marker_dir {
            Some(markers) => format!("touch {}/step-{n}; echo step {n}", markers.display()),
            None if n % 4 == 0 => format!("sleep 0.01; echo step {n}"),
            None => format!("echo step {n}"),
        };
        text.push_str(&format!(
            "[[phase.step]]\nid = \"step-{n}\"\nkind = \"command\"\nrun = \"{action}\"\n\n"
        ));
    }
    let path = dir.join("runbook.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_journal_write_failure_stops_the_run_with_exit_5_and_loses_nothing_recorded() {
    // The file-size limit (RLIMIT_FSIZE, 8 KiB) makes the journal's writes fail partway: no
    // privileges, mounts or special filesystems needed.
    let dir = tempfile::tempdir().unwrap();
    let markers = dir.path().join("markers");
    std::fs::create_dir(&markers).unwrap();
    let runbook = write_runbook(dir.path(), 30, Some(&markers));
    let logs = dir.path().join("runs");
    let script = format!(
        "ulimit -f 16; exec {} run --headless --drill --key {} --log-dir {} {}",
        Test::binary().display(),
        key_file().display(),
        logs.display(),
        runbook.display()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("failed to record the run in its journal: write the journal"),
        "{stderr}"
    );
    let run = support::run_dir(&logs);
    let (code, report) = verify(&run, &[]);
    assert_eq!(code, 3, "INCOMPLETE, never TAMPERED: {report}");
    // No step ran past the entry that could not be written: every marker has its result.
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    let ran = std::fs::read_dir(&markers).unwrap().count();
    assert!(ran < 30, "the run stopped");
    for n in 0..ran.saturating_sub(1) {
        assert!(
            journal.contains(&format!(
                "\"kind\":\"step_result\",\"body\":{{\"step\":\"step-{n}\""
            )),
            "step-{n} ran without its result recorded"
        );
    }
}

/// A small deterministic generator for the kill moments.
fn moments(count: usize) -> Vec<Duration> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Duration::from_micros(3_000 + state % 90_000)
        })
        .collect()
}

#[test]
fn killed_at_random_moments_the_journal_verifies_and_resume_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = write_runbook(dir.path(), 16, None);
    let mut outcomes = std::collections::BTreeMap::new();
    for (trial, moment) in moments(50).into_iter().enumerate() {
        let logs = dir.path().join(format!("runs-{trial}"));
        let child = Test::process()
            .args(["run", "--headless", "--drill", "--key"])
            .arg(key_file())
            .arg("--log-dir")
            .arg(&logs)
            .arg(&runbook)
            .env_remove("SSH_AUTH_SOCK")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(moment);
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let output = child.wait_with_output().unwrap();
        let printed = String::from_utf8_lossy(&output.stderr).into_owned();
        // The kill may land before the log folder, the runbook's folder or the run's own.
        let run = std::fs::read_dir(&logs)
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|runbook| std::fs::read_dir(runbook.path()).into_iter().flatten())
            .flatten()
            .map(|entry| entry.path())
            .next();
        let Some(run) = run else {
            outcomes
                .entry("killed before the run folder")
                .and_modify(|n| *n += 1)
                .or_insert(1);
            continue;
        };
        if !run.join("journal.log").exists() {
            outcomes
                .entry("killed before the journal")
                .and_modify(|n| *n += 1)
                .or_insert(1);
            continue;
        }
        let (code, report) = verify(&run, &[]);
        assert!(
            code == 0 || code == 3,
            "trial {trial} ({moment:?}): {report}"
        );
        // Every result the display showed had been acknowledged, so it is in the journal.
        let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
        for line in printed
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("step-") && l.contains(" passed in "))
        {
            let step = line.split_whitespace().next().unwrap();
            assert!(
                journal.contains(&format!("\"step\":\"{step}\",\"attempt\":1,\"stage\"")),
                "trial {trial}: acknowledged result of {step} missing"
            );
        }
        if code == 0 {
            outcomes
                .entry("finished before the kill")
                .and_modify(|n| *n += 1)
                .or_insert(1);
            continue;
        }
        // Resume to the end, deciding about an interrupted step when asked.
        let mut rerun: Option<String> = None;
        for _ in 0..2 {
            let mut resume = Test::cutover()
                .arg("resume")
                .arg(&run)
                .arg("--key")
                .arg(key_file());
            if let Some(step) = &rerun {
                resume = resume.args(["--rerun", step]);
            }
            let output = resume.output();
            let said = String::from_utf8_lossy(&output.stderr).into_owned();
            match output.status.code() {
                Some(0) => break,
                Some(3) if said.contains("--rerun ") && rerun.is_none() => {
                    rerun = Some(
                        said.split("--rerun ")
                            .nth(1)
                            .unwrap()
                            .split([',', ' '])
                            .next()
                            .unwrap()
                            .to_string(),
                    );
                }
                other => panic!("trial {trial}: resume exited {other:?}: {said}"),
            }
        }
        let (code, report) = verify(&run, &[]);
        assert_eq!(code, 0, "trial {trial}: after resume: {report}");
        let key = if report.contains("W_") {
            "resumed with warnings"
        } else if rerun.is_some() {
            "resumed, step re-run"
        } else {
            "resumed"
        };
        outcomes.entry(key).and_modify(|n| *n += 1).or_insert(1);
    }
    eprintln!("outcomes of 50 kills: {outcomes:?}");
    assert!(
        outcomes.keys().any(|k| k.starts_with("resumed")),
        "{outcomes:?}"
    );
}
