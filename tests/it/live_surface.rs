//! Nothing shared by accident, nothing unbounded: a secret reaches only the processes that
//! name it, and what a run starts is its own.

use crate::support;
use crate::support::test_run::Test;

use crate::support::{journal_bodies, key_file, run_dir};

/// Each step writes what its own process's environment holds (from /proc) to a file.
const SECRETS: &str = r#"[runbook]
name = "secrets"

[vars.token]
env = "PAYMENTS_TOKEN"
secret = true

[vars.out]
default = "/dev/null"

[[phase]]
id = "p"

[[phase.step]]
id = "names-it"
kind = "command"
run = 'test -n "$CUTOVER_TOKEN" && tr "\0" "\n" < /proc/$$/environ > {{ out }}.names-it'

[[phase.step]]
id = "passes-it"
kind = "command"
run = 'tr "\0" "\n" < /proc/$$/environ > {{ out }}.passes-it'
env = { API_TOKEN = "{{ token }}" }

[[phase.step]]
id = "does-not"
kind = "command"
run = 'tr "\0" "\n" < /proc/$$/environ > {{ out }}.does-not'
"#;

#[test]
fn a_step_that_does_not_name_a_secret_never_has_it_in_its_environment() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(dir.path(), SECRETS);
    let out = dir.path().join("env");
    let _ran = support::headless_drill(&runbook, &dir.path().join("runs"))
        .args(["--var", &format!("out={}", out.display())])
        .env("PAYMENTS_TOKEN", "tok-4c1d9a7e2b")
        .status(0)
        .output();
    let environ =
        |step: &str| std::fs::read_to_string(format!("{}.{step}", out.display())).unwrap();
    assert!(environ("names-it").contains("CUTOVER_TOKEN=tok-4c1d9a7e2b"));
    assert!(environ("passes-it").contains("API_TOKEN=tok-4c1d9a7e2b"));
    let other = environ("does-not");
    assert!(!other.contains("CUTOVER_TOKEN"), "{other}");
    assert!(!other.contains("tok-4c1d9a7e2b"), "{other}");
    // Variables that are not secret still reach every step.
    assert!(other.contains("CUTOVER_OUT="), "{other}");
    // check says where the secret goes.
    let checked = Test::cutover()
        .args(["check", "--format", "json"])
        .arg(&runbook)
        .output();
    let checked: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert_eq!(
        checked["files"][0]["secrets"]["token"],
        serde_json::json!(["names-it", "passes-it"])
    );
}

