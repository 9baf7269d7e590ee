//! `cutover review` and `cutover report` on the journals an auditor meets: a passed run, a
//! rolled-back drill, a run resumed after a crash, and a tampered journal. Review screens and
//! Markdown are snapshots (times, hashes and paths redacted); JSON is checked field by field;
//! the HTML page is rendered by headless Chromium and its screenshot must not be blank.

use crate::support;
use crate::support::test_run::Test;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;

use crate::support::{key_file, run_dir};

const RELEASE: &str = r#"[runbook]
name = "release"
title = "Release <b>v2</b> & friends"
environment = "staging"
expected_duration = "10m"

[vars.release]
default = "v2.0.0"

[vars.token]
env = "TEST_TOKEN"
secret = true

[[phase]]
id = "prepare"
title = "Préparation"
expected_duration = "1m"

[[phase.step]]
id = "backup"
title = "Backup"
kind = "command"
run = "printf 'dumping users\ndumping orders\nbackup done\n'"
expected_duration = "30s"

[[phase.step]]
id = "announce"
title = "Announce the window"
kind = "manual"
instructions = "Post in #release"
checklist = ["Posted in #release", "On-call acknowledged"]
notes = "optional"

[[phase]]
id = "deploy"
title = "Deploy"

[[phase.step]]
id = "migrate"
title = "Migrate"
kind = "command"
dangerous = true
confirm_phrase = "migrate"
run = "echo migrated $CUTOVER_RELEASE"

[[phase.step]]
id = "smoke"
title = "Smoke test"
kind = "command"
run = "echo smoke ok"

[[rollback.step]]
id = "restore"
title = "Restore the backup"
kind = "command"
run = "echo restored"
"#;

/// Part of a line, as a crash in the middle of a write leaves it.
const TORN: &[u8] = b"{\"v\":1,\"sid\":\"00\",\"seq\":99,\"pr";

const HOSTILE_NOTE: &str = "<script>alert(1)</script> posted | done";

struct Journals {
    _dir: tempfile::TempDir,
    root: PathBuf,
    passed: PathBuf,
    rolled_back: PathBuf,
    resumed: PathBuf,
    tampered: PathBuf,
}

