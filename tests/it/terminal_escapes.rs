//! Nothing from a run, a runbook or a journal reaches a terminal raw: headless progress,
//! `verify` and `check` print no escape or control sequence that came from their input.

use crate::support;
use crate::support::test_run::Test;

use crate::support::key_file;

/// What a hostile command, title or principal carries: a window title, a clipboard write, a
/// clear screen, a cursor move and a bell.
const HOSTILE: &str = "\u{1b}]0;owned\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{1b}[H\u{7}";

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(
        !bytes.iter().any(|&b| b == 0x1b || b == 0x07),
        "{what} printed an escape or bell: {text:?}"
    );
}

#[test]
fn headless_progress_and_verify_print_no_escape_from_the_output_the_title_or_the_principal() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(
        dir.path(),
        &format!(
            "[runbook]\nname = \"hostile\"\ntitle = \"T{toml}\"\n\n[[phase]]\nid = \"main\"\ntitle = \"P{toml}\"\n\n\
             [[phase.step]]\nid = \"loud\"\ntitle = \"S{toml}\"\nkind = \"command\"\nrun = \"printf 'a\\\\033]0;owned\\\\007b\\\\033[2Jc\\\\n'; exit 3\"\non_failure = \"abort\"\n",
            toml = hostile_toml()
        ),
    );
    let logs = dir.path().join("runs");
    let output = Test::cutover()
        .args(["run", "--headless", "--drill", "--auto", "--key"])
        .arg(key_file())
        .args(["--operator", &format!("ops{HOSTILE}@corp")])
        .arg("--log-dir")
        .arg(&logs)
        .arg(&runbook)
        .status(1)
        .output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("| abc"),
        "the tail is shown, cleaned: {stderr}"
    );
    assert_clean("headless progress", &output.stderr);

    let run = support::run_dir(&logs);
    let verified = Test::cutover().arg("verify").arg(&run).status(0).output();
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(stdout.contains("ops"), "{stdout}");
    assert_clean("verify", &verified.stdout);
}

#[test]
fn check_quotes_a_hostile_runbook_without_its_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        format!("[runbook]\nname = \"x\"\ntitle = \"t\"\nunknown{HOSTILE} = 1\n"),
    )
    .unwrap();
    let output = Test::cutover().arg("check").arg(&path).status(2).output();
    assert_clean("check (stdout)", &output.stdout);
    assert_clean("check (stderr)", &output.stderr);
}

/// The hostile text as TOML basic-string escapes.
fn hostile_toml() -> String {
    HOSTILE
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{:04X}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}
