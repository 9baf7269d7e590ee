//! Helpers shared by the end-to-end tests: the binary, temporary run folders, and a loopback
//! HTTP server whose answers the test scripts.

#![allow(dead_code)]

pub(crate) mod chromium;
pub(crate) mod fixtures;
pub(crate) mod people;
pub(crate) mod postgres;
pub(crate) mod prometheus;
pub(crate) mod sandbox;
pub(crate) mod sshd;
pub(crate) mod test_run;
pub(crate) mod tmux;

use crate::support::test_run::Test;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub(crate) fn cutover() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("cutover").expect("binary built");
    cmd.env_remove("CUTOVER_LOG_DIR")
        .env_remove("SSH_AUTH_SOCK")
        .env("NO_COLOR", "1");
    cmd
}

/// An Ed25519 operator key file (0600) shared by the tests of one binary. It lives in Cargo's
/// scratch folder under `target/`, named after the test binary, so that every run of that binary
/// reuses it instead of leaving a new folder in /tmp behind each time.
pub(crate) fn key_file() -> PathBuf {
    static KEY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let binary = std::env::current_exe().expect("test binary path");
        let binary = binary.file_stem().expect("test binary name");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("operator-keys")
            .join(binary);
        let key = cutover::OperatorKey::drill_key(&dir).expect("test key");
        PathBuf::from(key.location)
    })
    .clone()
}

/// `cutover run RUNBOOK --headless --drill --auto` with the test key, its run folders under
/// `logs`: the command most binary tests start from (add flags, then assert).
pub(crate) fn headless_drill(runbook: &Path, logs: &Path) -> Test {
    Test::cutover()
        .args(["run", "--headless", "--drill", "--auto", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(logs)
        .arg(runbook)
}

/// A drill of `runbooks/examples/NAME` with the stand-ins in `bin` first on PATH, here and
/// (through the runbooks' `node_path`) on the hosts: add flags, then `.output()`.
pub(crate) fn example_drill(name: &str, dir: &Path, bin: &Path) -> Test {
    let runbook = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("runbooks/examples")
        .join(name);
    headless_drill(&runbook, &dir.join("runs"))
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .args([
            "--var",
            &format!("node_path={}:/usr/bin:/bin", bin.display()),
        ])
}

/// The same drill started in the background, its output discarded: for tests that signal,
/// kill or measure the process while it runs.
pub(crate) fn spawn_headless_drill(runbook: &Path, logs: &Path) -> std::process::Child {
    spawn_headless(runbook, logs, &["--drill"], &[])
}

/// `cutover run RUNBOOK --headless --auto` with the test key, `args` and `env` added, started
/// in the background with its output discarded.
pub(crate) fn spawn_headless(
    runbook: &Path,
    logs: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Child {
    Test::process()
        .args(["run", "--headless", "--auto", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(logs)
        .arg(runbook)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("SSH_AUTH_SOCK")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cutover starts")
}

/// A scripted answer: status, body, and how long to wait before answering.
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
    /// Extra response headers (`Location` for a redirect).
    pub headers: Vec<(String, String)>,
    /// Instead of `body`: this many bytes of `x`, streamed.
    pub streamed: Option<u64>,
}

impl Reply {
    pub(crate) fn new(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.into(),
            delay: Duration::ZERO,
            headers: Vec::new(),
            streamed: None,
        }
    }

    pub(crate) fn redirect(status: u16, location: &str) -> Self {
        let mut reply = Self::new(status, "");
        reply.headers.push(("Location".into(), location.into()));
        reply
    }

    pub(crate) fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A loopback HTTP/1.1 server; `answer(n, path)` is called for the n-th request (from 0).
pub(crate) struct TestServer {
    pub base: String,
    pub hits: Arc<AtomicUsize>,
    /// The head (request line and headers) of every request received, in order.
    pub requests: Arc<std::sync::Mutex<Vec<String>>>,
    /// The path and body of every request received, in order.
    pub received: Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

pub(crate) fn serve(answer: impl Fn(usize, &str) -> Reply + Send + Sync + 'static) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
    let received = Arc::new(std::sync::Mutex::new(Vec::new()));
    let answer = Arc::new(answer);
    let counter = hits.clone();
    let heads = requests.clone();
    let bodies = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            let heads = heads.clone();
            let bodies = bodies.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_string();
                let mut content_length = 0;
                let mut head = request_line.clone();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    head.push_str(&header);
                    if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:")
                    {
                        content_length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; content_length];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                heads.lock().unwrap().push(head);
                bodies
                    .lock()
                    .unwrap()
                    .push((path.clone(), String::from_utf8_lossy(&body).into_owned()));
                let reply = answer(n, &path);
                std::thread::sleep(reply.delay);
                let extra: String = reply
                    .headers
                    .iter()
                    .map(|(name, value)| format!("{name}: {value}\r\n"))
                    .collect();
                let length = reply.streamed.unwrap_or(reply.body.len() as u64);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {length}\r\nConnection: close\r\n\r\n",
                    reply.status,
                );
                match reply.streamed {
                    None => {
                        let _ = stream.write_all(reply.body.as_bytes());
                    }
                    Some(total) => {
                        let block = vec![b'x'; 1 << 20];
                        let mut left = total;
                        while left > 0 {
                            let n = left.min(block.len() as u64) as usize;
                            if stream.write_all(&block[..n]).is_err() {
                                break;
                            }
                            left -= n as u64;
                        }
                    }
                }
            });
        }
    });
    TestServer {
        base,
        hits,
        requests,
        received,
    }
}

