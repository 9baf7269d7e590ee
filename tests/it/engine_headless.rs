//! The engine end to end, headless: real processes, a loopback HTTP server, the run folder.

use crate::support;

use std::time::Duration;

use crate::support::test_run::Test;
use crate::support::{
    Reply, assert_no_process_sleeping, key_file, processes_with, run_dir, runbook, serve,
    signal_in_mask, unique_marker, verify, wait_until,
};

const HEAD: &str = "[runbook]\nname = \"t\"\ntitle = \"Test\"\n\n[[phase]]\nid = \"main\"\n";

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_passing_run_exits_0_and_keeps_the_runbook_and_outputs() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"hello\"\nkind = \"command\"\nrun = \"echo hello\"\n"
    );
    let ran = Test::run_headless(&text).stderr_has("hello passed").run();
    assert_eq!(ran.read("runbook.toml"), text);
    assert_eq!(ran.read("output/hello.1.log"), "hello\n");
    let mode = std::fs::metadata(ran.run_dir()).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o700
    );
}

#[test]
fn exit_codes_follow_the_expectation_and_failures_show_their_tail() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"three\"\nkind = \"command\"\nrun = \"exit 3\"\nexpect_exit = [3]\n\n\
         [[phase.step]]\nid = \"boom\"\nkind = \"command\"\nrun = \"echo first; echo last words >&2; exit 7\"\n"
    );
    Test::run_headless(&text)
        .status(1)
        .stderr_has("three passed")
        .stderr_has("boom FAILED")
        .stderr_has("exit 7, expected 0")
        .stderr_has("| last words")
        .stderr_has("boom decision: abort")
        .run();
}

#[test]
fn a_timeout_stops_the_whole_process_group() {
    let marker = unique_marker();
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"slow\"\nkind = \"command\"\nrun = \"sleep {marker} & sleep {marker} & wait\"\ntimeout = \"500ms\"\non_failure = \"abort\"\n"
    );
    Test::run_headless(&text)
        .status(1)
        .stderr_has("timed out after 500ms")
        .run();
    assert_no_process_sleeping(&marker);
}

#[test]
fn invalid_utf8_and_a_10_mb_line_are_kept_whole_in_the_output_file() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"bytes\"\nkind = \"command\"\nrun = \"printf 'ok \\\\377\\\\376\\\\n'; head -c 10485760 /dev/zero | tr '\\\\0' x; echo\"\n"
    );
    let ran = Test::run_headless(&text).run();
    let bytes = std::fs::read(ran.run_dir().join("output/bytes.1.log")).unwrap();
    assert_eq!(&bytes[..6], b"ok \xff\xfe\n");
    assert_eq!(bytes.len(), 6 + 10 * 1024 * 1024 + 1);
}

#[test]
fn captures_chain_from_step_to_step_as_literal_arguments() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"make\"\nkind = \"command\"\nrun = \"echo noise; echo 'it'\\\\''s $HOME'\"\ncapture = \"value\"\n\n\
         [[phase.step]]\nid = \"use\"\nkind = \"command\"\nrun = \"test {{{{ value }}}} = \\\"$CUTOVER_VALUE\\\" && printf '[%s]' {{{{ value }}}}\"\n"
    );
    let ran = Test::run_headless(&text).run();
    assert_eq!(ran.read("output/use.1.log"), "[it's $HOME]");
}

#[test]
fn polling_waits_until_the_server_flips_to_200() {
    let server = serve(|n, _| {
        if n < 3 {
            Reply::new(503, "{}")
        } else {
            Reply::new(200, "{\"status\":\"ok\"}")
        }
    });
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"health\"\nkind = \"http\"\nurl = \"{}/api/health\"\nexpect_json = {{ \"/status\" = \"ok\" }}\npoll_interval = \"100ms\"\npoll_timeout = \"10s\"\n",
        server.base
    );
    Test::run_headless(&text).run();
    assert_eq!(server.hits.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[test]
fn a_refused_connection_says_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"down\"\nkind = \"http\"\nurl = \"http://127.0.0.1:{port}/\"\n"
    );
    Test::run_headless(&text)
        .status(1)
        .stderr_has("connection refused")
        .run();
}

#[test]
fn a_probe_measures_the_latency_it_was_given() {
    let server = serve(|_, _| Reply {
        headers: Vec::new(),
        streamed: None,
        status: 200,
        body: "{}".into(),
        delay: Duration::from_millis(60),
    });
    let probe = |limit: &str| {
        format!(
            "{HEAD}\n[[phase.step]]\nid = \"slo\"\nkind = \"http\"\nurl = \"{}/\"\nsamples = 20\nconcurrency = 4\nmax_p95 = \"{limit}\"\nmax_error_rate = 0.0\n",
            server.base
        )
    };
    let message = Test::run_headless(&probe("2s")).run().stderr();
    let p50: f64 = message
        .split("p50 ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((55.0..1000.0).contains(&p50), "{message}");
    Test::run_headless(&probe("20ms"))
        .status(1)
        .stderr_has("p95")
        .run();
}

#[test]
fn env_steps_read_dotenv_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prod.env"), "# production\nexport JWT_SECRET='0123456789012345678901234567890123456789012345678901234567890123'\nSHORT=\"abc\"\n").unwrap();
    let file = dir.path().join("prod.env").display().to_string();
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"good\"\nkind = \"env\"\nenv_file = \"{file}\"\nrequire = [\"JWT_SECRET\"]\nmin_length = {{ JWT_SECRET = 64 }}\n\n\
         [[phase.step]]\nid = \"bad\"\nkind = \"env\"\nenv_file = \"{file}\"\nmin_length = {{ SHORT = 8 }}\nforbid = [\"JWT_SECRET\"]\n"
    );
    Test::run_headless(&text)
        .status(1)
        .stderr_has("good passed")
        .stderr_has("JWT_SECRET is set and must not be; SHORT is 3 characters, needs at least 8")
        .stderr_lacks("0123456789")
        .run();
}