#[test]
fn an_include_of_a_device_a_fifo_or_itself_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::write(
        dir.path().join("loop.toml"),
        "[[step]]\nid = \"again\"\ninclude = \"loop.toml\"\n",
    )
    .unwrap();
    let include = |path: &str| {
        format!(
            "[runbook]\nname = \"inc\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"block\"\ninclude = \"{path}\"\n"
        )
    };
    for (target, says) in [
        ("/dev/zero", "not a regular file"),
        ("fifo.toml", "not a regular file"),
        ("loop.toml", "includes itself"),
    ] {
        let runbook = dir.path().join("runbook.toml");
        std::fs::write(&runbook, include(target)).unwrap();
        let started = std::time::Instant::now();
        let checked = Test::cutover()
            .arg("check")
            .arg(&runbook)
            .timeout(std::time::Duration::from_secs(20))
            .output();
        let printed = String::from_utf8_lossy(&checked.stdout);
        assert_eq!(checked.status.code(), Some(2), "{target}: {printed}");
        assert!(printed.contains(says), "{target}: {printed}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{target} took {:?}",
            started.elapsed()
        );
    }
    // A runbook that is itself a device is refused the same way.
    let checked = Test::cutover()
        .args(["check", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(20))
        .status(2)
        .output();
    assert!(
        String::from_utf8_lossy(&checked.stderr).contains("not a regular file"),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// A dry run runs nothing for real: even of a runbook that declares itself a drill, its
/// journal says `dry-run`, so `verify --expect-mode drill` never accepts it.
#[test]
fn a_dry_run_of_a_drill_runbook_is_journaled_as_a_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(
        dir.path(),
        "[runbook]\nname = \"rehearsal\"\nenvironment = \"drill\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"s\"\nkind = \"command\"\nrun = \"echo ran\"\n",
    );
    let logs = dir.path().join("runs");
    let _ran = Test::cutover()
        .args(["run", "--headless", "--dry-run", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(&logs)
        .arg(&runbook)
        .status(0)
        .output();
    let header = &journal_bodies(&run_dir(&logs), "header")[0];
    assert_eq!(header["mode"], "dry-run");
    let (code, said) = support::verify(&run_dir(&logs), &["--expect-mode", "drill"]);
    assert_eq!(code, 4, "{said}");
}

/// Raises this test process's own limit on open files, for the connections it opens.
fn raise_open_files() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
    }
}

/// A run that waits for an approval, so that it stays live as long as the test needs.
const WAITS: &str = r#"[runbook]
name = "gated"

[[phase]]
id = "p"

[[phase.step]]
id = "pay"
kind = "command"
run = "echo paid"
approvals = 1
"#;

#[test]
fn a_burst_of_idle_connections_never_shuts_anyone_out() {
    raise_open_files();
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let runbook = support::runbook(dir.path(), WAITS);
    let mut run = support::people::Running(support::spawn_headless_drill(&runbook, &logs));
    let printed = support::people::statement(dir.path(), "pay", "bob@corp");
    assert!(printed.contains("step: pay"));
    let socket = run_dir(&logs).join("engine.sock");
    // 1,100 connections that never say a word: more than the usual limit of open files.
    let idle: Vec<std::os::unix::net::UnixStream> = (0..1100)
        .filter_map(|_| std::os::unix::net::UnixStream::connect(&socket).ok())
        .collect();
    assert!(idle.len() > 1000, "{} connected", idle.len());
    // A watcher still attaches and draws the run, and an approver still reads its statement.
    let watcher = support::tmux::Pane::start(
        &format!(
            "{} attach gated --watch --log-dir {}",
            Test::binary().display(),
            logs.display()
        ),
        100,
        30,
    );
    watcher.wait_for("cutover approve");
    let printed =
        support::people::approve(dir.path(), &["gated", "pay", "--print", "--as", "bob@corp"]);
    assert!(
        printed.status.success(),
        "{}",
        support::people::stderr(&printed)
    );
    drop(idle);
    watcher.keys(&["q"]);
    let _ = run.0.kill();
}

/// Steps that write the limit on open files they were given, around a wait for the test.
const LIMITS: &str = r#"[runbook]
name = "limits"

[vars.out]
required = true

[[phase]]
id = "p"

[[phase.step]]
id = "before"
kind = "command"
run = "ulimit -n > {{ out }}/before"

[[phase.step]]
id = "wait"
kind = "command"
run = "while [ ! -e {{ out }}/go ]; do sleep 0.01; done"

[[phase.step]]
id = "after"
kind = "command"
run = "ulimit -n > {{ out }}/after"
"#;

/// The soft and hard "Max open files" of process `pid`, from /proc/PID/limits.
fn open_files_of(pid: u32) -> (u64, u64) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .unwrap();
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn a_burst_of_connections_raises_the_engines_limit_and_never_its_steps() {
    use std::os::unix::process::CommandExt;
    raise_open_files();
    let (_, hard) = open_files_of(std::process::id());
    if hard <= 256 {
        eprintln!("skipped: the hard limit on open files here is {hard}, nothing to raise");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let runbook = support::runbook(dir.path(), LIMITS);
    let out = dir.path().display().to_string();
    let mut command = Test::process();
    command
        .args(["run", "--headless", "--auto", "--drill", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(&logs)
        .arg(&runbook)
        .args(["--var", &format!("out={out}")])
        .env_remove("SSH_AUTH_SOCK")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    // cutover is given a soft limit of 256 open files.
    unsafe {
        command.pre_exec(|| {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
            limit.rlim_cur = 256;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            Ok(())
        });
    }
    let mut run = support::people::Running(command.spawn().unwrap());
    let engine = run.0.id();
    support::wait_until("the wait step", || dir.path().join("before").exists());
    assert_eq!(
        open_files_of(engine).0,
        256,
        "nothing raised before it is needed"
    );
    // 300 connections at once, more than the run's own limit allows.
    let socket = run_dir(&logs).join("engine.sock");
    let held: Vec<std::os::unix::net::UnixStream> = (0..300)
        .filter_map(|_| std::os::unix::net::UnixStream::connect(&socket).ok())
        .collect();
    assert!(held.len() >= 250, "{} connected", held.len());
    support::wait_until("the engine's raised limit", || {
        open_files_of(engine).0 == hard
    });
    drop(held);
    std::fs::write(dir.path().join("go"), "").unwrap();
    let status = run.0.wait().unwrap();
    assert!(status.success());
    let said = std::io::read_to_string(run.0.stderr.take().unwrap()).unwrap();
    assert!(said.contains("the limit on open files is raised"), "{said}");
    for step in ["before", "after"] {
        let limit = std::fs::read_to_string(dir.path().join(step)).unwrap();
        assert_eq!(limit.trim(), "256", "{step}");
    }
}

#[test]
fn stalled_clients_and_a_slow_watcher_cost_the_engine_bounded_memory() {
    raise_open_files();
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    // A gigabyte of output, in lines.
    let runbook = support::runbook(
        dir.path(),
        "[runbook]\nname = \"flood\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"flood\"\nkind = \"command\"\nrun = \"yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c 1073741824\"\n",
    );
    let run = support::spawn_headless_drill(&runbook, &logs);
    support::wait_until("the run's socket is served", || {
        std::fs::read_dir(logs.join("flood")).is_ok_and(|mut runs| {
            runs.next()
                .and_then(Result::ok)
                .is_some_and(|run| run.path().join("engine.sock").exists())
        })
    });
    let socket = run_dir(&logs).join("engine.sock");
    let hello = |role: &str| {
        let json = format!(r#"{{"frame":"hello","body":{{"version":3,"role":"{role}"}}}}"#);
        let mut frame = (json.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(json.as_bytes());
        frame
    };
    let mut clients = Vec::new();
    use std::io::Write;
    for n in 0..200 {
        let Ok(mut client) = std::os::unix::net::UnixStream::connect(&socket) else {
            continue;
        };
        if n % 2 == 0 {
            // Announces a 4 MiB frame, sends a piece of it, and stalls.
            let _ = client.write_all(&(4u32 << 20).to_be_bytes());
            let _ = client.write_all(&[b'{'; 64 << 10]);
        } else {
            // A watcher that never reads.
            let _ = client.write_all(&hello("watch"));
        }
        clients.push(client);
    }
    // A watcher that reads, slowly: a kilobyte now and then.
    let slow = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    (&slow).write_all(&hello("watch")).unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut buffer = [0u8; 1024];
        let mut slow = slow;
        while let Ok(read) = slow.read(&mut buffer) {
            if read == 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    });
    let (peak_kib, status) = support::peak_rss_kib(run);
    assert!(status.success(), "the run ended well");
    drop(clients);
    let _ = reader.join();
    assert!(
        peak_kib <= 64 * 1024,
        "the engine peaked at {} MiB",
        peak_kib / 1024
    );
}

#[test]
fn a_service_is_ready_only_when_its_own_process_answers() {
    let dir = tempfile::tempdir().unwrap();
    // Someone else answers the ready URL: a colleague's sandbox on the same port.
    let other = support::serve(|_, _| support::Reply::new(200, "ok"));
    let service = |run: &str, url: &str| {
        format!(
            "[runbook]\nname = \"svc\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"app\"\nkind = \"service\"\nrun = '{run}'\nready_url = \"{url}\"\nready_timeout = \"10s\"\non_failure = \"abort\"\n"
        )
    };
    // Alive, but not the one answering.
    let runbook = support::runbook(
        dir.path(),
        &service("sleep 30", &format!("{}/health", other.base)),
    );
    let _ran = support::headless_drill(&runbook, &dir.path().join("runs"))
        .status(1)
        .output();
    let result = &journal_bodies(&run_dir(&dir.path().join("runs")), "step_result")[0];
    let message = result["message"].as_str().unwrap();
    assert!(message.contains("answered by another process"), "{message}");
    // Gone at once: its last words are in the failure.
    let closed = support::sandbox::free_port();
    let runbook = support::runbook(
        dir.path(),
        &service(
            "echo listen 127.0.0.1: address already in use >&2; exit 3",
            &format!("http://127.0.0.1:{closed}/health"),
        ),
    );
    let logs = dir.path().join("runs-2");
    let _ran = support::headless_drill(&runbook, &logs).status(1).output();
    let result = &journal_bodies(&run_dir(&logs), "step_result")[0];
    let message = result["message"].as_str().unwrap();
    assert!(message.contains("exited before it was ready"), "{message}");
    assert!(message.contains("address already in use"), "{message}");
}
