//! The damage suite: a journal altered the ways an attacker or an accident would alter it, each
//! case expecting its exact verify code and verdict (0 VALID, 3 INCOMPLETE, 4 TAMPERED).

use crate::support;
use crate::support::test_run::Test;

use std::path::PathBuf;

use crate::support::{key_file, verify};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cutover::OperatorKey;
use cutover::{Body, Entry};
use ed25519_dalek::{Signer, SigningKey};

const RUNBOOK: &str = r#"[runbook]
name = "damage"
title = "Damage suite"

[[phase]]
id = "main"

[[phase.step]]
id = "hello"
kind = "command"
run = "echo hello; echo world"

[[phase.step]]
id = "ask"
kind = "manual"
instructions = "Confirm"
checklist = ["done"]

[[phase.step]]
id = "flaky"
kind = "command"
run = "echo nope; exit 1"
on_failure = "continue"

[[phase]]
id = "second"

[[phase.step]]
id = "bye"
kind = "command"
run = "echo bye"
"#;

struct Run {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Run {
    fn journal(&self) -> PathBuf {
        self.path.join("journal.log")
    }

    fn lines(&self) -> Vec<Vec<u8>> {
        std::fs::read(self.journal())
            .unwrap()
            .split_inclusive(|&b| b == b'\n')
            .map(<[u8]>::to_vec)
            .collect()
    }

    fn write_lines(&self, lines: &[Vec<u8>]) {
        std::fs::write(self.journal(), lines.concat()).unwrap();
    }

