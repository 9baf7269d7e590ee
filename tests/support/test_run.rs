//! One invocation of the binary and what is expected of it, declared then checked together
//! (modelled on just's `Test`): `Test::run_headless(text).args(…).status(1).stderr_has(…)
//! .run()`. A failed expectation prints the whole stderr, so no test repeats that plumbing.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use super::{cutover, key_file, run_dir, runbook};

pub(crate) struct Test {
    dir: tempfile::TempDir,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    status: i32,
    stderr_has: Vec<String>,
    stderr_lacks: Vec<String>,
}

/// What ran: its output, and the folder its run folders are under.
pub(crate) struct Ran {
    pub output: std::process::Output,
    pub dir: tempfile::TempDir,
}

impl Test {
    /// `cutover run RUNBOOK --headless --auto` with the test key, the runbook written from
    /// `text` and its run folders under a fresh temporary folder. Expects exit 0 unless told.
    pub(crate) fn run_headless(text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = runbook(dir.path(), text);
        let logs = dir.path().join("runs");
        let args = [
            OsString::from("run"),
            path.into(),
            "--headless".into(),
            "--auto".into(),
            "--log-dir".into(),
            logs.into(),
            "--key".into(),
            key_file().into(),
        ];
        Self {
            dir,
            args: args.into(),
            env: Vec::new(),
            status: 0,
            stderr_has: Vec::new(),
            stderr_lacks: Vec::new(),
        }
    }

    pub(crate) fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(OsString::from));
        self
    }

    pub(crate) fn env(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// The folder the runbook was written to (for files a step reads).
    pub(crate) fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub(crate) fn status(mut self, code: i32) -> Self {
        self.status = code;
        self
    }

    pub(crate) fn stderr_has(mut self, text: &str) -> Self {
        self.stderr_has.push(text.to_string());
        self
    }

    pub(crate) fn stderr_lacks(mut self, text: &str) -> Self {
        self.stderr_lacks.push(text.to_string());
        self
    }

    pub(crate) fn run(self) -> Ran {
        let output = cutover()
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(self.status), "{stderr}");
        for text in &self.stderr_has {
            assert!(
                stderr.contains(text.as_str()),
                "missing {text:?} in:\n{stderr}"
            );
        }
        for text in &self.stderr_lacks {
            assert!(
                !stderr.contains(text.as_str()),
                "{text:?} must not show in:\n{stderr}"
            );
        }
        Ran {
            output,
            dir: self.dir,
        }
    }
}

impl Ran {
    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// The run folder the invocation created.
    pub(crate) fn run_dir(&self) -> PathBuf {
        run_dir(&self.dir.path().join("runs"))
    }

    /// `cutover resume RUN --key KEY ARGS…` on this run; it must exit `status`.
    pub(crate) fn resume(&self, args: &[&str], status: i32) -> std::process::Output {
        let output = cutover()
            .arg("resume")
            .arg(self.run_dir())
            .arg("--key")
            .arg(key_file())
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(status),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// A file of the run folder, as text.
    pub(crate) fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.run_dir().join(relative)).unwrap()
    }
}
