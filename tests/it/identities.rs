//! Who did what is proven while it happens: with an allowed signers file, a key acts only as
//! the principal the file gives it, and is refused at once otherwise; an approval answers one
//! wait and is never counted again after a resume; an http step's statement says everything
//! it sends; a drill that reaches production says so. Real keys and `ssh-keygen` throughout.

use crate::support;
use crate::support::test_run::Test;

use std::path::Path;
use std::process::Stdio;

use crate::support::people::{
    Running, approve, person_key, public_key, signed_elsewhere, started_steps, statement, stderr,
    wait_for_exit,
};
use crate::support::{journal_bodies, key_file, run_dir, verify, wait_until};

/// A run held to `allowed_signers` beside it; `pay` requires one approval.
const HELD: &str = r#"[runbook]
name = "gated"
allowed_signers = "allowed_signers"

[vars.flag]
default = "/dev/null"

[[phase]]
id = "p"

[[phase.step]]
id = "prepare"
kind = "command"
run = "echo prepared"

[[phase.step]]
id = "pay"
kind = "command"
run = "test -e {{ flag }} && echo paid"
approvals = 1
"#;

/// The operator's key (as `ops-op@corp`) and every other `(principal, key)` may act.
fn allow(dir: &Path, people: &[(&str, &Path)]) {
    let mut lines = format!("ops-op@corp {}\n", public_key(&key_file()));
    for (principal, key) in people {
        lines.push_str(&format!("{principal} {}\n", public_key(key)));
    }
    std::fs::write(dir.join("allowed_signers"), lines).unwrap();
}

/// A headless drill of `text` in the background, with `extra` arguments.
fn spawn(dir: &Path, text: &str, extra: &[&str]) -> Running {
    let runbook = support::runbook(dir, text);
    let err = std::fs::File::create(dir.join("run.err")).unwrap();
    Running(
        Test::process()
            .args(["run", "--headless", "--drill", "--auto", "--key"])
            .arg(key_file())
            .arg("--log-dir")
            .arg(dir.join("runs"))
            .arg(&runbook)
            .args(extra)
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap(),
    )
}

fn fingerprint(key: &Path) -> String {
    let listed = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(key)
        .output()
        .unwrap();
    String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

#[test]
fn with_allowed_signers_a_key_acts_only_as_the_principal_they_give_it() {
    let dir = tempfile::tempdir().unwrap();
    let ops_a = person_key(dir.path(), "ops-a@corp");
    let ops_b = person_key(dir.path(), "ops-b@corp");
    // Key C is nobody's in the file.
    let key_c = person_key(dir.path(), "ops-a@corp-laptop");
    allow(
        dir.path(),
        &[("ops-a@corp", &ops_a), ("ops-b@corp", &ops_b)],
    );
    let mut run = spawn(dir.path(), HELD, &[]);
    let text = statement(dir.path(), "pay", "ops-a@corp");
    let folder = run_dir(&dir.path().join("runs"));
    // The operator is who the file says their key is, whatever the key's comment.
    let header = &journal_bodies(&folder, "header")[0];
    assert_eq!(header["operator"]["principal"], "ops-op@corp");
    assert_eq!(header["trust_root"]["file"], "allowed_signers");

    // Key C signs the statement naming ops-a@corp, with ssh-keygen, elsewhere: refused at
    // once, naming the key and the file; nothing starts.
    let signature = signed_elsewhere(dir.path(), "as-ops-a", &text, &key_c);
    let forged = approve(
        dir.path(),
        &["gated", "pay", "--signature", signature.to_str().unwrap()],
    );
    assert_eq!(forged.status.code(), Some(2), "{}", stderr(&forged));
    assert!(
        stderr(&forged).contains(&fingerprint(&key_c)),
        "{}",
        stderr(&forged)
    );
    assert!(
        stderr(&forged).contains("allowed_signers"),
        "{}",
        stderr(&forged)
    );
    // The same on this host, with its key file.
    let here = approve(
        dir.path(),
        &[
            "gated",
            "pay",
            "--key",
            key_c.to_str().unwrap(),
            "--as",
            "ops-a@corp",
        ],
    );
    assert_eq!(here.status.code(), Some(2), "{}", stderr(&here));
    // ops-a's own key naming ops-b: one key is one person.
    let other = approve(
        dir.path(),
        &[
            "gated",
            "pay",
            "--key",
            ops_a.to_str().unwrap(),
            "--as",
            "ops-b@corp",
        ],
    );
    assert_eq!(other.status.code(), Some(2), "{}", stderr(&other));
    assert!(
        stderr(&other).contains("not allowed as `ops-b@corp`"),
        "{}",
        stderr(&other)
    );
    assert_eq!(started_steps(&folder), ["prepare"], "nothing approved");

    // ops-b approves as the file names them; the step runs.
    let counted = approve(
        dir.path(),
        &["gated", "pay", "--key", ops_b.to_str().unwrap()],
    );
    assert!(counted.status.success(), "{}", stderr(&counted));
    assert_eq!(wait_for_exit(&mut run), 0);
    let approvals = journal_bodies(&folder, "approval");
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0]["principal"], "ops-b@corp");
    // Verify holds the journal to the run's own copy of the file by default.
    let (code, said) = verify(&folder, &[]);
    assert_eq!(code, 0, "{said}");
    assert!(
        std::fs::read(folder.join("allowed_signers")).unwrap()
            == std::fs::read(dir.path().join("allowed_signers")).unwrap()
    );
    // A copy changed afterwards is not the file the run was held to.
    std::fs::write(folder.join("allowed_signers"), "").unwrap();
    let (code, said) = verify(&folder, &[]);
    assert_eq!(code, 4, "{said}");
    assert!(said.contains("E_RUNBOOK"), "{said}");
}

