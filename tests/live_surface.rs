//! Nothing shared by accident, nothing unbounded: a secret reaches only the processes that
//! name it, and what a run starts is its own.

mod support;

use support::{journal_bodies, key_file, run_dir};

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
    let ran = support::headless_drill(&runbook, &dir.path().join("runs"))
        .args(["--var", &format!("out={}", out.display())])
        .env("PAYMENTS_TOKEN", "tok-4c1d9a7e2b")
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
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
    let checked = support::cutover()
        .args(["check", "--format", "json"])
        .arg(&runbook)
        .output()
        .unwrap();
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
        let checked = support::cutover()
            .arg("check")
            .arg(&runbook)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
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
    let checked = support::cutover()
        .args(["check", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(checked.status.code(), Some(2));
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
    let ran = support::cutover()
        .args(["run", "--headless", "--dry-run", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(&logs)
        .arg(&runbook)
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let header = &journal_bodies(&run_dir(&logs), "header")[0];
    assert_eq!(header["mode"], "dry-run");
    let (code, said) = support::verify(&run_dir(&logs), &["--expect-mode", "drill"]);
    assert_eq!(code, 4, "{said}");
}