/// The bodies of a journal's entries of `kind`, in order (the JSON column of each line).
pub(crate) fn bodies_of(journal: &str, kind: &str) -> Vec<serde_json::Value> {
    journal
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line.split('\t').next()?).ok())
        .filter(|entry| entry["kind"] == kind)
        .map(|entry| entry["body"].clone())
        .collect()
}

/// The bodies of the entries of `kind` in a run folder's journal (none when it has none yet).
pub(crate) fn journal_bodies(run_dir: &Path, kind: &str) -> Vec<serde_json::Value> {
    bodies_of(
        &std::fs::read_to_string(run_dir.join("journal.log")).unwrap_or_default(),
        kind,
    )
}

/// Writes a runbook into `dir` and returns its path.
pub(crate) fn runbook(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("runbook.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The single run folder created under `log_dir` (beside `.locks/`, the release locks).
pub(crate) fn run_dir(log_dir: &Path) -> PathBuf {
    let runbook_dirs: Vec<_> = std::fs::read_dir(log_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|path| !path.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert_eq!(runbook_dirs.len(), 1);
    let runs: Vec<_> = std::fs::read_dir(&runbook_dirs[0])
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1);
    runs[0].clone()
}

/// Runs `cutover verify RUN EXTRA…`: its exit code and what it printed on stdout.
pub(crate) fn verify(run: &Path, extra: &[&str]) -> (i32, String) {
    let output = Test::cutover().arg("verify").arg(run).args(extra).output();
    (
        output.status.code().expect("verify exits, not killed"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// Processes whose command line contains `marker`.
pub(crate) fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(marker) {
                found.push(format!(
                    "{}: {cmdline}",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    found
}

/// Fails the test if any process still runs `sleep MARKER`.
pub(crate) fn assert_no_process_sleeping(marker: &str) {
    assert_eq!(
        processes_with(&format!("sleep {marker}")),
        Vec::<String>::new(),
        "an orphan survived"
    );
}

/// A number unlikely to appear in any other process's command line, and never the same twice
/// in one test binary (tests run side by side: two tmux servers must not share a socket).
pub(crate) fn unique_marker() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}{}{:04}",
        900_000 + std::process::id() % 100_000,
        nanos % 1000,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The peak resident memory of a process, in KiB, polled until it ends.
pub(crate) fn peak_rss_kib(mut child: std::process::Child) -> (u64, std::process::ExitStatus) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak = peak.max(
                line.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse().ok())
                    .unwrap_or(0),
            );
        }
        if let Some(exit) = child.try_wait().unwrap() {
            return (peak, exit);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The one polling loop of the tests: asks `probe` every `every` until it gives a value, for
/// at most `bound` (stretched by `slack`); otherwise the last thing it said of what it saw.
pub(crate) fn poll<T>(
    bound: Duration,
    every: Duration,
    mut probe: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    let deadline = std::time::Instant::now() + slack(bound);
    loop {
        match probe() {
            Ok(value) => return Ok(value),
            Err(seen) if std::time::Instant::now() >= deadline => return Err(seen),
            Err(_) => std::thread::sleep(every),
        }
    }
}

/// Waits for an observable state: `probe`'s value, or the test fails naming `what` and what
/// was last seen.
pub(crate) fn wait_for<T>(
    what: &str,
    bound: Duration,
    every: Duration,
    probe: impl FnMut() -> Result<T, String>,
) -> T {
    poll(bound, every, probe).unwrap_or_else(|seen| panic!("{what} never happened{seen}"))
}

/// Waits up to 20 s (stretched by `slack`) for `condition`, checking every 10 ms; fails the
/// test naming `what`.
pub(crate) fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    wait_for(
        what,
        Duration::from_secs(20),
        Duration::from_millis(10),
        || condition().then_some(()).ok_or_else(String::new),
    )
}

/// Whether process `pid` has `signal` in the mask `field` of /proc/PID/status: `SigCgt`
/// (a handler is installed), `SigPnd` or `ShdPnd` (raised, not yet delivered).
pub(crate) fn signal_in_mask(pid: u32, field: &str, signal: libc::c_int) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (signal - 1)) != 0)
}

/// `/dev/full` opened for writing: every write fails with ENOSPC, as on a full disk.
pub(crate) fn dev_full() -> std::fs::File {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux")
}

/// Writes an executable script (0755): a stand-in for a program a runbook calls.
pub(crate) fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    let mut permissions = std::fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(path, permissions).unwrap();
}

/// An upper time bound, stretched by `$CUTOVER_TEST_SLACK` (a factor, default 1): a loaded CI
/// machine is slow, not wrong.
pub(crate) fn slack(bound: Duration) -> Duration {
    let factor = std::env::var("CUTOVER_TEST_SLACK")
        .ok()
        .and_then(|f| f.parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f >= 1.0)
        .unwrap_or(1.0);
    bound.mul_f64(factor)
}