#[test]
fn a_service_is_ready_by_pattern_and_stopped_when_the_run_ends() {
    let marker = unique_marker();
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"bg\"\nkind = \"service\"\nrun = \"echo starting; sleep 0.2; echo ready now; exec sleep {marker}\"\nready_pattern = \"ready\"\nready_timeout = \"5s\"\n\n\
         [[phase.step]]\nid = \"alive\"\nkind = \"command\"\nrun = \"pgrep -f 'sleep {marker}'\"\n"
    );
    Test::run_headless(&text)
        .stderr_has("service bg: stopped")
        .run();
    assert_no_process_sleeping(&marker);
}

#[test]
fn a_progressive_gate_failing_at_stage_2_rolls_back() {
    let server = serve(|n, _| {
        if n == 0 {
            Reply::new(200, "{}")
        } else {
            Reply::new(500, "{}")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("rolled-back");
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"rollout\"\nkind = \"progressive\"\nstages = [10, 50, 100]\nrun = \"echo weight {{{{ stage }}}}\"\n\n\
         [[phase.step.gate]]\nname = \"health\"\nurl = \"{}/api/health\"\n\n\
         [[rollback.step]]\nid = \"undo\"\nkind = \"command\"\nrun = \"touch {}\"\n",
        server.base,
        marker.display()
    );
    Test::run_headless(&text)
        .status(1)
        .stderr_has("stage 10%: ok")
        .stderr_has("gate `health` failed at 50%: status 500")
        .stderr_has("run rolled back")
        .run();
    assert!(marker.exists());
}

#[test]
fn dry_run_executes_nothing_that_mutates() {
    let dir = tempfile::tempdir().unwrap();
    let mutated = dir.path().join("mutated");
    let read = dir.path().join("read");
    let server = serve(|_, _| Reply::new(200, "{}"));
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"mutate\"\nkind = \"command\"\nrun = \"touch {}\"\n\n\
         [[phase.step]]\nid = \"look\"\nkind = \"command\"\nreadonly = true\nrun = \"touch {}\"\n\n\
         [[phase.step]]\nid = \"get\"\nkind = \"http\"\nurl = \"{}/health\"\n\n\
         [[phase.step]]\nid = \"post\"\nkind = \"http\"\nmethod = \"POST\"\nurl = \"{}/submit\"\n",
        mutated.display(),
        read.display(),
        server.base,
        server.base
    );
    Test::run_headless(&text)
        .args(["--dry-run"])
        .stderr_has("mutate simulated")
        .stderr_has("get passed")
        // A POST is not a read.
        .stderr_has("post simulated")
        .run();
    assert!(!mutated.exists(), "a simulated step ran");
    assert!(read.exists(), "a readonly step did not run");
    assert_eq!(server.hits.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// `cutover run --headless --auto` on `text` (written to `dir`), with `token` as $TEST_TOKEN,
/// the secret of these runbooks.
fn run_with_secret(dir: &std::path::Path, text: &str, token: &str) -> Test {
    let path = runbook(dir, text);
    Test::cutover()
        .args(["run", "--headless", "--auto", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.join("runs"))
        .arg(path)
        .env("TEST_TOKEN", token)
}

#[test]
fn a_secret_printed_by_a_command_is_scrubbed_everywhere() {
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[vars.token]\nenv = \"TEST_TOKEN\"\nsecret = true\n\n[[phase]]\nid = \"main\"\n\n\
                [[phase.step]]\nid = \"leak\"\nkind = \"command\"\nrun = \"echo token=$CUTOVER_TOKEN; echo $CUTOVER_TOKEN >&2; exit 1\"\n";
    let dir = tempfile::tempdir().unwrap();
    let output = run_with_secret(dir.path(), text, "hunter2-very-secret")
        .status(1)
        .output();
    assert!(!stderr(&output).contains("hunter2"), "{}", stderr(&output));
    assert!(stderr(&output).contains("| ***"));
    let log = std::fs::read_to_string(run_dir(&dir.path().join("runs")).join("output/leak.1.log"))
        .unwrap();
    // Two pipes keep no order between them: a stdout line and a stderr line written together
    // may be read in either order. Each is whole and scrubbed.
    let mut lines: Vec<&str> = log.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["***", "token=***"], "{log:?}");
    assert!(log.ends_with('\n'));
}

#[test]
fn a_secret_in_a_line_longer_than_a_read_is_scrubbed_whole() {
    // A 1 MB line holding the secret every few dozen bytes: wherever the line is cut into
    // pieces, some occurrence straddles a cut; none may survive in the output file.
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[vars.token]\nenv = \"TEST_TOKEN\"\nsecret = true\n\n[[phase]]\nid = \"main\"\n\n\
                [[phase.step]]\nid = \"long\"\nkind = \"command\"\nrun = \"i=0; while [ $i -lt 40000 ]; do printf 'x%s ' \\\"$CUTOVER_TOKEN\\\"; i=$((i+1)); done; echo\"\n";
    let dir = tempfile::tempdir().unwrap();
    let _output = run_with_secret(dir.path(), text, "hunter2-very-secret")
        .arg("--drill")
        .timeout(Duration::from_secs(120))
        .status(0)
        .output();
    let log = std::fs::read(run_dir(&dir.path().join("runs")).join("output/long.1.log")).unwrap();
    if let Some(at) = log.windows(7).position(|w| w == b"hunter2") {
        panic!(
            "a secret cut between two pieces reached the output file at {at}: {:?}",
            String::from_utf8_lossy(&log[at.saturating_sub(40)..(at + 40).min(log.len())])
        );
    }
    assert_eq!(
        log.windows(4).filter(|w| w == b"x***").count(),
        40_000,
        "every occurrence was kept, masked"
    );
}

#[test]
fn a_manual_step_without_confirm_suspends_with_exit_3() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"ask\"\nkind = \"manual\"\ninstructions = \"Do it\"\n"
    );
    Test::run_headless(&text)
        .status(3)
        .stderr_has("--confirm ask")
        .run();
}

#[test]
fn an_injected_failure_in_a_drill_rolls_back() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"smoke\"\nkind = \"command\"\nrun = \"true\"\n\n[[rollback.step]]\nid = \"undo\"\nkind = \"command\"\nrun = \"echo undone\"\n"
    );
    Test::run_headless(&text)
        .args([
            "--drill",
            "--inject-failure",
            "smoke",
            "--on-failure",
            "rollback",
        ])
        .status(1)
        .stderr_has("failure injected for the drill")
        .stderr_has("undo passed")
        .stderr_has("run rolled back")
        .run();
}