fn run_release(dir: &Path, logs: &str, extra: &[&str]) -> PathBuf {
    let runbook = dir.join("release.toml");
    std::fs::write(&runbook, RELEASE).unwrap();
    let output = Test::cutover()
        .env("TEST_TOKEN", "hunter2-secret-token")
        .args(["run", "--headless", "--key"])
        .arg(key_file())
        .args(["--operator", "alice", "--log-dir"])
        .arg(dir.join(logs))
        .args(["--confirm", &format!("announce={HOSTILE_NOTE}")])
        .args(["--confirm", "migrate"])
        .args(extra)
        .arg(&runbook)
        .output();
    assert!(
        matches!(output.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    run_dir(&dir.join(logs))
}

/// A run killed while a step waits, a torn write left behind, resumed by someone else who
/// marks the interrupted step done by hand.
fn crashed_and_resumed(dir: &Path) -> PathBuf {
    let runbook = dir.join("crash.toml");
    std::fs::write(
        &runbook,
        format!(
            "[runbook]\nname = \"nightly\"\ntitle = \"Nightly job\"\n\n[[phase]]\nid = \"main\"\ntitle = \"Main\"\n\n\
             [[phase.step]]\nid = \"first\"\nkind = \"command\"\nrun = \"echo first\"\n\n\
             [[phase.step]]\nid = \"wait-for-go\"\nkind = \"command\"\nrun = \"echo waiting; while [ ! -e {} ]; do sleep 0.05; done\"\n\n\
             [[phase.step]]\nid = \"last\"\nkind = \"command\"\nrun = \"echo last\"\n",
            dir.join("go").display()
        ),
    )
    .unwrap();
    let logs = dir.join("crash-runs");
    let mut child = Test::process()
        .args(["run", "--headless", "--drill", "--auto", "--key"])
        .arg(key_file())
        .args(["--operator", "alice", "--log-dir"])
        .arg(&logs)
        .arg(&runbook)
        .env_remove("SSH_AUTH_SOCK")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = support::wait_for(
        "the start of wait-for-go",
        Duration::from_secs(30),
        Duration::from_millis(20),
        || {
            let run = std::panic::catch_unwind(|| run_dir(&logs))
                .map_err(|_| "; no run folder yet".to_string())?;
            let journal = run.join("journal.log");
            std::fs::read_to_string(&journal)
                .unwrap_or_default()
                .contains("\"step\":\"wait-for-go\",\"title\"")
                .then_some(journal)
                .ok_or_else(String::new)
        },
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // SIGKILL gives cutover no chance to stop the step: let its loop end, leave no orphan.
    std::fs::write(dir.join("go"), "").unwrap();
    // What a crash in the middle of a write leaves: part of a line, no line break.
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.extend_from_slice(TORN);
    std::fs::write(&journal, bytes).unwrap();
    let run = journal.parent().unwrap().to_path_buf();
    let _resumed = Test::cutover()
        .arg("resume")
        .arg(&run)
        .args(["--key"])
        .arg(key_file())
        .args(["--operator", "bob"])
        .args([
            "--mark-done",
            "wait-for-go=the job finished by hand, see ticket OPS-12",
        ])
        .status(0)
        .output();
    run
}

/// A copy of a run whose journal had one entry's status edited afterwards.
fn tampered_copy(run: &Path, into: &Path) -> PathBuf {
    let copy = into.join("tampered-run");
    std::fs::create_dir_all(copy.join("output")).unwrap();
    for entry in std::fs::read_dir(run.join("output")).unwrap().flatten() {
        std::fs::copy(entry.path(), copy.join("output").join(entry.file_name())).unwrap();
    }
    std::fs::copy(run.join("runbook.toml"), copy.join("runbook.toml")).unwrap();
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    let edited = journal.replacen(
        "\"step\":\"smoke\",\"attempt\":1,\"stage\":null,\"status\":\"passed\"",
        "\"step\":\"smoke\",\"attempt\":1,\"stage\":null,\"status\":\"skipped\"",
        1,
    );
    assert_ne!(edited, journal, "the smoke result was found and edited");
    std::fs::write(copy.join("journal.log"), edited).unwrap();
    copy
}

fn journals() -> &'static Journals {
    static JOURNALS: std::sync::OnceLock<Journals> = std::sync::OnceLock::new();
    JOURNALS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let passed = run_release(&root, "passed-runs", &[]);
        let rolled_back = run_release(
            &root,
            "drill-runs",
            &[
                "--drill",
                "--inject-failure",
                "smoke",
                "--on-failure",
                "rollback",
            ],
        );
        let resumed = crashed_and_resumed(&root);
        let tampered = tampered_copy(&passed, &root);
        Journals {
            _dir: dir,
            root,
            passed,
            rolled_back,
            resumed,
            tampered,
        }
    })
}

/// Times, hashes, keys, durations, paths and the machine's names vary from run to run.
fn redactions() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        &regex::escape(&journals().root.display().to_string()),
        "[dir]",
    );
    for name in [hostname(), username()] {
        if !name.is_empty() {
            settings.add_filter(&format!(r"\b{}\b", regex::escape(&name)), "[machine]");
        }
    }
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", "[time]");
    settings.add_filter(r"\b\d{2}:\d{2}:\d{2}\b", "[clock]");
    settings.add_filter(r"\d{8}T\d{6}Z-[0-9a-f]{8}", "[run-id]");
    settings.add_filter(r"\b\d+:[0-9a-f]{64}\b", "[anchor]");
    settings.add_filter(r"\b[0-9a-f]{64}\b", "[sha256]");
    settings.add_filter(r"SHA256:[A-Za-z0-9+/]{43}", "[key]");
    // A key's short form as people are credited (`alice (SHA256:uaCPzuWQdUw+…)`): the test
    // key is made afresh in each checkout. As wide as it was, so columns stay where they are.
    settings.add_filter(r"SHA256:[A-Za-z0-9+/]{12}…", "SHA256:############…");
    // A measured duration, also when a narrow column cut its unit off.
    // (Not a version: `cutover 0.1.0`, `v2.0.0` stay.)
    settings.add_filter(r"(^|[ (])\d+\.\d+s?([^.\d]|$)", "$1[secs]$2");
    // A duration as wide as `0.04s` or `12.3s` leaves as much padding before the column rule.
    settings.add_filter(r"\[secs\] *│", "[secs] │");
    settings.add_filter(r"first \d+", "first [n]");
    settings.add_filter(r"offset \d+", "offset [n]");
    settings
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn username() -> String {
    std::env::var("USER").unwrap_or_else(|_| {
        String::from_utf8_lossy(&Command::new("id").arg("-un").output().unwrap().stdout)
            .trim()
            .to_string()
    })
}

