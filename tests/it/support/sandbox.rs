//! `cutover sandbox` started by a test on a free port, stopped when dropped.

use super::test_run::Test;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Sandbox {
    pub port: u16,
    pub base: String,
    child: Child,
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sandbox {
    /// Starts a sandbox with its state in `state_dir` and waits until it answers.
    pub(crate) fn start(state_dir: &Path) -> Self {
        Self::start_with_traffic(state_dir, 0)
    }

    /// A sandbox whose synthetic users send `per_second` requests a second.
    pub(crate) fn start_with_traffic(state_dir: &Path, per_second: u32) -> Self {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let child = Test::process()
            .args(["sandbox", "--listen", &listen, "--state"])
            .arg(state_dir)
            .args(["--traffic", &per_second.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sandbox starts");
        let sandbox = Self {
            port,
            base: format!("http://{listen}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while sandbox.call(&["GET", "/api/health"]).status.code() != Some(0) {
            assert!(Instant::now() < deadline, "the sandbox never answered");
            std::thread::sleep(Duration::from_millis(50));
        }
        sandbox
    }

    /// `cutover sandbox call …` against this sandbox.
    pub(crate) fn call(&self, args: &[&str]) -> std::process::Output {
        Test::cutover()
            .args([
                "sandbox",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "call",
            ])
            .args(args)
            .output()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