#[test]
fn a_production_run_that_needs_approvals_does_not_start_without_allowed_signers() {
    let dir = tempfile::tempdir().unwrap();
    let text = HELD.replace(
        "allowed_signers = \"allowed_signers\"\n",
        "environment = \"production\"\n",
    );
    let refused = Test::cutover()
        .arg("run")
        .arg(support::runbook(dir.path(), &text))
        .args(["--headless", "--environment", "production", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .env("XDG_CONFIG_HOME", dir.path().join("no-config"))
        .status(2)
        .output();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("allowed_signers"), "{said}");
    assert!(
        !dir.path().join("runs/gated").exists(),
        "nothing was written"
    );
    // An operator key the file does not list is refused at the start too.
    allow(dir.path(), &[]);
    std::fs::write(dir.path().join("allowed_signers"), "").unwrap();
    let unknown = Test::cutover()
        .arg("run")
        .arg(support::runbook(dir.path(), HELD))
        .args(["--headless", "--drill", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .status(2)
        .output();
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(said.contains("is not in the allowed signers"), "{said}");
    // A drill may run without one, and says so.
    let drill = Test::cutover()
        .arg("run")
        .arg(support::runbook(
            dir.path(),
            "[runbook]\nname = \"plain\"\n[[phase]]\nid = \"p\"\n[[phase.step]]\nid = \"s\"\nkind = \"command\"\nrun = \"true\"\n",
        ))
        .args(["--headless", "--drill", "--auto", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .env("XDG_CONFIG_HOME", dir.path().join("no-config"))
        .status(0).output();
    let said = String::from_utf8_lossy(&drill.stderr);
    assert!(said.contains("identities not checked"), "{said}");
}

#[test]
fn an_approval_copied_out_of_the_journal_after_a_resume_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ops_b = person_key(dir.path(), "ops-b@corp");
    allow(dir.path(), &[("ops-b@corp", &ops_b)]);
    let flag = dir.path().join("flag");
    let mut run = spawn(
        dir.path(),
        HELD,
        &[
            "--var",
            &format!("flag={}", flag.display()),
            "--on-failure",
            "suspend",
        ],
    );
    let text = statement(dir.path(), "pay", "ops-b@corp");
    let signature = signed_elsewhere(dir.path(), "approval", &text, &ops_b);
    let given = approve(
        dir.path(),
        &["gated", "pay", "--signature", signature.to_str().unwrap()],
    );
    assert!(given.status.success(), "{}", stderr(&given));
    // The step fails (no flag yet): the run suspends at it.
    assert_eq!(wait_for_exit(&mut run), 3);
    let folder = run_dir(&dir.path().join("runs"));

    // The operator alone reruns it and hands in the approval already in the journal.
    std::fs::write(&flag, "").unwrap();
    let err = std::fs::File::create(dir.path().join("resume.err")).unwrap();
    let mut resumed = Running(
        Test::process()
            .arg("resume")
            .arg(&folder)
            .args(["--rerun", "pay", "--key"])
            .arg(key_file())
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap(),
    );
    let waits_again = statement(dir.path(), "pay", "ops-b@corp");
    assert_ne!(waits_again, text, "a new wait, a new statement");
    let copied = journal_bodies(&folder, "approval")[0].clone();
    let replayed = approve(
        dir.path(),
        &["gated", "pay", "--signature", signature.to_str().unwrap()],
    );
    assert_eq!(replayed.status.code(), Some(2), "{}", stderr(&replayed));
    assert!(stderr(&replayed).contains("wait:"), "{}", stderr(&replayed));
    assert_eq!(
        copied["statement"].as_str().unwrap(),
        text,
        "the journal keeps the statement it answered"
    );
    assert_eq!(
        journal_bodies(&folder, "step_start")
            .iter()
            .filter(|s| s["step"] == "pay")
            .count(),
        1,
        "the rerun has not started"
    );
    // A fresh approval of this wait lets it run; verify trusts the whole journal.
    let fresh = approve(
        dir.path(),
        &["gated", "pay", "--key", ops_b.to_str().unwrap()],
    );
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    assert_eq!(wait_for_exit(&mut resumed), 0);
    let starts: Vec<serde_json::Value> = journal_bodies(&folder, "step_start")
        .into_iter()
        .filter(|s| s["step"] == "pay")
        .collect();
    assert_eq!(starts.len(), 2);
    assert_ne!(starts[0]["approval_wait"], starts[1]["approval_wait"]);
    let (code, said) = verify(&folder, &[]);
    assert_eq!(code, 0, "{said}");
}

#[test]
fn an_http_steps_statement_states_its_body_and_the_values_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let server = support::serve(|_, _| support::Reply::new(200, r#"{"account":"ACCT-42"}"#));
    let text = format!(
        r#"[runbook]
name = "gated"

[vars.token]
env = "PAYMENTS_TOKEN"
secret = true

[[phase]]
id = "p"

[[phase.step]]
id = "amount"
kind = "input"
prompt = "How much?"
variable = "amount"
pattern = '^\d+$'

[[phase.step]]
id = "account"
kind = "http"
url = "{base}/account"
capture = {{ to = "/account" }}

[[phase.step]]
id = "pay"
kind = "http"
method = "POST"
url = "{base}/payment"
headers = {{ Authorization = "Bearer {{{{ token }}}}" }}
json = {{ amount = "{{{{ amount }}}}", to = "{{{{ to }}}}" }}
approvals = 1
"#,
        base = server.base
    );
    let mut run = Running(
        Test::process()
            .args(["run", "--headless", "--drill", "--auto", "--key"])
            .arg(key_file())
            .arg("--log-dir")
            .arg(dir.path().join("runs"))
            .arg(support::runbook(dir.path(), &text))
            .args(["--input", "amount=1000000"])
            .env("PAYMENTS_TOKEN", "tok-9f8e7d6c5b4a")
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let said = statement(dir.path(), "pay", "ops-b@corp");
    assert!(said.contains("  POST "), "{said}");
    assert!(
        said.contains("  header Authorization: Bearer ***\n"),
        "{said}"
    );
    assert!(
        said.contains(r#"  json {"amount":"1000000","to":"ACCT-42"}"#),
        "{said}"
    );
    assert!(said.contains("read amount = \"1000000\"\n"), "{said}");
    assert!(said.contains("read to = \"ACCT-42\"\n"), "{said}");
    assert!(!said.contains("tok-9f8e7d6c5b4a"), "{said}");
    let _ = run.0.kill();
}

#[test]
fn a_drill_that_reaches_production_takes_the_release_lock_and_needs_an_operator_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"[runbook]
name = "pay"
environment = "production"

[vars.api]
default = "https://pay.example"

[targets.production]
environment = "production"

[targets.staging-on-prod]
environment = "drill"
shares_production = true

[[phase]]
id = "p"

[[phase.step]]
id = "wait"
kind = "command"
run = "sleep 30"

[[phase.step]]
id = "health"
kind = "http"
url = "{{ api }}/health"
"#;
    let runbook = support::runbook(dir.path(), text);
    let logs = dir.path().join("runs");
    // Without a key of its own, it does not start: the drill key stands in for no one here.
    let keyless = Test::cutover()
        .arg("run")
        .arg(&runbook)
        .args(["--headless", "--target", "staging-on-prod", "--log-dir"])
        .arg(&logs)
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .status(2)
        .output();
    assert!(
        String::from_utf8_lossy(&keyless.stderr).contains("operator key"),
        "{}",
        String::from_utf8_lossy(&keyless.stderr)
    );
    let mut drill = support::spawn_headless(&runbook, &logs, &["--target", "staging-on-prod"], &[]);
    wait_until("the drill holds the release lock", || {
        logs.join(".locks/pay.lock").exists()
    });
    let release = Test::cutover()
        .arg("run")
        .arg(&runbook)
        .args(["--headless", "--environment", "production", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(&logs)
        .status(2)
        .output();
    assert!(
        String::from_utf8_lossy(&release.stderr).contains("lock"),
        "{}",
        String::from_utf8_lossy(&release.stderr)
    );
    let _ = drill.kill();
    let _ = drill.wait();
}

/// A terminal run's step that requires one approval, then waits for Enter.
const CONFIRMED: &str = r#"[runbook]
name = "gated"

[[phase]]
id = "p"

[[phase.step]]
id = "pay"
kind = "command"
run = "echo paid"
approvals = 1
confirm = true
"#;

fn bin() -> String {
    Test::binary().display().to_string()
}

#[test]
fn whoever_approved_a_step_cannot_take_the_controls_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("runbook.toml"), CONFIRMED).unwrap();
    let logs = dir.path().join("runs");
    let bob = person_key(dir.path(), "bob@corp");
    let operator = support::tmux::Pane::drill(dir.path(), &logs, 100, 30);
    operator.wait_for("Press Enter to start");
    operator.keys(&["Enter"]);
    operator.wait_for("cutover approve");
    let approved = approve(
        dir.path(),
        &["gated", "pay", "--key", bob.to_str().unwrap()],
    );
    assert!(approved.status.success(), "{}", stderr(&approved));
    operator.wait_for("Press Enter to run");
    // Bob, who approved, tries to take the controls and start it himself.
    let takeover = support::tmux::Pane::start(
        &format!(
            "env -u SSH_AUTH_SOCK {} attach gated --key {} --log-dir {}",
            bin(),
            bob.display(),
            logs.display()
        ),
        100,
        30,
    );
    // Refused at once: not even asked whether to take them over.
    assert_eq!(takeover.exit_code(), 2, "{}", takeover.joined());
    assert!(
        takeover.joined().contains("approved step `pay`"),
        "{}",
        takeover.joined()
    );
    let run = run_dir(&logs);
    assert!(
        journal_bodies(&run, "step_start").is_empty(),
        "the step did not start"
    );
    assert!(
        journal_bodies(&run, "attach")
            .iter()
            .all(|a| a["person"]["principal"] != "bob@corp"),
        "bob never held the controls"
    );
    // The operator, who did not approve it, starts it.
    operator.keys(&["Enter"]);
    operator.wait_for("Run finished");
    operator.keys(&["q"]);
    assert_eq!(operator.exit_code(), 0);
    assert_eq!(verify(&run, &[]).0, 0);
}

/// An ssh-agent of the test's own, holding the operator's key; stopped with SIGSTOP it takes
/// requests and never answers, as a hardware key waiting for a touch does.
struct Agent {
    child: std::process::Child,
    socket: std::path::PathBuf,
}

impl Agent {
    fn start(dir: &Path) -> Self {
        let socket = dir.join("agent.sock");
        let child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        wait_until("the agent listens", || socket.exists());
        let added = std::process::Command::new("ssh-add")
            .arg(key_file())
            .env("SSH_AUTH_SOCK", &socket)
            .output()
            .unwrap();
        assert!(added.status.success(), "{}", stderr(&added));
        Self { child, socket }
    }

    fn stop(&self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGSTOP) };
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGCONT) };
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CHECK: &str = r#"[runbook]
name = "checks"

[[phase]]
id = "p"

[[phase.step]]
id = "check"
kind = "manual"
instructions = "Look at the dashboard."
checklist = ["Dashboard green"]

[[phase.step]]
id = "after"
kind = "command"
run = "echo after-ran"
"#;

/// The operator's TUI, signing through `agent`; returns it waiting at the checklist, with the
/// agent stopped and the operator's confirmation sent: its signature is pending.
fn pending_signature(dir: &Path, agent: &Agent) -> (support::tmux::Pane, std::path::PathBuf) {
    std::fs::write(dir.join("runbook.toml"), CHECK).unwrap();
    let logs = dir.join("runs");
    let operator = support::tmux::Pane::start(
        &format!(
            "cd {} && SSH_AUTH_SOCK={} {} run runbook.toml --drill --auto --log-dir {}",
            dir.display(),
            agent.socket.display(),
            bin(),
            logs.display()
        ),
        100,
        30,
    );
    operator.wait_for("Press Enter to start");
    operator.keys(&["Enter"]);
    operator.wait_for("Dashboard green");
    let run = run_dir(&logs);
    agent.stop();
    operator.keys(&["Space"]);
    operator.wait_for("[x] Dashboard green");
    operator.keys(&["Enter"]);
    wait_until("the engine waits for the operator's signature", || {
        std::fs::read_to_string(run.join("engine.log"))
            .is_ok_and(|log| log.contains("to sign their confirm"))
    });
    (operator, run)
}

fn engine_pid(run: &Path) -> i32 {
    let engine: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("engine.json")).unwrap()).unwrap();
    engine["pid"].as_i64().unwrap() as i32
}

#[test]
fn sigterm_is_acted_on_at_once_while_a_persons_signature_is_pending() {
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(dir.path());
    let (_operator, run) = pending_signature(dir.path(), &agent);
    let pid = engine_pid(&run);
    let sent = std::time::Instant::now();
    unsafe { libc::kill(pid, libc::SIGTERM) };
    wait_until("the engine ended", || {
        !Path::new(&format!("/proc/{pid}")).exists()
    });
    let took = sent.elapsed();
    assert!(
        took < support::slack(std::time::Duration::from_secs(1)),
        "SIGTERM took {took:?} while a signature was pending"
    );
    // The confirmation is journaled as nobody's signature, and the run aborted, cleanly.
    let footer = &journal_bodies(&run, "footer")[0];
    assert_eq!(footer["status"], "aborted");
    assert_eq!(journal_bodies(&run, "confirm").len(), 1);
    let (code, said) = verify(&run, &[]);
    assert_eq!(code, 0, "{said}");
}

#[test]
fn a_client_whose_key_does_not_sign_in_time_loses_the_seat_and_its_act_is_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(dir.path());
    let (operator, run) = pending_signature(dir.path(), &agent);
    // Ten seconds on, the engine gives up on the key: the screen is let go, and says why.
    operator.wait_for("EXIT=");
    assert!(
        operator.joined().contains("let your seat go"),
        "{}",
        operator.joined()
    );
    assert_eq!(operator.exit_code(), 0, "{}", operator.joined());
    operator.assert_terminal_restored();
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    let confirm = journal
        .lines()
        .find(|line| line.contains("\"kind\":\"confirm\""))
        .expect("the confirmation is journaled");
    assert!(
        confirm.split('\t').nth(1).unwrap().starts_with("ed25519:"),
        "signed by the engine, not in the operator's name: {confirm}"
    );
    // Nobody holds the controls: the next step waits for someone to attach.
    let listed = Test::cutover()
        .args(["ls", "--log-dir"])
        .arg(dir.path().join("runs"))
        .output();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("nobody at the controls"), "{listed}");
    assert!(
        !journal_bodies(&run, "step_start")
            .iter()
            .any(|s| s["step"] == "after"),
        "nothing starts with nobody at the controls"
    );
    unsafe { libc::kill(engine_pid(&run), libc::SIGTERM) };
    wait_until("the engine ended", || {
        journal_bodies(&run, "footer").len() == 1
    });
    // The seat's end is journaled, at the time it happened.
    assert!(
        journal_bodies(&run, "attach")
            .iter()
            .any(|a| a["action"] == "detach"),
        "{journal}"
    );
    assert_eq!(verify(&run, &[]).0, 0);
}