fn report(run: &Path, format: &str) -> (Option<i32>, String) {
    let output = Test::cutover()
        .args(["report", "--format", format])
        .arg(run)
        .output();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn json(run: &Path) -> Value {
    serde_json::from_str(&report(run, "json").1).unwrap()
}

fn step<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

// ─── Markdown ───────────────────────────────────────────────────────────────────────────────

#[test]
fn markdown_reports_of_the_four_journals() {
    let journals = journals();
    redactions().bind(|| {
        for (name, run, code) in [
            ("passed", &journals.passed, 0),
            ("rolled_back", &journals.rolled_back, 0),
            ("resumed", &journals.resumed, 0),
            ("tampered", &journals.tampered, 4),
        ] {
            let (exit, text) = report(run, "md");
            assert_eq!(exit, Some(code), "{name}: {text}");
            insta::assert_snapshot!(format!("markdown_{name}"), text);
        }
    });
}

#[test]
fn markdown_never_lets_run_text_become_markup() {
    let (_, text) = report(&journals().passed, "md");
    assert!(text.contains("\\<script\\>alert(1)\\</script\\> posted \\| done"));
    assert!(text.contains("Release \\<b\\>v2\\</b\\> & friends"));
    assert!(!text.contains("hunter2"), "a secret reached the report");
}

// ─── JSON ───────────────────────────────────────────────────────────────────────────────────

#[test]
fn json_of_a_passed_run_field_by_field() {
    let report = json(&journals().passed);
    assert_eq!(report["format"], "cutover-report/1");
    assert_eq!(report["verification"]["verdict"], "VALID");
    assert_eq!(report["verification"]["error"], Value::Null);
    assert_eq!(report["verification"]["runbook_file"], "matches");
    assert!(
        report["verification"]["anchor"]
            .as_str()
            .unwrap()
            .contains(':')
    );
    let run = &report["run"];
    assert_eq!(run["runbook"]["name"], "release");
    assert_eq!(run["mode"], "production");
    assert_eq!(run["namespace"], "cutover-journal");
    assert_eq!(run["operator"]["principal"], "alice");
    assert!(
        run["operator"]["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("SHA256:")
    );
    assert_eq!(run["operator"]["key_source"], "file");
    assert_eq!(run["status"], "passed");
    assert_eq!(run["expected_ms"], 600_000);
    assert_eq!(run["variables"]["release"], "v2.0.0");
    assert_eq!(run["secrets"], serde_json::json!(["token"]));
    assert!(!report.to_string().contains("hunter2"));
    let announce = step(&report, "announce");
    assert_eq!(announce["status"], "passed");
    // Credited to the key that signed the confirmation, and its principal.
    assert_eq!(announce["confirmed_by"][0]["name"], "alice");
    assert!(
        announce["confirmed_by"][0]["key"]
            .as_str()
            .is_some_and(|key| key.starts_with("SHA256:")),
        "{announce}"
    );
    assert_eq!(
        announce["checklist"],
        serde_json::json!(["Posted in #release", "On-call acknowledged"])
    );
    assert_eq!(announce["notes"], serde_json::json!([HOSTILE_NOTE]));
    let migrate = step(&report, "migrate");
    assert_eq!(migrate["confirmed_by"][0]["name"], "alice");
    assert_eq!(migrate["checklist"], serde_json::json!(["migrate"]));
    assert_eq!(migrate["exit_code"], 0);
    let backup = step(&report, "backup");
    assert_eq!(backup["expected_ms"], 30_000);
    assert_eq!(backup["over_expected"], false);
    assert_eq!(backup["output"]["path"], "output/backup.1.log");
    assert_eq!(report["phases"].as_array().unwrap().len(), 2);
    assert_eq!(report["phases"][0]["expected_ms"], 60_000);
    assert_eq!(report["not_reached"][0]["id"], "restore");
    assert_eq!(report["not_reached"][0]["rollback"], true);
    assert_eq!(report["failures"], serde_json::json!([]));
    assert_eq!(report["drill"], Value::Null);
}

#[test]
fn json_of_a_rolled_back_drill_field_by_field() {
    let report = json(&journals().rolled_back);
    assert_eq!(report["verification"]["verdict"], "VALID");
    assert_eq!(report["run"]["mode"], "drill");
    assert_eq!(report["run"]["namespace"], "cutover-drill");
    assert_eq!(report["run"]["status"], "rolled-back");
    assert_eq!(step(&report, "smoke")["status"], "failed");
    assert_eq!(step(&report, "restore")["rollback"], true);
    assert_eq!(step(&report, "restore")["phase"], Value::Null);
    assert_eq!(step(&report, "restore")["status"], "passed");
    let failure = &report["failures"][0];
    assert_eq!(failure["step"], "smoke");
    assert_eq!(
        failure["message"],
        "failure injected for the drill (--inject-failure)"
    );
    let decision = &report["decisions"][0];
    assert_eq!(decision["step"], "smoke");
    // `--on-failure rollback` is a policy given in advance, not a person's choice.
    assert_eq!(decision["choice"], "policy");
    assert_eq!(decision["reason"], "rollback");
    assert_eq!(decision["by"], Value::Null);
    assert_eq!(
        decision["words"],
        "rollback (by --on-failure on the command line, not a person)"
    );
    let drill = &report["drill"];
    assert_eq!(drill["rolled_back"], true);
    assert_eq!(drill["first_failure_at"], failure["at"]);
    assert!(drill["recovery_ms"].as_u64().is_some());
}

#[test]
fn json_of_a_run_resumed_after_a_crash_field_by_field() {
    let report = json(&journals().resumed);
    assert_eq!(report["verification"]["verdict"], "VALID");
    assert_eq!(report["run"]["status"], "passed");
    let sessions = report["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0]["principal"], "alice");
    assert_eq!(sessions[0]["resumed"], false);
    assert_eq!(sessions[1]["principal"], "bob");
    assert_eq!(sessions[1]["resumed"], true);
    assert_eq!(sessions[1]["torn_bytes"], TORN.len());
    let interrupted = step(&report, "wait-for-go");
    assert_eq!(interrupted["status"], "done manually");
    assert_eq!(
        interrupted["reason"],
        "the job finished by hand, see ticket OPS-12"
    );
    let decision = &report["decisions"][0];
    assert_eq!(decision["choice"], "mark-done");
    assert_eq!(decision["by"]["name"], "bob");
    assert!(
        decision["by"]["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("SHA256:"))
    );
    assert_eq!(decision["on_resume"], true);
    assert_eq!(step(&report, "last")["status"], "passed");
}

#[test]
fn json_of_a_tampered_journal_keeps_only_what_precedes_the_error() {
    let (code, text) = report(&journals().tampered, "json");
    assert_eq!(code, Some(4));
    let report: Value = serde_json::from_str(&text).unwrap();
    let verification = &report["verification"];
    assert_eq!(verification["verdict"], "TAMPERED");
    let error = verification["error"].as_str().unwrap();
    assert!(error.starts_with("E_SIG: line "), "{error}");
    let trusted = verification["trusted_entries"].as_u64().unwrap();
    assert!(trusted < verification["total_lines"].as_u64().unwrap());
    let smoke = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "smoke")
        .unwrap();
    assert_eq!(
        smoke["status"], "unknown (untrusted)",
        "the edited result is not trusted, so nothing is known of it"
    );
    assert_eq!(report["run"]["status"], "unknown (untrusted)");
}

// ─── HTML ───────────────────────────────────────────────────────────────────────────────────

#[test]
fn html_is_one_self_contained_page_that_escapes_everything() {
    let (_, page) = report(&journals().passed, "html");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains("<script"), "no script, and none injected");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; posted | done"));
    assert!(page.contains("Release &lt;b&gt;v2&lt;/b&gt; &amp; friends"));
    for external in ["src=", "href=", "@import", "url("] {
        assert!(
            !page.contains(external),
            "{external} in a self-contained page"
        );
    }
    assert!(page.contains("<style>"), "the stylesheet is inline");
}

#[test]
fn the_html_page_draws_the_run_as_bars_on_a_time_axis() {
    let (_, page) = report(&journals().rolled_back, "html");
    let start = page.find("<svg class=\"timeline\"").expect("a timeline");
    let svg = &page[start..start + page[start..].find("</svg>").unwrap()];
    for drawn in [
        "class=\"bar passed\"",
        "class=\"bar failed\"",
        "class=\"bar rollback\"",
        "class=\"rollback\"",
        "class=\"mark\"",
        "class=\"tick\"",
    ] {
        assert!(svg.contains(drawn), "{drawn} missing: {svg}");
    }
    assert!(!svg.contains("<script"), "no script in the picture");
}

#[test]
fn the_html_page_renders_in_headless_chromium_to_a_screenshot_that_is_not_blank() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let _written = Test::cutover()
        .args(["report", "--format", "html", "-o"])
        .arg(&page)
        .arg(&journals().rolled_back)
        .status(0)
        .output();
    let Some(shot) = support::chromium::screenshot(&page, 1200, 1600) else {
        return;
    };
    let total = shot.total();
    let dark = shot.count(|p| (u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) < 3 * 128);
    let colored = shot.count(|p| p[0].abs_diff(p[1]) > 40 || p[1].abs_diff(p[2]) > 40);
    assert!(
        dark * 200 > total,
        "text covers {dark} of {total} pixels: the page looks blank"
    );
    assert!(colored > 0, "the verdict and statuses are in colour");
    // The timeline's bars: the rollback's orange is drawn nowhere else on the page.
    let rollback = shot.near([0xc3, 0x6a, 0x00]);
    let passed = shot.near([0x1c, 0x7c, 0x3c]);
    assert!(
        rollback > 30 && passed > 200,
        "the timeline's bars are on screen: {rollback} rollback and {passed} passed pixels"
    );
}

// ─── Review screens ─────────────────────────────────────────────────────────────────────────

fn review_screen(
    run: &Path,
    keys: &[crossterm::event::KeyCode],
    width: u16,
    height: u16,
) -> String {
    let loaded = cutover::load_run(run, &Default::default())
        .unwrap_or_else(|_| panic!("{} loads", run.display()));
    let mut app = cutover::ReviewApp::new(loaded.history, loaded.run_dir, false, false);
    for key in keys {
        app.key(crossterm::event::KeyEvent::from(*key));
    }
    app.load_output();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| cutover::draw_review(frame, &app))
        .unwrap();
    format!("{}", terminal.backend())
}

