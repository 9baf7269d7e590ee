//! One invocation of the binary and what is expected of it, declared then checked together
//! (modelled on just's `Test`): `Test::run_headless(text).args(…).status(1).stderr_has(…)
//! .run()`. A failed expectation prints the whole stderr, so no test repeats that plumbing.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::Duration;

use super::{cutover, key_file, run_dir, runbook};

pub(crate) struct Test {
    command: assert_cmd::Command,
    dir: Option<tempfile::TempDir>,
    /// The exit status expected; `None` takes any (the test looks at the output itself).
    status: Option<i32>,
    stderr_has: Vec<String>,
    stderr_lacks: Vec<String>,
    stdout_has: Vec<String>,
}

/// What ran: its output, and the folder its run folders are under.
pub(crate) struct Ran {
    pub output: std::process::Output,
    pub dir: tempfile::TempDir,
}

impl Test {
    /// Any invocation of the binary, with no `CUTOVER_LOG_DIR`, no agent and no colour from
    /// the test's own environment; any exit status unless `status` says which.
    pub(crate) fn cutover() -> Self {
        Self::from(cutover())
    }

    /// The binary as a process to start in the background, for a run the test signals, kills,
    /// drives or measures while it runs; its environment is the test's own.
    pub(crate) fn process() -> std::process::Command {
        std::process::Command::new(Self::binary())
    }

    /// Where the binary is, for a command line a terminal or a shell runs.
    pub(crate) fn binary() -> std::path::PathBuf {
        assert_cmd::cargo::cargo_bin("cutover")
    }

    /// A command a helper prepared (`headless_drill`, `example_drill`).
    pub(crate) fn from(command: assert_cmd::Command) -> Self {
        let mut command = command;
        command.timeout(super::slack(Duration::from_secs(120)));
        Self {
            command,
            dir: None,
            status: None,
            stderr_has: Vec::new(),
            stderr_lacks: Vec::new(),
            stdout_has: Vec::new(),
        }
    }

    /// `cutover run RUNBOOK --headless --auto` with the test key, the runbook written from
    /// `text` and its run folders under a fresh temporary folder. Expects exit 0 unless told.
    pub(crate) fn run_headless(text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = runbook(dir.path(), text);
        let logs = dir.path().join("runs");
        let mut test = Self::cutover()
            .args([
                "run".as_ref(),
                path.as_os_str(),
                "--headless".as_ref(),
                "--auto".as_ref(),
            ])
            .arg("--log-dir")
            .arg(logs)
            .arg("--key")
            .arg(key_file())
            .status(0);
        test.dir = Some(dir);
        test
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    pub(crate) fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(name, value);
        self
    }

    pub(crate) fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.command.envs(vars);
        self
    }

    pub(crate) fn env_remove(mut self, name: impl AsRef<OsStr>) -> Self {
        self.command.env_remove(name);
        self
    }

    pub(crate) fn current_dir(mut self, dir: impl AsRef<std::path::Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    pub(crate) fn write_stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.command.write_stdin(bytes);
        self
    }

    pub(crate) fn timeout(mut self, timeout: Duration) -> Self {
        self.command.timeout(super::slack(timeout));
        self
    }

    /// The folder the runbook was written to (for files a step reads).
    pub(crate) fn dir(&self) -> &std::path::Path {
        self.dir
            .as_ref()
            .expect("a test with its own folder")
            .path()
    }

    pub(crate) fn status(mut self, code: i32) -> Self {
        self.status = Some(code);
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

    pub(crate) fn stdout_has(mut self, text: &str) -> Self {
        self.stdout_has.push(text.to_string());
        self
    }

    /// Runs it and checks every expectation; a failure prints the whole stderr.
    pub(crate) fn output(mut self) -> std::process::Output {
        let output = self.command.output().expect("the binary starts");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        if let Some(status) = self.status {
            assert_eq!(
                output.status.code(),
                Some(status),
                "stderr:\n{stderr}\nstdout:\n{stdout}"
            );
        }
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
        for text in &self.stdout_has {
            assert!(
                stdout.contains(text.as_str()),
                "missing {text:?} in:\n{stdout}"
            );
        }
        output
    }

    /// Runs a test made by `run_headless`; its output and its folder.
    pub(crate) fn run(mut self) -> Ran {
        let dir = self.dir.take().expect("a test with its own folder");
        Ran {
            output: self.output(),
            dir,
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
        Test::cutover()
            .arg("resume")
            .arg(self.run_dir())
            .arg("--key")
            .arg(key_file())
            .args(args)
            .status(status)
            .output()
    }

    /// A file of the run folder, as text.
    pub(crate) fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.run_dir().join(relative)).unwrap()
    }
}