#[test]
fn a_production_runbook_needs_the_environment_repeated() {
    let text = "[runbook]\nname = \"p\"\ntitle = \"P\"\nenvironment = \"production\"\n\n[[phase]]\nid = \"main\"\n\n[[phase.step]]\nid = \"a\"\nkind = \"command\"\nrun = \"true\"\n";
    Test::run_headless(text)
        .status(2)
        .stderr_has("--environment production")
        .run();
    Test::run_headless(text)
        .args(["--environment", "production"])
        .run();
}

#[test]
fn sigterm_stops_the_running_step_and_aborts_cleanly() {
    let marker = unique_marker();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"long\"\nkind = \"command\"\nrun = \"echo started; sleep {marker}\"\n"
    );
    let path = runbook(dir.path(), &text);
    let child = Test::process()
        .env_remove("SSH_AUTH_SOCK")
        .args(["run", "--headless", "--auto", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .arg(&path)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::support::wait_until("the step starts", || {
        !processes_with(&format!("sleep {marker}")).is_empty()
    });
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("stopped by the operator"), "{err}");
    assert!(err.contains("run aborted"), "{err}");
    assert_no_process_sleeping(&marker);
}

#[test]
fn sighup_lets_the_step_finish_then_suspends() {
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("go");
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"first\"\nkind = \"command\"\nrun = \"while [ ! -e {flag} ]; do sleep 0.05; done; echo finished\"\n\n\
         [[phase.step]]\nid = \"second\"\nkind = \"command\"\nrun = \"echo should not run\"\n",
        flag = flag.display()
    );
    let path = runbook(dir.path(), &text);
    let child = Test::process()
        .env_remove("SSH_AUTH_SOCK")
        .args(["run", "--headless", "--auto", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .arg(&path)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let runs = dir.path().join("runs");
    let pid = child.id();
    // The first step is running (its loop waits for the flag) and cutover catches SIGHUP.
    wait_until("the first step", || {
        !processes_with(&flag.display().to_string()).is_empty()
            && signal_in_mask(pid, "SigCgt", libc::SIGHUP)
    });
    unsafe { libc::kill(pid as i32, libc::SIGHUP) };
    wait_until("the SIGHUP's delivery", || {
        !signal_in_mask(pid, "SigPnd", libc::SIGHUP) && !signal_in_mask(pid, "ShdPnd", libc::SIGHUP)
    });
    std::fs::write(&flag, "").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("first passed"), "{err}");
    assert!(err.contains("suspended before `second`"), "{err}");
    assert!(!err.contains("-> second"), "{err}");

    // The journal of the suspended run is INCOMPLETE; resume finishes it, VALID.
    let run = run_dir(&runs);
    assert_eq!(verify(&run, &[]).0, 3);
    let _resumed = Test::cutover()
        .arg("resume")
        .arg(&run)
        .arg("--key")
        .arg(key_file())
        .status(0)
        .output();
    assert_eq!(
        std::fs::read_to_string(run.join("output/second.1.log")).unwrap(),
        "should not run\n"
    );
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_runbook_using_every_kind_passes_headless() {
    let server = serve(|_, path| match path {
        "/api/health" => Reply::new(200, "{\"status\":\"ok\",\"version\":\"v2\"}"),
        _ => Reply::new(404, "{}"),
    });
    let marker = unique_marker();
    let text = format!(
        "[runbook]\nname = \"every\"\ntitle = \"Every kind\"\n\n[vars.base_url]\ndefault = \"{base}\"\n\n\
         [[phase]]\nid = \"pre\"\n\n\
         [[phase.step]]\nid = \"env\"\nkind = \"env\"\nrequire = [\"PATH\"]\nforbid = [\"SKIP_MIDDLEWARE\"]\n\n\
         [[phase.step]]\nid = \"health\"\nkind = \"http\"\nurl = \"{{{{ base_url }}}}/api/health\"\nexpect_json = {{ \"/status\" = \"ok\" }}\ncapture = {{ version = \"/version\" }}\n\n\
         [[phase.step]]\nid = \"announce\"\nkind = \"manual\"\ninstructions = \"Announce {{{{ version }}}}\"\nchecklist = [\"posted\"]\nnotes = \"required\"\n\n\
         [[phase]]\nid = \"change\"\n\n\
         [[phase.step]]\nid = \"open\"\nkind = \"window\"\naction = \"open\"\nduration = \"10m\"\n\n\
         [[phase.step]]\nid = \"bg\"\nkind = \"service\"\nrun = \"echo up; exec sleep {marker}\"\nready_pattern = \"up\"\n\n\
         [[phase.step]]\nid = \"migrate\"\nkind = \"command\"\nrun = \"echo migrating {{{{ version }}}}\"\ndangerous = true\n\n\
         [[phase.step]]\nid = \"rollout\"\nkind = \"progressive\"\nstages = [50, 100]\nrun = \"echo weight {{{{ stage }}}}\"\nbake = \"100ms\"\n\n\
         [[phase.step.gate]]\nurl = \"{{{{ base_url }}}}/api/health\"\n\n\
         [[phase.step]]\nid = \"soak\"\nkind = \"wait\"\nduration = \"200ms\"\n\n\
         [[phase.step]]\nid = \"close\"\nkind = \"window\"\naction = \"close\"\n",
        base = server.base
    );
    let err = Test::run_headless(&text)
        .args([
            "--confirm",
            "announce=posted in #release",
            "--confirm",
            "migrate",
        ])
        .run()
        .stderr();
    for step in [
        "env", "health", "announce", "open", "bg", "migrate", "rollout", "soak", "close",
    ] {
        assert!(
            err.contains(&format!("{step} passed")),
            "{step} did not pass: {err}"
        );
    }
    assert!(err.contains("Announce v2"), "{err}");
    assert!(err.contains("note: posted in #release"), "{err}");
    assert!(err.contains("service bg: stopped"), "{err}");
    assert_no_process_sleeping(&marker);
}

#[test]
fn a_dangerous_step_without_confirm_suspends() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"drop\"\nkind = \"command\"\nrun = \"true\"\ndangerous = true\n"
    );
    Test::run_headless(&text)
        .status(3)
        .stderr_has("step `drop` is dangerous")
        .run();
}

