//! A private Prometheus for one test (Debian's `prometheus`, which `.ci/run` installs): its own
//! config and storage in a temporary folder, scraping the given targets every second, on a
//! loopback port. Stopped when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Prometheus {
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

const PROMETHEUS: &str = "/usr/bin/prometheus";

impl Prometheus {
    /// Starts a server scraping `targets` (`host:port`) every second, and waits until it is
    /// ready; or returns why it cannot (no prometheus).
    pub(crate) fn start(targets: &[String]) -> Result<Self, String> {
        if !Path::new(PROMETHEUS).exists() {
            return Err(format!("no {PROMETHEUS} (apt-get install prometheus)"));
        }
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        let quoted: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: nexus\n    static_configs:\n      - targets: [{}]\n",
                quoted.join(", ")
            ),
        )
        .unwrap();
        let port = super::sandbox::free_port();
        let child = Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| format!("{PROMETHEUS}: {err}"))?;
        let mut server = Self {
            url: format!("http://127.0.0.1:{port}"),
            child,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !server.ready() {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("prometheus exited at start: {status}"));
            }
            if Instant::now() > deadline {
                return Err("prometheus was not ready after 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    fn ready(&self) -> bool {
        curl(&format!("{}/-/ready", self.url)).is_some_and(|body| body.contains("Ready"))
    }

    /// The instant query's answer, as text.
    pub(crate) fn query(&self, promql: &str) -> String {
        let output = Command::new("curl")
            .args(["-s", "--get", "--data-urlencode"])
            .arg(format!("query={promql}"))
            .arg(format!("{}/api/v1/query", self.url))
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits until `promql` gives at least one series (the scrapes have started to count).
    pub(crate) fn wait_for_series(&self, promql: &str) {
        super::wait_for(
            &format!("a series for {promql} in Prometheus"),
            Duration::from_secs(20),
            Duration::from_millis(200),
            || {
                let answer = self.query(promql);
                if answer.contains(r#""status":"success""#) && !answer.contains(r#""result":[]"#) {
                    Ok(())
                } else {
                    Err(format!("; its last answer: {answer}"))
                }
            },
        );
    }

    /// Stops the server now (a test of a monitoring that goes away).
    pub(crate) fn stop(&mut self) {
        // SAFETY: kill has no memory preconditions.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

fn curl(url: &str) -> Option<String> {
    let output = Command::new("curl")
        .args(["-s", "--max-time", "2", url])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Prometheus, or `None` (with a word on stderr) where none is installed — unless
/// `CUTOVER_REQUIRE_PROMETHEUS` is set, as in CI, where its absence fails the test.
pub(crate) fn prometheus_or_skip(targets: &[String]) -> Option<Prometheus> {
    match Prometheus::start(targets) {
        Ok(server) => Some(server),
        Err(why) if std::env::var_os("CUTOVER_REQUIRE_PROMETHEUS").is_none() => {
            eprintln!("skipped: {why}");
            None
        }
        Err(why) => panic!("CUTOVER_REQUIRE_PROMETHEUS is set and prometheus cannot start: {why}"),
    }
}

/// Whether Prometheus is installed, for tests that start it through a runbook; where it is not,
/// a word on stderr — unless `CUTOVER_REQUIRE_PROMETHEUS` is set, where its absence fails.
pub(crate) fn installed_or_skip() -> bool {
    if Path::new(PROMETHEUS).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CUTOVER_REQUIRE_PROMETHEUS").is_none(),
        "CUTOVER_REQUIRE_PROMETHEUS is set and {PROMETHEUS} is not installed"
    );
    eprintln!("skipped: no {PROMETHEUS} (apt-get install prometheus)");
    false
}