#[test]
fn review_screens_of_the_four_journals() {
    use crossterm::event::KeyCode::{Char, Down, End};
    let journals = journals();
    redactions().bind(|| {
        for (name, run, keys) in [
            // The header, then the first step with its output.
            ("passed", &journals.passed, vec![Down, Down, Down]),
            // Straight to the first failure.
            ("rolled_back", &journals.rolled_back, vec![Char('f')]),
            // The resumption and its decision.
            ("resumed", &journals.resumed, vec![Char('d')]),
            // The last trusted entry, and where trust ends.
            ("tampered", &journals.tampered, vec![End]),
        ] {
            for (width, height) in [(80, 24), (120, 40)] {
                insta::assert_snapshot!(
                    format!("review_{name}_{width}x{height}"),
                    review_screen(run, &keys, width, height)
                );
            }
        }
    });
}

#[test]
fn the_review_jumps_between_failures_and_decisions_and_says_when_there_is_none() {
    use crossterm::event::{KeyCode, KeyEvent};
    let loaded = cutover::load_run(&journals().rolled_back, &Default::default()).unwrap();
    let mut app = cutover::ReviewApp::new(loaded.history, loaded.run_dir, true, false);
    app.key(KeyEvent::from(KeyCode::Char('f')));
    let failure = app.selected_entry().unwrap().clone();
    assert_eq!(failure.step.as_deref(), Some("smoke"));
    assert_eq!(failure.kind.as_str(), "step_result");
    app.key(KeyEvent::from(KeyCode::Char('d')));
    let decision = app.selected_entry().unwrap();
    assert_eq!(decision.kind.as_str(), "decision");
    assert!(decision.line > failure.line);
    app.key(KeyEvent::from(KeyCode::Char('F')));
    assert_eq!(app.selected_entry().unwrap().line, failure.line);
    app.key(KeyEvent::from(KeyCode::Char('F')));
    assert_eq!(app.message.as_deref(), Some("no failure before this entry"));
    assert_eq!(
        app.key(KeyEvent::from(KeyCode::Char('q'))),
        cutover::ReviewAction::Quit
    );
}

