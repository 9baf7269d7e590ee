//! HTTP steps are bounded: headers stay with their origin across redirects, a huge body costs
//! no memory, the step's timeout bounds the whole step, and a TLS refusal is one sentence with
//! its fix (`ca_file`), tried against a real TLS server with a private CA.

use crate::support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Reply, run_dir, serve};

/// Runs a one-phase drill of `steps` headless; returns exit code, stderr and the journal.
fn run(dir: &Path, steps: &str) -> (Option<i32>, String, String) {
    let text =
        format!("[runbook]\nname = \"h\"\ntitle = \"H\"\n\n[[phase]]\nid = \"main\"\n\n{steps}");
    let runbook = support::runbook(dir, &text);
    let logs = dir.join("runs");
    let output = support::headless_drill(&runbook, &logs).output();
    let journal = std::fs::read_to_string(run_dir(&logs).join("journal.log")).unwrap_or_default();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        journal,
    )
}

#[test]
fn a_redirect_to_another_origin_drops_every_header_the_runbook_set() {
    let other = serve(|_, _| Reply::new(200, "{}"));
    let target = format!("{}/landing", other.base);
    let first = serve(move |_, path| match path {
        "/same" => Reply::redirect(302, "/here"),
        "/away" => Reply::redirect(307, &target),
        _ => Reply::new(200, "{}"),
    });
    let dir = tempfile::tempdir().unwrap();
    let steps = format!(
        "[[phase.step]]\nid = \"same\"\nkind = \"http\"\nurl = \"{base}/same\"\nfollow_redirects = true\nheaders = {{ X-Token = \"tok-same-origin\" }}\n\n\
         [[phase.step]]\nid = \"away\"\nkind = \"http\"\nurl = \"{base}/away\"\nfollow_redirects = true\n\
         headers = {{ X-Token = \"tok-must-stay\", Authorization = \"Bearer tok-must-stay\" }}\n",
        base = first.base
    );
    let (code, stderr, _) = run(dir.path(), &steps);
    assert_eq!(code, Some(0), "{stderr}");
    let first_heads = first.requests.lock().unwrap().join("\n");
    let here = first_heads
        .split("GET /here")
        .nth(1)
        .expect("the same-origin redirect was followed");
    assert!(
        here.to_ascii_lowercase()
            .contains("x-token: tok-same-origin"),
        "kept within the origin: {first_heads}"
    );
    let landed = other.requests.lock().unwrap().join("\n");
    assert!(landed.contains("GET /landing"), "{landed}");
    assert!(
        !landed.contains("tok-must-stay"),
        "a header crossed origins: {landed}"
    );
}

#[test]
fn a_1_gb_body_is_streamed_in_bounded_memory_inspected_or_not() {
    let server = serve(|_, _| {
        let mut reply = Reply::new(200, "");
        reply.streamed = Some(1 << 30);
        reply
    });
    let dir = tempfile::tempdir().unwrap();
    let steps = format!(
        "[[phase.step]]\nid = \"discard\"\nkind = \"http\"\nurl = \"{base}/big\"\ntimeout = \"60s\"\n\n\
         [[phase.step]]\nid = \"inspect\"\nkind = \"http\"\nurl = \"{base}/big\"\ntimeout = \"60s\"\nexpect_body = \"never\"\non_failure = \"continue\"\n",
        base = server.base
    );
    let runbook = support::runbook(
        dir.path(),
        &format!("[runbook]\nname = \"h\"\ntitle = \"H\"\n\n[[phase]]\nid = \"main\"\n\n{steps}"),
    );
    let child = support::spawn_headless_drill(&runbook, &dir.path().join("runs"));
    let (peak, status) = support::peak_rss_kib(child);
    assert_eq!(status.code(), Some(0));
    // 16 MiB kept to inspect, plus the program itself; the whole body would be 1 GiB.
    assert!(peak < 96 * 1024, "peak RSS {peak} KiB for a 1 GiB body");
    let journal =
        std::fs::read_to_string(run_dir(&dir.path().join("runs")).join("journal.log")).unwrap();
    assert!(
        journal.contains("only the first 16777216 of 1073741824 bytes were inspected"),
        "{journal}"
    );
}

#[test]
fn the_step_timeout_bounds_a_probe_and_a_poll_and_the_message_says_the_time_spent() {
    let server = serve(|_, _| Reply::new(500, "{}").delayed(Duration::from_millis(900)));
    let dir = tempfile::tempdir().unwrap();
    let steps = format!(
        "[[phase.step]]\nid = \"probe\"\nkind = \"http\"\nurl = \"{base}/p\"\ntimeout = \"2s\"\nsamples = 5\nconcurrency = 1\non_failure = \"continue\"\n\n\
         [[phase.step]]\nid = \"poll\"\nkind = \"http\"\nurl = \"{base}/q\"\npoll_interval = \"1s\"\npoll_timeout = \"3s\"\ntimeout = \"10s\"\non_failure = \"continue\"\n",
        base = server.base
    );
    let started = Instant::now();
    let (code, stderr, journal) = run(dir.path(), &steps);
    let took = started.elapsed();
    assert_eq!(code, Some(0), "{stderr}");
    // 2 s for the probe (it took 5 x 0.9 s before) and about 3 s for the poll.
    assert!(
        took < crate::support::slack(Duration::from_secs(7)),
        "took {took:?}"
    );
    assert!(
        journal.contains("the step's timeout ended the probe after "),
        "{journal}"
    );
    assert!(journal.contains("of 5 samples"), "{journal}");
    // The poll stops when another try could not end within poll_timeout, and says when.
    let said: f64 = journal
        .split("still failing after ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|seconds| seconds.parse().ok())
        .expect("the poll's message says the time spent");
    assert!((1.5..=3.2).contains(&said), "{journal}");
}

/// `openssl` in `dir`: a private CA and a certificate for 127.0.0.1 signed by it.
fn private_ca(dir: &Path) {
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl runs");
        assert!(status.success(), "openssl {args:?}");
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=cutover test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
}

#[test]
fn a_tls_refusal_is_one_sentence_with_its_fix_and_ca_file_trusts_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    private_ca(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(port.to_string())
        .args(["-cert", "server.pem", "-key", "server.key"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    crate::support::wait_until("openssl s_server listens", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let steps = format!(
        "[[phase.step]]\nid = \"untrusted\"\nkind = \"http\"\nurl = \"https://127.0.0.1:{port}/\"\non_failure = \"continue\"\n\n\
         [[phase.step]]\nid = \"trusted\"\nkind = \"http\"\nurl = \"https://127.0.0.1:{port}/\"\nca_file = \"{ca}\"\n",
        ca = dir.path().join("ca.pem").display()
    );
    let (code, stderr, journal) = run(dir.path(), &steps);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        journal.contains(
            "the server's TLS certificate was refused: it is signed by an authority this machine does not trust; if a private CA signs it, trust that CA for this step with `ca_file"
        ),
        "{journal}"
    );
    assert!(
        !stderr.contains("Other(") && !stderr.contains("InvalidCertificate"),
        "{stderr}"
    );
    assert!(stderr.contains("trusted passed"), "{stderr}");
}
