//! Helpers shared by the end-to-end tests: the binary, temporary run folders, and a loopback
//! HTTP server whose answers the test scripts.

#![allow(dead_code)]

pub mod fixtures;
pub mod postgres;
pub mod sandbox;
pub mod tmux;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub fn cutover() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("cutover").expect("binary built");
    cmd.env_remove("CUTOVER_LOG_DIR")
        .env_remove("SSH_AUTH_SOCK")
        .env("NO_COLOR", "1");
    cmd
}

/// An Ed25519 operator key file (0600) shared by the tests of one binary. It lives in Cargo's
/// scratch folder under `target/`, named after the test binary, so that every run of that binary
/// reuses it instead of leaving a new folder in /tmp behind each time.
pub fn key_file() -> PathBuf {
    static KEY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let binary = std::env::current_exe().expect("test binary path");
        let binary = binary.file_stem().expect("test binary name");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("operator-keys")
            .join(binary);
        let key = cutover::journal::keys::operator::OperatorKey::drill_key(&dir).expect("test key");
        PathBuf::from(key.location)
    })
    .clone()
}

/// A scripted answer: status, body, and how long to wait before answering.
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
}

/// A loopback HTTP/1.1 server; `answer(n, path)` is called for the n-th request (from 0).
pub struct TestServer {
    pub base: String,
    pub hits: Arc<AtomicUsize>,
}

pub fn serve(answer: impl Fn(usize, &str) -> Reply + Send + Sync + 'static) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(answer);
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
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
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:")
                    {
                        content_length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; content_length];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                let reply = answer(n, &path);
                std::thread::sleep(reply.delay);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                    reply.status,
                    reply.body.len(),
                    reply.body
                );
            });
        }
    });
    TestServer { base, hits }
}

/// Writes a runbook into `dir` and returns its path.
pub fn runbook(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("runbook.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The single run folder created under `log_dir`.
pub fn run_dir(log_dir: &Path) -> PathBuf {
    let runbook_dirs: Vec<_> = std::fs::read_dir(log_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
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
pub fn verify(run: &Path, extra: &[&str]) -> (i32, String) {
    let output = cutover()
        .arg("verify")
        .arg(run)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().expect("verify exits, not killed"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// Processes whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<String> {
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
pub fn assert_no_process_sleeping(marker: &str) {
    assert_eq!(
        processes_with(&format!("sleep {marker}")),
        Vec::<String>::new(),
        "an orphan survived"
    );
}

/// A number unlikely to appear in any other process's command line, and never the same twice
/// in one test binary (tests run side by side: two tmux servers must not share a socket).
pub fn unique_marker() -> String {
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