#[test]
fn review_without_a_terminal_points_to_report() {
    let output = Test::cutover()
        .arg("review")
        .arg(&journals().passed)
        .status(2)
        .output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs a terminal") && stderr.contains("cutover report"),
        "{stderr}"
    );
}

#[test]
fn a_journal_whose_header_is_not_trusted_is_tampered_and_nothing_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("journal.log"), "not a journal\n").unwrap();
    let output = Test::cutover()
        .arg("report")
        .arg(dir.path())
        .status(4)
        .output();
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TAMPERED") && stderr.contains("E_GARBAGE"),
        "{stderr}"
    );
}

#[test]
fn the_review_in_a_real_terminal_shows_the_verdict_jumps_and_restores_the_terminal() {
    let pane = support::tmux::Pane::start(
        &format!(
            "{} review {}",
            Test::binary().display(),
            journals().tampered.display()
        ),
        80,
        24,
    );
    let screen = pane.wait_for("TAMPERED");
    assert!(screen.contains("first error: E_SIG"), "{screen}");
    pane.keys(&["End"]);
    pane.wait_for("trust ends here");
    pane.keys(&["F"]);
    pane.wait_for("no failure before this entry");
    pane.keys(&["?"]);
    pane.wait_for("nothing you press changes the run");
    // Escape then q at once reads as Alt-q on a busy machine: let the help close first.
    pane.keys(&["Escape"]);
    pane.wait_until_gone("nothing you press changes the run");
    pane.keys(&["q"]);
    assert_eq!(pane.exit_code(), 4, "review exits with verify's code");
    pane.assert_terminal_restored();
}

