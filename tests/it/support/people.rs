//! People for the tests of who did what: their own SSH keys, their signatures made anywhere
//! with `ssh-keygen -Y sign`, and runs in the background that a failed assertion never leaves
//! waiting.

use super::test_run::Test;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use super::{journal_bodies, key_file, wait_until};

/// A person's key: an Ed25519 key file (0600) with `principal` as its comment.
pub(crate) fn person_key(dir: &Path, principal: &str) -> PathBuf {
    let path = dir.join(principal.replace('@', "_at_"));
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", principal, "-f"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    path
}

pub(crate) fn public_key(key: &Path) -> String {
    let derived = Command::new("ssh-keygen")
        .arg("-y")
        .arg("-f")
        .arg(key)
        .output()
        .unwrap();
    assert!(
        derived.status.success(),
        "{}",
        String::from_utf8_lossy(&derived.stderr)
    );
    String::from_utf8_lossy(&derived.stdout)
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A run in the background; killed if the test ends before it (a failed assertion must not
/// leave a run waiting for approvals that will never come).
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Signs `text` as `ssh-keygen -Y sign -n cutover-approval` does anywhere; returns the
/// signature file (`FILE.sig` beside the statement `FILE`).
pub(crate) fn signed_elsewhere(dir: &Path, name: &str, text: &str, key: &Path) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let signed = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", "cutover-approval", "-f"])
        .arg(key)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    PathBuf::from(format!("{}.sig", file.display()))
}

/// A headless drill of `text` with `extra` arguments, in the background, its stderr kept in
/// `dir/run.err`.
pub(crate) fn start_with(dir: &Path, text: &str, extra: &[&str]) -> Running {
    let runbook = super::runbook(dir, text);
    let err = std::fs::File::create(dir.join("run.err")).unwrap();
    Running(
        Test::process()
            .args(["run", "--headless", "--drill", "--auto", "--key"])
            .arg(key_file())
            .arg("--log-dir")
            .arg(dir.join("runs"))
            .arg(&runbook)
            .args(extra)
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap(),
    )
}

pub(crate) fn start(dir: &Path, text: &str) -> Running {
    start_with(dir, text, &[])
}

/// `cutover approve ARGS`; one that signs here says `--yes` (it has no terminal to ask on).
pub(crate) fn approve(dir: &Path, args: &[&str]) -> Output {
    let signs_here = args.contains(&"--key");
    Test::cutover()
        .arg("approve")
        .arg("--log-dir")
        .arg(dir.join("runs"))
        .args(args)
        .args(signs_here.then_some("--yes"))
        .output()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The statement `--print --as NAME` writes, once the run waits for the step's approvals.
pub(crate) fn statement(dir: &Path, step: &str, name: &str) -> String {
    let mut printed = None;
    wait_until("the run waits for approvals", || {
        let output = approve(dir, &["gated", step, "--print", "--as", name]);
        let ok = output.status.success();
        printed = Some(output);
        ok
    });
    String::from_utf8(printed.unwrap().stdout).unwrap()
}

pub(crate) fn wait_for_exit(run: &mut Running) -> i32 {
    super::wait_for(
        "the end of the run",
        Duration::from_secs(30),
        Duration::from_millis(20),
        || match run.0.try_wait().unwrap() {
            Some(status) => Ok(status.code().unwrap()),
            None => Err(String::new()),
        },
    )
}

pub(crate) fn started_steps(run: &Path) -> Vec<String> {
    journal_bodies(run, "step_start")
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect()
}