#[test]
fn a_secret_shorter_than_8_characters_is_refused_at_start_naming_the_variable() {
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[vars.token]\nenv = \"TEST_TOKEN\"\nsecret = true\n\n[[phase]]\nid = \"main\"\n\n\
                [[phase.step]]\nid = \"use\"\nkind = \"command\"\nrun = \"true\"\n";
    let dir = tempfile::tempdir().unwrap();
    let output = run_with_secret(dir.path(), text, "abc123")
        .status(2)
        .output();
    assert!(
        stderr(&output).contains("secret `token` has 6 characters"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("abc123"));
    assert!(!dir.path().join("runs").exists(), "nothing was started");
}

#[test]
fn the_journal_says_a_confirmation_and_a_rollback_came_from_the_command_line() {
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[[phase]]\nid = \"main\"\n\n\
                [[phase.step]]\nid = \"migrate\"\nkind = \"command\"\ndangerous = true\nrun = \"true\"\n\n\
                [[phase.step]]\nid = \"check\"\nkind = \"command\"\nrun = \"exit 1\"\n\n\
                [[rollback.step]]\nid = \"restore\"\nkind = \"command\"\nrun = \"true\"\n";
    let dir = tempfile::tempdir().unwrap();
    let path = runbook(dir.path(), text);
    let output = Test::cutover()
        .env_remove("SSH_AUTH_SOCK")
        .args(["run", "--headless", "--drill", "--auto", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .arg(&path)
        .args([
            "--confirm",
            "migrate=change ticket CHG-1",
            "--on-failure",
            "rollback",
        ])
        .status(1)
        .output();
    let journal =
        std::fs::read_to_string(run_dir(&dir.path().join("runs")).join("journal.log")).unwrap();
    assert!(
        journal.contains(
            r#""body":{"step":"migrate","note":"change ticket CHG-1","checklist":["migrate"],"via":"command-line"}"#
        ),
        "{journal}"
    );
    assert!(
        journal.contains(
            r#""decision":{"choice":"policy","action":"rollback","from":"command-line"}"#
        ),
        "{journal}"
    );
    assert!(!journal.contains("typed"), "{journal}");
    assert!(
        stderr(&output).contains("rollback (by --on-failure on the command line, not a person)"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("migrate confirmed by --confirm on the command line"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_value_captured_from_an_api_that_echoes_a_token_is_a_secret_everywhere() {
    let token = "tok-9f8e7d6c5b4a";
    let server = support::serve(move |_, path| match path {
        "/login" => support::Reply::new(
            200,
            &format!("{{\"session\":\"Bearer {token}\",\"sid\":\"sid-0a1b2c3d4e\"}}"),
        ),
        _ => support::Reply::new(200, &format!("{{\"echo\":\"{token}\"}}")),
    });
    let text = format!(
        "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[vars.token]\nenv = \"TEST_TOKEN\"\nsecret = true\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"login\"\nkind = \"http\"\nmethod = \"POST\"\nurl = \"{base}/login\"\n\
         capture = {{ session = \"/session\", sid = {{ pointer = \"/sid\", secret = true }} }}\n\n\
         [[phase.step]]\nid = \"use-env\"\nkind = \"command\"\nrun = \"echo session=$CUTOVER_SESSION sid=$CUTOVER_SID\"\n\n\
         [[phase.step]]\nid = \"probe\"\nkind = \"http\"\nurl = \"{base}/echo\"\nexpect_body = \"never there\"\non_failure = \"continue\"\n\n\
         [[phase.step]]\nid = \"use-template\"\nkind = \"command\"\nrun = \"echo {{{{ session }}}}\"\n",
        base = server.base
    );
    let dir = tempfile::tempdir().unwrap();
    let output = run_with_secret(dir.path(), &text, token)
        .arg("--drill")
        .output();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    let run = run_dir(&dir.path().join("runs"));
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    let mut everything = journal.clone() + &err;
    for entry in std::fs::read_dir(run.join("output")).unwrap() {
        everything += &std::fs::read_to_string(entry.unwrap().path()).unwrap();
    }
    for secret in [token, "sid-0a1b2c3d4e"] {
        assert!(
            !everything.contains(secret),
            "`{secret}` leaked: {everything}"
        );
    }
    assert!(everything.contains("session=*** sid=***"), "{everything}");
    // The probe's error quoted the body: scrubbed.
    assert!(journal.contains("does not contain"), "{journal}");
    // Templated into a command line, the captured secret fails the step before it starts.
    assert!(
        err.contains("secret `session` cannot be placed in a command line; use $CUTOVER_SESSION"),
        "{err}"
    );
    assert!(!journal.contains("\"captures\":{\"session\""), "{journal}");
}

#[test]
fn run_paths_are_absolute_and_a_resumed_run_reports_the_whole_run_duration() {
    let dir = tempfile::tempdir().unwrap();
    // The second step runs from `/`: a relative `{{ run.dir }}` would touch the wrong file.
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"gate\"\nkind = \"manual\"\ninstructions = \"Go.\"\n\n\
         [[phase.step]]\nid = \"mark\"\nkind = \"command\"\ncwd = \"/\"\nrun = \"touch {{{{ run.dir }}}}/marker\"\n"
    );
    runbook(dir.path(), &text);
    let started = std::time::Instant::now();
    let _first = Test::cutover()
        .current_dir(dir.path())
        .args([
            "run",
            "runbook.toml",
            "--headless",
            "--auto",
            "--log-dir",
            "runs",
            "--key",
        ])
        .arg(key_file())
        .status(3)
        .output();
    let run = run_dir(&dir.path().join("runs"));
    let relative = run.strip_prefix(dir.path()).unwrap().to_path_buf();
    assert!(relative.is_relative());
    std::thread::sleep(Duration::from_millis(1200));
    let resumed = Test::cutover()
        .current_dir(dir.path())
        .arg("resume")
        .arg(&relative)
        .args(["--confirm", "gate", "--key"])
        .arg(key_file())
        .output();
    let err = stderr(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{err}");
    assert!(run.join("marker").exists(), "{err}");
    let took: f64 = err
        .split("run passed in ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no duration in {err}"));
    let whole = started.elapsed().as_secs_f64();
    assert!(
        took >= 1.2 && took <= whole + 0.1,
        "{took} s of {whole} s: {err}"
    );
}

#[test]
fn a_runbook_without_an_environment_that_has_no_key_says_why_it_is_production() {
    let dir = tempfile::tempdir().unwrap();
    let path = runbook(
        dir.path(),
        &format!("{HEAD}\n[[phase.step]]\nid = \"a\"\nkind = \"command\"\nrun = \"true\"\n"),
    );
    let output = Test::cutover()
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .args(["run", "--headless", "--log-dir"])
        .arg(dir.path().join("runs"))
        .arg(&path)
        .status(2)
        .output();
    let err = stderr(&output);
    assert!(
        err.contains("a runbook runs as production unless it says `environment = \"drill\"`"),
        "{err}"
    );
    assert!(!dir.path().join("runs").exists(), "nothing was started");
}

#[test]
fn conditions_decide_steps_and_phases_and_the_journal_says_how() {
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[vars.release]\ndefault = \"v2\"\n\n\
        [[phase]]\nid = \"main\"\n\n\
        [[phase.step]]\nid = \"probe\"\nkind = \"command\"\nrun = \"exit 3\"\non_failure = \"continue\"\n\n\
        [[phase.step]]\nid = \"fix\"\nkind = \"command\"\nrun = \"echo fixing\"\nwhen = \"steps.probe.status == 'failed' && steps.probe.exit == 3\"\n\n\
        [[phase.step]]\nid = \"only-on-v1\"\nkind = \"command\"\nrun = \"echo v1\"\nwhen = \"release == 'v1'\"\n\n\
        [[phase.step]]\nid = \"not-a-boolean\"\nkind = \"command\"\nrun = \"echo never\"\nwhen = \"release\"\non_failure = \"continue\"\n\n\
        [[phase]]\nid = \"legacy\"\nwhen = \"release == 'v1'\"\n\n\
        [[phase.step]]\nid = \"old-a\"\nkind = \"command\"\nrun = \"echo a\"\n\n\
        [[phase.step]]\nid = \"old-b\"\nkind = \"command\"\nrun = \"echo b\"\n\n\
        [[phase]]\nid = \"last\"\n\n[[phase.step]]\nid = \"end\"\nkind = \"command\"\nrun = \"true\"\n";
    let ran = Test::run_headless(text)
        .stderr_has("fix passed")
        .stderr_has("only-on-v1 not applicable: condition `release == 'v1'` is false")
        .stderr_has("not-a-boolean: condition `release` failed: `when` gave the string \"v2\", not true or false")
        .stderr_has("old-a not applicable: phase legacy's condition `release == 'v1'` is false")
        .stderr_has("old-b not applicable: phase legacy's condition")
        .stderr_has("end passed")
        .stderr_lacks("echo v1")
        .run();
    let journal = ran.read("journal.log");
    let conditions: Vec<&str> = journal
        .lines()
        .filter(|line| line.contains(r#""kind":"condition""#))
        .collect();
    assert_eq!(conditions.len(), 5, "{journal}");
    assert!(conditions[0].contains(r#""step":"fix","expression":"steps.probe.status == 'failed' && steps.probe.exit == 3","value":true"#), "{}", conditions[0]);
    assert!(
        conditions[1]
            .contains(r#""step":"only-on-v1","expression":"release == 'v1'","value":false"#),
        "{}",
        conditions[1]
    );
    assert!(
        conditions[2].contains(r#""value":null,"error":"#),
        "{}",
        conditions[2]
    );
    assert!(
        conditions[3].contains(r#""step":"old-a","phase":"legacy""#),
        "{}",
        conditions[3]
    );
    assert!(
        !ran.run_dir().join("output/only-on-v1.1.log").exists(),
        "it never ran"
    );
    assert_eq!(verify(&ran.run_dir(), &[]).0, 0);
    let report = Test::cutover()
        .args(["report", "--format", "json"])
        .arg(ran.run_dir())
        .output();
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let status_of = |id: &str| {
        report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| s["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status_of("only-on-v1").as_deref(), Some("not applicable"));
    assert_eq!(status_of("old-b").as_deref(), Some("not applicable"));
    assert_eq!(status_of("fix").as_deref(), Some("passed"));
}

#[test]
fn a_dry_run_evaluates_conditions_too() {
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[vars.release]\ndefault = \"v2\"\n\n\
        [[phase]]\nid = \"main\"\n\n\
        [[phase.step]]\nid = \"v1-only\"\nkind = \"command\"\nrun = \"true\"\nwhen = \"release == 'v1'\"\n\n\
        [[phase.step]]\nid = \"v2-only\"\nkind = \"command\"\nrun = \"true\"\nwhen = \"release == 'v2'\"\n";
    Test::run_headless(text)
        .args(["--dry-run"])
        .stderr_has("v1-only not applicable")
        .stderr_has("v2-only simulated")
        .run();
}

#[test]
fn a_failure_can_suspend_the_run_and_resume_rolls_it_back() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"migrate\"\nkind = \"command\"\nrun = \"exit 4\"\n\n\
         [[phase.step]]\nid = \"after\"\nkind = \"command\"\nrun = \"echo never\"\n\n\
         [[rollback.step]]\nid = \"restore\"\nkind = \"command\"\nrun = \"echo restored\"\n"
    );
    let ran = Test::run_headless(&text)
        .args(["--on-failure", "suspend"])
        .status(3)
        .stderr_has("step `migrate` failed (exit 4, expected 0); decide with `cutover resume RUN`")
        .stderr_lacks("restore")
        .run();
    let run = ran.run_dir();
    // Without a decision, resume says what to choose and appends nothing.
    let undecided = Test::cutover()
        .arg("resume")
        .arg(&run)
        .arg("--key")
        .arg(key_file())
        .status(3)
        .output();
    assert!(
        stderr(&undecided).contains("step `migrate` failed and nobody has decided what follows"),
        "{}",
        stderr(&undecided)
    );
    let rolled_back = Test::cutover()
        .arg("resume")
        .arg(&run)
        .args(["--rollback", "--key"])
        .arg(key_file())
        .output();
    let err = stderr(&rolled_back);
    assert_eq!(rolled_back.status.code(), Some(1), "{err}");
    assert!(err.contains("restore passed"), "{err}");
    assert!(err.contains("run rolled back"), "{err}");
    assert!(!err.contains("after passed"), "{err}");
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(
        journal.contains(r#""interrupted":{"step":"migrate","decision":{"choice":"rollback"}}"#),
        "{journal}"
    );
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_manual_verification_can_fail_into_the_rollback() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"check-replica\"\nkind = \"manual\"\ninstructions = \"Is the replica streaming?\"\ncan_fail = true\non_failure = \"rollback\"\n\n\
         [[phase.step]]\nid = \"after\"\nkind = \"command\"\nrun = \"echo never\"\n\n\
         [[rollback.step]]\nid = \"restore\"\nkind = \"command\"\nrun = \"true\"\n"
    );
    let ran = Test::run_headless(&text)
        .args(["--fail", "check-replica=replica still lagging"])
        .status(1)
        .stderr_has("check-replica FAILED")
        .stderr_has("reported not done by --fail on the command line: replica still lagging")
        .stderr_has("restore passed")
        .stderr_lacks("after passed")
        .run();
    assert_eq!(verify(&ran.run_dir(), &[]).0, 0);
    // Only a manual step that can fail takes --fail.
    Test::run_headless(&text)
        .args(["--fail", "after=nope"])
        .status(2)
        .stderr_has("`after` is not one")
        .run();
}

#[test]
fn a_command_waits_until_it_passes_and_a_drill_compresses_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("replica-caught-up");
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"lag\"\nkind = \"command\"\nrun = \"test -e {}\"\npoll_interval = \"1m\"\npoll_timeout = \"10m\"\n",
        flag.display()
    );
    let writer = {
        let flag = flag.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            std::fs::write(flag, "").unwrap();
        })
    };
    let started = std::time::Instant::now();
    // A 10-minute poll every minute, at time scale 0.001: every 60 ms for 0.6 s.
    let ran = Test::run_headless(&text)
        .args(["--drill", "--time-scale", "0.001"])
        .stderr_has("lag passed")
        .stderr_has("exit 1, expected 0 ×")
        .stderr_has(", then exit 0")
        .run();
    writer.join().unwrap();
    assert!(started.elapsed() < crate::support::slack(Duration::from_secs(10)));
    let journal = ran.read("journal.log");
    assert_eq!(
        journal.matches(r#""kind":"step_result""#).count(),
        1,
        "one result for every try: {journal}"
    );
    assert!(journal.contains(r#""time_scale":0.001"#), "{journal}");
    let outputs: Vec<_> = std::fs::read_dir(ran.run_dir().join("output"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        outputs.len(),
        1,
        "only the last try's output is kept: {outputs:?}"
    );
    assert_eq!(verify(&ran.run_dir(), &[]).0, 0);
}

#[test]
fn a_poll_that_never_passes_gives_up_at_its_timeout_and_time_scale_is_for_drills() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"lag\"\nkind = \"command\"\nrun = \"exit 1\"\npoll_interval = \"1m\"\npoll_timeout = \"10m\"\non_failure = \"abort\"\n"
    );
    Test::run_headless(&text)
        .args(["--drill", "--time-scale", "0.0005"])
        .status(1)
        .stderr_has("lag FAILED")
        .stderr_has("tries, poll_timeout 10m at time scale 0.0005): exit 1, expected 0 ×")
        .run();
    Test::run_headless(&text)
        .args(["--time-scale", "0.5"])
        .status(2)
        .stderr_has("--time-scale is for drills")
        .run();
}

#[test]
fn an_input_chooses_a_branch_and_is_journaled_as_who_gave_it() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"strategy\"\nkind = \"input\"\nprompt = \"How do we rebuild the replica?\"\nvariable = \"strategy\"\noptions = [\"rsync\", \"basebackup\"]\n\n\
         [[phase.step]]\nid = \"rsync\"\nkind = \"command\"\nrun = \"echo rsync\"\nwhen = \"strategy == 'rsync'\"\n\n\
         [[phase.step]]\nid = \"basebackup\"\nkind = \"command\"\nrun = \"echo {{{{ strategy }}}}\"\nwhen = \"strategy == 'basebackup'\"\n"
    );
    let ran = Test::run_headless(&text)
        .args(["--input", "strategy=basebackup"])
        .stderr_has("strategy: strategy = basebackup (by --input on the command line)")
        .stderr_has("rsync not applicable")
        .stderr_has("basebackup passed")
        .run();
    assert_eq!(ran.read("output/basebackup.1.log"), "basebackup\n");
    let journal = ran.read("journal.log");
    assert!(
        journal.contains(r#""kind":"input","body":{"step":"strategy","variable":"strategy","value":"basebackup","by":"command-line"}"#),
        "{journal}"
    );
    assert_eq!(verify(&ran.run_dir(), &[]).0, 0);
    // Nobody answered and nobody can: the run waits, resumable.
    Test::run_headless(&text)
        .status(3)
        .stderr_has("step `strategy` needs an answer: --input strategy=VALUE")
        .run();
    // An answer the input does not accept is refused before anything starts.
    Test::run_headless(&text)
        .args(["--input", "strategy=dd"])
        .status(2)
        .stderr_has("--input strategy: answer one of: rsync, basebackup")
        .run();
}

#[test]
fn an_unanswered_input_takes_its_default_at_the_deadline() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"strategy\"\nkind = \"input\"\nprompt = \"Strategy?\"\nvariable = \"strategy\"\noptions = [\"rsync\", \"basebackup\"]\ndefault = \"rsync\"\ndeadline = \"1h\"\n\n\
         [[phase.step]]\nid = \"rsync\"\nkind = \"command\"\nrun = \"true\"\nwhen = \"strategy == 'rsync'\"\n"
    );
    let ran = Test::run_headless(&text)
        .args(["--drill", "--time-scale", "0.0001"])
        .stderr_has("strategy = rsync (by the runbook's default when the deadline passed)")
        .stderr_has("rsync passed")
        .run();
    assert!(ran.read("journal.log").contains(r#""by":"deadline""#));
}

#[test]
fn a_rollback_undoes_what_was_done_and_only_that_in_reverse_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("undo.log");
    let log = log.display();
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"a\"\nkind = \"command\"\nrun = \"true\"\nundo = \"echo undo-a >> {log}\"\n\n\
         [[phase.step]]\nid = \"b\"\nkind = \"command\"\nrun = \"true\"\nwhen = \"1 == 2\"\nundo = \"echo undo-b >> {log}\"\n\n\
         [[phase.step]]\nid = \"c\"\nkind = \"command\"\nrun = \"true\"\nundo = \"echo undo-c >> {log}\"\n\n\
         [[phase.step]]\nid = \"d\"\nkind = \"command\"\nrun = \"exit 1\"\non_failure = \"rollback\"\nundo = \"echo undo-d >> {log}\"\n\n\
         [[rollback.step]]\nid = \"restore\"\nkind = \"command\"\nrun = \"echo restore >> {log}\"\n"
    );
    let ran = Test::run_headless(&text)
        .status(1)
        .stderr_has("c:undo passed")
        .stderr_has("a:undo passed")
        .stderr_has("run rolled back")
        .run();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("undo.log")).unwrap(),
        "undo-c\nundo-a\nrestore\n",
        "b never ran and d failed: neither is undone"
    );
    let journal = ran.read("journal.log");
    assert!(
        journal.contains(r#""step":"c:undo","title":"Undo: c","kind":"command""#),
        "{journal}"
    );
    assert_eq!(verify(&ran.run_dir(), &[]).0, 0);
}

#[test]
fn titles_and_confirmation_phrases_are_filled_in_when_the_step_runs() {
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[vars.instance]\ndefault = \"db-7\"\n\n[[phase]]\nid = \"main\"\n\n\
        [[phase.step]]\nid = \"drop\"\ntitle = \"Delete {{ instance }}\"\nkind = \"command\"\nrun = \"true\"\ndangerous = true\nconfirm_phrase = \"{{ instance }}\"\n";
    let ran = Test::run_headless(text)
        .args(["--confirm", "drop"])
        .stderr_has("Delete db-7")
        .stderr_has("drop passed")
        .run();
    let journal = ran.read("journal.log");
    assert!(journal.contains(r#""title":"Delete db-7""#), "{journal}");
    // The phrase confirmed is the one filled in.
    assert!(
        journal.contains(
            r#""body":{"step":"drop","note":null,"checklist":["db-7"],"via":"command-line"}"#
        ),
        "{journal}"
    );
}

#[test]
fn several_names_capture_as_many_last_lines_in_order() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"image\"\nkind = \"command\"\nrun = \"echo pulling; echo v2.4.1; echo; echo sha256:abc\"\ncapture = [\"version\", \"digest\"]\n\n\
         [[phase.step]]\nid = \"use\"\nkind = \"command\"\nrun = \"printf '%s@%s' {{{{ version }}}} {{{{ digest }}}}\"\n\n\
         [[phase.step]]\nid = \"too-few\"\nkind = \"command\"\nrun = \"echo only-one\"\ncapture = [\"a\", \"b\"]\non_failure = \"continue\"\n"
    );
    let ran = Test::run_headless(&text)
        .stderr_has("printed 1 non-empty line(s) on stdout, not the 2 to capture as a, b")
        .run();
    assert_eq!(ran.read("output/use.1.log"), "v2.4.1@sha256:abc");
}

#[test]
fn a_verdict_that_cannot_be_written_is_an_error_not_a_panic() {
    let ran = Test::run_headless(&format!(
        "{HEAD}\n[[phase.step]]\nid = \"a\"\nkind = \"command\"\nrun = \"true\"\n"
    ))
    .run();
    let full = support::dev_full();
    let output = Test::process()
        .arg("verify")
        .arg(ran.run_dir())
        .stdout(full)
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(6), "{err}");
    assert!(
        err.starts_with("cutover: failed to write the verdict to standard output"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_run_whose_stderr_is_full_still_runs_to_its_end_and_journals_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = runbook(
        dir.path(),
        &format!("{HEAD}\n[[phase.step]]\nid = \"a\"\nkind = \"command\"\nrun = \"echo done\"\n"),
    );
    let full = support::dev_full();
    let status = Test::process()
        .env_remove("SSH_AUTH_SOCK")
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .args(["run", "--headless", "--auto", "--drill", "--log-dir"])
        .arg(dir.path().join("runs"))
        .arg(&path)
        .stderr(full)
        .status()
        .unwrap();
    // The messages are best effort; the run and its journal are not.
    assert_eq!(status.code(), Some(0));
    let run = run_dir(&dir.path().join("runs"));
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_rollback_step_can_depend_on_what_the_main_flow_did() {
    let text = format!(
        "{HEAD}\n[[phase.step]]\nid = \"rsync-standbys\"\nkind = \"command\"\nrun = \"true\"\n\n\
         [[phase.step]]\nid = \"upgrade\"\nkind = \"command\"\nrun = \"exit 1\"\non_failure = \"rollback\"\n\n\
         [[rollback.step]]\nid = \"restore-standbys\"\nkind = \"command\"\nrun = \"echo restoring\"\nwhen = \"steps.rsync-standbys.status == 'passed'\"\n\n\
         [[rollback.step]]\nid = \"restore-primary\"\nkind = \"command\"\nrun = \"echo restoring\"\nwhen = \"steps.upgrade.status == 'passed'\"\n"
    );
    Test::run_headless(&text)
        .status(1)
        .stderr_has("restore-standbys passed")
        .stderr_has("restore-primary not applicable")
        .stderr_has("run rolled back")
        .run();
}

#[test]
fn headless_output_shows_a_steps_lines_as_they_come_before_it_ends() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    let path = support::runbook(
        dir.path(),
        &format!(
            "[runbook]\nname = \"streams\"\n\n[[phase]]\nid = \"p\"\n\n\
             [[phase.step]]\nid = \"dump\"\nkind = \"command\"\n\
             run = \"echo first-line; while [ ! -f {go} ]; do sleep 0.05; done; echo last-line\"\n",
            go = go.display()
        ),
    );
    let mut child = Test::process()
        .args(["run", "--headless", "--drill", "--key"])
        .arg(support::key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .arg(&path)
        .env_remove("SSH_AUTH_SOCK")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    // The first line shows while the step still runs: it waits for `go`.
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.contains("dump | first-line") {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l == "   dump | first-line"),
        "{seen:#?}"
    );
    assert!(
        !seen.iter().any(|l| l.contains("dump passed")),
        "shown before the step ended: {seen:#?}"
    );
    std::fs::write(&go, "").unwrap();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(rest.iter().any(|l| l == "   dump | last-line"), "{rest:#?}");
    assert!(rest.iter().any(|l| l.contains("dump passed")), "{rest:#?}");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn a_retried_step_says_which_attempt_of_how_many_and_when_the_next_comes() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("count");
    let text = format!(
        "[runbook]\nname = \"retries\"\n\n[[phase]]\nid = \"p\"\n\n\
         [[phase.step]]\nid = \"flaky\"\nkind = \"command\"\nretries = 3\nretry_delay = \"1s\"\n\
         run = \"echo x >> {m}; [ $(wc -l < {m}) -ge 3 ]\"\n",
        m = marker.display()
    );
    let ran = Test::run_headless(&text).run();
    let stderr = ran.stderr();
    assert!(
        stderr.contains("flaky: attempt 1 of 4 failed; attempt 2 in 1.0s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("flaky: attempt 2 of 4 failed; attempt 3 in 1.0s"),
        "{stderr}"
    );
    assert!(!stderr.contains("attempt 3 of 4 failed"), "{stderr}");
}