#[test]
fn every_report_shows_what_the_steps_captured() {
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[[phase]]\nid = \"main\"\n\n\
                [[phase.step]]\nid = \"version\"\nkind = \"command\"\nrun = \"echo noise; echo v2.4.1\"\ncapture = \"deployed\"\n";
    let ran = support::test_run::Test::run_headless(text).run();
    let run = ran.run_dir();
    let report = |format: &str| {
        let output = Test::cutover()
            .args(["report", "--format", format])
            .arg(&run)
            .status(0)
            .output();
        String::from_utf8(output.stdout).unwrap()
    };
    let markdown = report("md");
    assert!(markdown.contains("## Captured values"), "{markdown}");
    assert!(
        markdown.contains("- `version`: `deployed` = `v2.4.1`"),
        "{markdown}"
    );
    let json: Value = serde_json::from_str(&report("json")).unwrap();
    assert_eq!(json["steps"][0]["captures"]["deployed"], "v2.4.1");
    assert!(report("html").contains("Captured values"));
}

#[test]
fn a_report_that_cannot_be_written_is_never_lost_in_silence() {
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[[phase]]\nid = \"main\"\n\n\
                [[phase.step]]\nid = \"a\"\nkind = \"command\"\nrun = \"true\"\n";
    let ran = support::test_run::Test::run_headless(text).run();
    let full = support::dev_full();
    let output = Test::process()
        .arg("report")
        .arg(ran.run_dir())
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{err}");
    assert!(
        err.starts_with("cutover: failed to write the report to standard output"),
        "{err}"
    );
}