    /// The line number (1-based) of the first entry of `kind`.
    fn line_of(&self, kind: &str) -> usize {
        self.lines()
            .iter()
            .position(|l| parse_entry(l).is_some_and(|e| e.body.kind().as_str() == kind))
            .unwrap()
            + 1
    }
}

fn parse_entry(line: &[u8]) -> Option<Entry> {
    let json = std::str::from_utf8(line).ok()?.split('\t').next()?;
    Entry::parse(json).ok()
}

fn entry_of(line: &[u8]) -> Entry {
    parse_entry(line).expect("a journal entry")
}

/// A finished drill run (footer, checkpoints, outputs) signed with the test key.
fn finished_run(extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("runbook.toml");
    std::fs::write(&runbook, RUNBOOK).unwrap();
    let logs = dir.path().join("runs");
    let output = Test::cutover()
        .args([
            "run",
            "--headless",
            "--drill",
            "--operator",
            "tester",
            "--key",
        ])
        .arg(key_file())
        .arg("--log-dir")
        .arg(&logs)
        .arg(&runbook)
        .args(extra)
        .output();
    let path = support::run_dir(&logs);
    let _ = output;
    Run { _dir: dir, path }
}

fn finished() -> Run {
    let run = finished_run(&["--confirm", "ask=ok"]);
    assert_eq!(
        verify(&run.journal(), &[]).0,
        0,
        "the undamaged journal verifies"
    );
    run
}

/// Asserts TAMPERED with `code` at `line`.
fn assert_tampered(run: &Run, extra: &[&str], code: &str, line: Option<usize>) {
    let (status, out) = verify(&run.journal(), extra);
    assert_eq!(status, 4, "{out}");
    let error = out.lines().nth(1).unwrap_or_default();
    assert!(
        error.starts_with(&format!("{code}: ")),
        "expected {code}, got: {out}"
    );
    if let Some(line) = line {
        assert!(
            error.contains(&format!(": line {line} (")),
            "expected line {line}: {out}"
        );
    }
}

fn foreign_signature(json: &str) -> String {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let mut message = json.as_bytes().to_vec();
    message.push(b'\n');
    format!("ed25519:{}", STANDARD.encode(key.sign(&message).to_bytes()))
}

fn operator_signature(json: &str) -> String {
    let key = OperatorKey::from_file(&key_file()).unwrap();
    let mut message = json.as_bytes().to_vec();
    message.push(b'\n');
    format!(
        "sshsig:{}",
        STANDARD.encode(key.sign("cutover-drill", &message).unwrap())
    )
}

#[test]
fn an_undamaged_journal_is_valid_and_prints_its_anchor() {
    let run = finished();
    let (status, out) = verify(&run.journal(), &[]);
    assert_eq!(status, 0);
    assert!(out.starts_with("VALID\n"), "{out}");
    assert!(out.contains("operator: tester"), "{out}");
    assert!(out.contains("final status: passed"), "{out}");
    let anchor = out
        .lines()
        .find_map(|l| l.strip_prefix("anchor: "))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(verify(&run.journal(), &["--anchor", &anchor]).0, 0);
}

#[test]
fn edited_entry() {
    let run = finished();
    let mut lines = run.lines();
    let at = run.line_of("step_result");
    lines[at - 1] = String::from_utf8(lines[at - 1].clone())
        .unwrap()
        .replace("exit 0", "exit 9")
        .into_bytes();
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_SIG", Some(at));
}

#[test]
fn edited_signature() {
    let run = finished();
    let mut lines = run.lines();
    let at = run.line_of("phase_start");
    let text = String::from_utf8(lines[at - 1].clone()).unwrap();
    let position = text.find("ed25519:").unwrap() + 8;
    let mut bytes = text.into_bytes();
    bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
    lines[at - 1] = bytes;
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_SIG", Some(at));
}

#[test]
fn deleted_entry() {
    let run = finished();
    let mut lines = run.lines();
    lines.remove(2);
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_SEQ", Some(3));
}

#[test]
fn swapped_entries() {
    let run = finished();
    let mut lines = run.lines();
    lines.swap(2, 3);
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_SEQ", Some(3));
}

#[test]
fn replayed_entry() {
    let run = finished();
    let mut lines = run.lines();
    let copy = lines[2].clone();
    lines.insert(4, copy);
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_SEQ", Some(5));
}

#[test]
fn entry_re_signed_by_a_foreign_key() {
    let run = finished();
    let mut lines = run.lines();
    let at = run.line_of("step_result");
    let json = String::from_utf8(lines[at - 1].clone())
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .replace("exit 0", "exit 9");
    lines[at - 1] = format!("{json}\t{}\n", foreign_signature(&json)).into_bytes();
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_SIG", Some(at));
}

#[test]
fn truncation_at_a_line_boundary_is_incomplete_and_tampered_with_a_later_anchor() {
    let run = finished();
    let (_, out) = verify(&run.journal(), &[]);
    let anchor = out
        .lines()
        .find_map(|l| l.strip_prefix("anchor: "))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let mut lines = run.lines();
    lines.truncate(lines.len() - 3);
    run.write_lines(&lines);
    let (status, out) = verify(&run.journal(), &[]);
    assert_eq!(status, 3, "{out}");
    assert!(out.starts_with("INCOMPLETE\nW_NO_FOOTER"), "{out}");
    assert_tampered(&run, &["--anchor", &anchor], "E_ANCHOR", None);
}

#[test]
fn torn_tail() {
    let run = finished();
    let mut lines = run.lines();
    let last = lines.pop().unwrap();
    lines.push(last[..last.len() / 2].to_vec());
    run.write_lines(&lines);
    let (status, out) = verify(&run.journal(), &[]);
    assert_eq!(status, 3, "{out}");
    assert!(out.contains("W_TORN_TAIL"), "{out}");
}

#[test]
fn rollback_to_an_earlier_copy_with_a_later_anchor() {
    let run = finished_run(&[]); // suspends at the manual step
    let earlier = std::fs::read(run.journal()).unwrap();
    let _resumed = Test::cutover()
        .arg("resume")
        .arg(&run.path)
        .args(["--confirm", "ask=ok", "--key"])
        .arg(key_file())
        .status(0)
        .output();
    let (status, out) = verify(&run.journal(), &[]);
    assert_eq!(status, 0, "{out}");
    let anchor = out
        .lines()
        .find_map(|l| l.strip_prefix("anchor: "))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    std::fs::write(run.journal(), earlier).unwrap();
    assert_tampered(&run, &["--anchor", &anchor], "E_ANCHOR", None);
}

#[test]
fn inserted_foreign_line() {
    let run = finished();
    let mut lines = run.lines();
    lines.insert(3, b"deploy ok\n".to_vec());
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_GARBAGE", Some(4));
}

#[test]
fn entry_spliced_from_another_session() {
    let run = finished();
    let other = finished();
    let mut lines = run.lines();
    lines[1] = other.lines()[1].clone();
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_SESSION", Some(2));
}

#[test]
fn edited_header() {
    let run = finished();
    let mut lines = run.lines();
    let header = String::from_utf8(lines[0].clone()).unwrap();
    let host = entry_of(&lines[0]);
    let Body::Header(body) = host.body else {
        panic!()
    };
    lines[0] = header
        .replace(
            &format!("\"host\":\"{}\"", body.host),
            "\"host\":\"elsewhere\"",
        )
        .into_bytes();
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_SSHSIG", Some(1));
}

fn allowed_signers(run: &Run, options: &str) -> PathBuf {
    let key = OperatorKey::from_file(&key_file())
        .unwrap()
        .public_openssh();
    let path = run.path.join("allowed_signers");
    std::fs::write(&path, format!("tester {options} {key}\n")).unwrap();
    path
}

#[test]
fn a_listed_signer_is_valid() {
    let run = finished();
    let allowed = allowed_signers(&run, "namespaces=\"cutover-journal,cutover-drill\"");
    assert_eq!(
        verify(
            &run.journal(),
            &["--allowed-signers", allowed.to_str().unwrap()]
        )
        .0,
        0
    );
}

#[test]
fn signer_not_in_allowed_signers() {
    let run = finished();
    let path = run.path.join("allowed_signers");
    std::fs::write(
        &path,
        "tester ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL1oftx5lYDw9bEh3SOajGE+pukxQESJ17kUn+fwCOyD\n",
    )
    .unwrap();
    assert_tampered(
        &run,
        &["--allowed-signers", path.to_str().unwrap()],
        "E_SIGNER",
        Some(1),
    );
}

#[test]
fn expired_signer() {
    let run = finished();
    let allowed = allowed_signers(&run, "valid-before=\"20200101Z\"");
    assert_tampered(
        &run,
        &["--allowed-signers", allowed.to_str().unwrap()],
        "E_SIGNER",
        Some(1),
    );
}

#[test]
fn drill_presented_as_production() {
    let run = finished();
    assert_tampered(&run, &["--expect-mode", "production"], "E_MODE", Some(1));
    let mut lines = run.lines();
    lines[0] = String::from_utf8(lines[0].clone())
        .unwrap()
        .replace(
            "\"mode\":\"drill\",\"namespace\":\"cutover-drill\"",
            "\"mode\":\"production\",\"namespace\":\"cutover-journal\"",
        )
        .into_bytes();
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_MODE", Some(1));
}

#[test]
fn entry_after_the_footer() {
    let run = finished();
    let mut lines = run.lines();
    let copy = lines[2].clone();
    lines.push(copy);
    let count = lines.len();
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_AFTER_FOOTER", Some(count));
}

#[test]
fn crlf_conversion() {
    let run = finished();
    let bytes = std::fs::read(run.journal()).unwrap();
    let converted: Vec<u8> = bytes
        .iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect();
    std::fs::write(run.journal(), converted).unwrap();
    assert_tampered(&run, &[], "E_FORMAT", Some(1));
}

#[test]
fn empty_file() {
    let run = finished();
    std::fs::write(run.journal(), b"").unwrap();
    assert_tampered(&run, &[], "E_HEADER", Some(1));
}

/// A suspended run whose process died mid-write: a torn fragment at the end.
const FRAGMENT: &[u8] = b"{\"v\":1,\"sid\":\"half-writ";

fn crashed_run() -> Run {
    let run = finished_run(&[]);
    let mut bytes = std::fs::read(run.journal()).unwrap();
    bytes.extend_from_slice(FRAGMENT);
    std::fs::write(run.journal(), bytes).unwrap();
    let (status, out) = verify(&run.journal(), &[]);
    assert_eq!(status, 3, "{out}");
    run
}

#[test]
fn crash_then_resume_then_close_is_valid_with_the_torn_bytes_accounted_for() {
    let run = crashed_run();
    let _resumed = Test::cutover()
        .arg("resume")
        .arg(&run.path)
        .args(["--confirm", "ask=ok", "--key"])
        .arg(key_file())
        .status(0)
        .output();
    let (status, out) = verify(&run.journal(), &[]);
    assert_eq!(status, 0, "{out}");
    let resume_line = run.line_of("resume");
    let Body::Resume(resume) = entry_of(&run.lines()[resume_line - 1]).body else {
        panic!()
    };
    assert_eq!(resume.torn.unwrap().length, FRAGMENT.len() as u64);
}

#[test]
fn torn_bytes_edited_after_resume() {
    let run = crashed_run();
    let _resumed = Test::cutover()
        .arg("resume")
        .arg(&run.path)
        .args(["--confirm", "ask=ok", "--key"])
        .arg(key_file())
        .status(0)
        .output();
    let bytes = std::fs::read(run.journal()).unwrap();
    let text = String::from_utf8(bytes)
        .unwrap()
        .replacen("half-writ", "half-EDIT", 1);
    std::fs::write(run.journal(), text).unwrap();
    let torn_line = run.line_of("resume") - 1;
    assert_tampered(&run, &[], "E_GARBAGE", Some(torn_line));
}

#[test]
fn checkpoint_with_a_wrong_prefix_hash() {
    let run = finished();
    let mut lines = run.lines();
    let at = run.line_of("checkpoint");
    let mut entry = entry_of(&lines[at - 1]);
    let Body::Checkpoint(checkpoint) = &mut entry.body else {
        panic!()
    };
    checkpoint.prefix_sha256 = "0".repeat(64);
    let json = entry.to_json();
    lines[at - 1] = format!("{json}\t{}\n", operator_signature(&json)).into_bytes();
    run.write_lines(&lines);
    assert_tampered(&run, &[], "E_CKPT", Some(at));
}

#[test]
fn output_file_edited() {
    let run = finished();
    std::fs::write(run.path.join("output/hello.1.log"), "hello\nWORLD\n").unwrap();
    assert_tampered(&run, &[], "E_OUTPUT", Some(run.line_of("step_result")));
}

#[test]
fn output_file_deleted() {
    let run = finished();
    std::fs::remove_file(run.path.join("output/hello.1.log")).unwrap();
    assert_tampered(&run, &[], "E_OUTPUT", Some(run.line_of("step_result")));
}

/// The header with its `ts` replaced and re-signed by the operator's own key: what a key
/// holder who rewrites the journal can produce.
fn header_with_ts(run: &Run, ts: &str) {
    let mut lines = run.lines();
    let line = String::from_utf8(lines[0].clone()).unwrap();
    let json = line.split('\t').next().unwrap();
    let header = entry_of(&lines[0]);
    let json = json.replace(
        &format!("\"ts\":\"{}\"", header.ts),
        &format!("\"ts\":\"{ts}\""),
    );
    lines[0] = format!("{json}\t{}\n", operator_signature(&json)).into_bytes();
    run.write_lines(&lines);
}

#[test]
fn a_timestamp_that_is_not_a_time_is_garbage_even_without_allowed_signers() {
    let run = finished();
    header_with_ts(&run, "yesterday at noon");
    assert_tampered(&run, &[], "E_GARBAGE", Some(1));
    let (_, out) = verify(&run.journal(), &[]);
    assert!(
        out.contains("is not a UTC RFC 3339 time with milliseconds"),
        "{out}"
    );
    header_with_ts(&run, "");
    assert_tampered(&run, &[], "E_GARBAGE", Some(1));
}

#[test]
fn time_running_backwards_is_garbage() {
    let run = finished();
    header_with_ts(&run, "2099-01-01T00:00:00.000Z");
    assert_tampered(&run, &[], "E_GARBAGE", Some(2));
    let (_, out) = verify(&run.journal(), &[]);
    assert!(out.contains("is earlier than an entry before it"), "{out}");
}

#[test]
fn a_replaced_or_deleted_runbook_is_tampered() {
    let run = finished();
    std::fs::write(
        run.path.join("runbook.toml"),
        RUNBOOK.replace("echo bye", "rm -rf /srv"),
    )
    .unwrap();
    assert_tampered(&run, &[], "E_RUNBOOK", Some(1));
    std::fs::remove_file(run.path.join("runbook.toml")).unwrap();
    assert_tampered(&run, &[], "E_RUNBOOK", Some(1));
}

#[test]
fn a_dry_run_is_not_a_drill() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("runbook.toml");
    std::fs::write(&runbook, RUNBOOK).unwrap();
    let logs = dir.path().join("runs");
    Test::cutover()
        .args([
            "run",
            "--headless",
            "--dry-run",
            "--confirm",
            "ask=ok",
            "--key",
        ])
        .arg(key_file())
        .arg("--log-dir")
        .arg(&logs)
        .arg(&runbook)
        .status(0)
        .output();
    let run = support::run_dir(&logs);
    let (code, out) = verify(&run, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("mode: dry-run (namespace cutover-drill)"),
        "{out}"
    );
    let (code, out) = verify(&run, &["--expect-mode", "drill"]);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("E_MODE: line 1 (seq 0, kind header): this is a dry-run journal, not drill"),
        "{out}"
    );
    // A runbook that declares itself a drill, dry-run: still a dry run, never a drill.
    let drill_runbook = dir.path().join("drill.toml");
    std::fs::write(
        &drill_runbook,
        RUNBOOK.replacen("[runbook]\n", "[runbook]\nenvironment = \"drill\"\n", 1),
    )
    .unwrap();
    let dry_logs = dir.path().join("dry");
    Test::cutover()
        .args([
            "run",
            "--headless",
            "--dry-run",
            "--confirm",
            "ask=ok",
            "--key",
        ])
        .arg(key_file())
        .arg("--log-dir")
        .arg(&dry_logs)
        .arg(&drill_runbook)
        .status(0)
        .output();
    let run = support::run_dir(&dry_logs);
    let (code, out) = verify(&run, &["--expect-mode", "drill"]);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("this is a dry-run journal, not drill"),
        "{out}"
    );
}

#[test]
fn verify_says_when_keys_were_not_checked_and_notes_what_the_journal_does_not_name() {
    let run = finished();
    let (code, out) = verify(&run.journal(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("keys: not checked"), "{out}");
    std::fs::write(run.path.join("output/planted.log"), "x").unwrap();
    let renamed = run.path.with_file_name("renamed-run");
    std::fs::rename(&run.path, &renamed).unwrap();
    let (code, out) = verify(&renamed, &[]);
    assert_eq!(code, 0, "notices change no verdict: {out}");
    assert!(out.contains("N_RUN_DIR"), "{out}");
    assert!(
        out.contains("N_UNNAMED_OUTPUT") && out.contains("output/planted.log"),
        "{out}"
    );
}

#[test]
fn verify_and_report_hash_a_large_output_in_flat_memory() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("runbook.toml");
    // 64 MiB of output: read whole, it would weigh 64 MiB at least.
    std::fs::write(
        &runbook,
        "[runbook]\nname = \"big\"\ntitle = \"Big\"\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"print\"\nkind = \"command\"\nrun = \"head -c 67108864 /dev/zero\"\n",
    )
    .unwrap();
    let logs = dir.path().join("runs");
    support::headless_drill(&runbook, &logs).status(0).output();
    let run = support::run_dir(&logs);
    for command in [vec!["verify"], vec!["report", "--format", "json"]] {
        let child = Test::process()
            .args(&command)
            .arg(&run)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let (peak, status) = support::peak_rss_kib(child);
        assert_eq!(status.code(), Some(0), "{command:?}");
        assert!(
            peak < 40 * 1024,
            "{command:?}: peak RSS {peak} KiB for a 64 MiB output"
        );
    }
}
