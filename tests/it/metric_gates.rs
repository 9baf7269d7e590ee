//! Metric gates against a real Prometheus (Debian's, started by each test with a 1 s scrape
//! of a sandbox on loopback, stopped after): a good canary passes, a bad one fails at its first
//! stage and is rolled back, no traffic is inconclusive and goes to a person, a Prometheus
//! that stops mid-gate is inconclusive, a NaN is inconclusive — and every sample is journaled.
//!
//! CI installs prometheus (`.ci/run`) and sets CUTOVER_REQUIRE_PROMETHEUS=1, so there these
//! tests cannot pass without running. On a machine without it they say so and pass.

use crate::support;

use std::time::Duration;

use crate::support::prometheus::{Prometheus, prometheus_or_skip};
use crate::support::sandbox::Sandbox;
use crate::support::test_run::Test;
use crate::support::{journal_bodies, spawn_headless, verify, wait_until};

/// The canary's share of 5xx answers over the last 5 s. `or vector(0)` makes "no errors at
/// all" a zero rather than no series; the denominator has no `or`, so no canary traffic stays
/// no data.
const CANARY_ERRORS: &str = r#"(sum(rate(nexus_http_requests_total{version="{{ release }}",status=~"5.."}[5s])) or vector(0)) / sum(rate(nexus_http_requests_total{version="{{ release }}"}[5s]))"#;

fn verdicts(samples: &[serde_json::Value]) -> Vec<String> {
    samples
        .iter()
        .map(|s| s["verdict"].as_str().unwrap().to_string())
        .collect()
}

/// A canary rollout on the sandbox, gated on the canary's error ratio as Prometheus sees it,
/// with a rollback that takes the canary out.
fn rollout(sandbox: &Sandbox, prometheus: &Prometheus) -> String {
    format!(
        r#"[runbook]
name = "canary"

[vars.release]
default = "v2.0.0"

[[phase]]
id = "deploy"

[[phase.step]]
id = "canary"
kind = "progressive"
stages = [10, 50]
run = "{cutover} sandbox --listen 127.0.0.1:{port} call POST /_sandbox/deploy \"{{\\\"version\\\": \\\"{{{{ release }}}}\\\", \\\"weight\\\": {{{{ stage }}}}}}\""
on_gate_failure = "rollback"

[[phase.step.gate]]
name = "canary-errors"
kind = "metric"
source = "prometheus"
url = "{prom}"
query = '{query}'
max = 0.05
initial_delay = "3s"
samples = 3
interval = "1s"

[[rollback.step]]
id = "take-canary-out"
kind = "command"
run = "{cutover} sandbox --listen 127.0.0.1:{port} call POST /_sandbox/deploy '{{\"version\": \"{{{{ release }}}}\", \"weight\": 0}}'"
"#,
        cutover = env!("CARGO_BIN_EXE_cutover"),
        port = sandbox.port,
        prom = prometheus.url,
        query = CANARY_ERRORS,
    )
}

/// A sandbox with `traffic` requests a second and a Prometheus that has scraped it once, or
/// `None` where no Prometheus is installed. The state folder lives as long as the sandbox.
fn monitored(traffic: u32) -> Option<(tempfile::TempDir, Sandbox, Prometheus)> {
    let state = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start_with_traffic(state.path(), traffic);
    let prometheus = prometheus_or_skip(&[format!("127.0.0.1:{}", sandbox.port)])?;
    // `up` is there from the first scrape, with or without traffic.
    prometheus.wait_for_series("up");
    if traffic > 0 {
        prometheus.wait_for_series("nexus_http_requests_total");
    }
    Some((state, sandbox, prometheus))
}

#[test]
fn a_good_canary_passes_its_metric_gates_on_samples_that_passed() {
    let Some((_state, sandbox, prometheus)) = monitored(100) else {
        return;
    };
    let ran = Test::run_headless(&rollout(&sandbox, &prometheus)).run();
    let samples = journal_bodies(&ran.run_dir(), "metric");
    assert_eq!(
        samples.len(),
        6,
        "3 samples at each of 2 stages: {samples:#?}"
    );
    assert!(
        verdicts(&samples).iter().all(|v| v == "pass"),
        "{samples:#?}"
    );
    for sample in &samples {
        assert_eq!(sample["gate"], "canary-errors");
        assert!(
            sample["query"]
                .as_str()
                .unwrap()
                .contains(r#"version="v2.0.0""#)
        );
        assert!(sample["eval_time"].as_f64().unwrap() > 1.7e9, "{sample}");
        assert_eq!(sample["value"], "0", "{sample}");
    }
    let stages: Vec<u64> = samples
        .iter()
        .map(|s| s["stage"].as_u64().unwrap())
        .collect();
    assert_eq!(stages, [10, 10, 10, 50, 50, 50]);
    assert_eq!(verify(&ran.run_dir(), &[]).0, 0);
}

#[test]
fn a_bad_canary_fails_at_the_first_stage_and_is_rolled_back() {
    let Some((_state, sandbox, prometheus)) = monitored(100) else {
        return;
    };
    // The new version answers 500 on its health route; the stable one is untouched.
    let fault = sandbox.call(&[
        "POST",
        "/_sandbox/fault",
        r#"{"path": "/api/health", "status": 500, "version": "v2.0.0"}"#,
    ]);
    assert!(fault.status.success());
    let ran = Test::run_headless(&rollout(&sandbox, &prometheus))
        .status(1)
        .stderr_has("gate `canary-errors` failed at 10%")
        .run();
    let samples = journal_bodies(&ran.run_dir(), "metric");
    assert_eq!(
        samples.len(),
        1,
        "the first failure ends the gate: {samples:#?}"
    );
    assert_eq!(samples[0]["verdict"], "fail");
    assert_eq!(samples[0]["stage"], 10);
    assert!(
        samples[0]["reason"]
            .as_str()
            .unwrap()
            .contains("> max 0.05"),
        "{samples:#?}"
    );
    let starts: Vec<String> = journal_bodies(&ran.run_dir(), "step_start")
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(starts, ["canary", "take-canary-out"]);
    let state = sandbox.call(&["GET", "/_sandbox/state"]);
    let state = String::from_utf8_lossy(&state.stdout);
    assert!(
        state.contains(r#""weight":0"#),
        "the rollback took the canary out: {state}"
    );
    assert_eq!(verify(&ran.run_dir(), &[]).0, 0);
}

#[test]
fn no_traffic_is_inconclusive_and_goes_to_a_person_never_passes() {
    let Some((_state, sandbox, prometheus)) = monitored(0) else {
        return;
    };
    // Headless, a person's decision follows --on-failure: suspend, so that it can be seen that
    // the gate neither passed nor took the runbook's `on_gate_failure = "rollback"`.
    let ran = Test::run_headless(&rollout(&sandbox, &prometheus))
        .args(["--on-failure", "suspend"])
        .status(3)
        .stderr_has("gate `canary-errors` was inconclusive at 10%")
        .run();
    let samples = journal_bodies(&ran.run_dir(), "metric");
    assert_eq!(verdicts(&samples), ["inconclusive"], "{samples:#?}");
    assert_eq!(samples[0]["reason"], "the query: no data (no series)");
    assert!(samples[0].get("value").is_none(), "{samples:#?}");
    // The stage's own result, then the step's: both failed, neither passed.
    let results = journal_bodies(&ran.run_dir(), "step_result");
    assert_eq!(results.len(), 2, "{results:#?}");
    assert!(
        results.iter().all(|r| r["status"] == "failed"),
        "{results:#?}"
    );
    assert!(
        journal_bodies(&ran.run_dir(), "step_start").len() == 1,
        "no rollback ran"
    );
}

#[test]
fn a_prometheus_that_stops_mid_gate_is_inconclusive() {
    let Some((_state, _sandbox, mut prometheus)) = monitored(50) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(
        dir.path(),
        &format!(
            r#"[runbook]
name = "watch"

[[phase]]
id = "p"

[[phase.step]]
id = "errors"
kind = "metric"
url = "{url}"
query = 'sum(rate(nexus_http_requests_total{{status=~"5.."}}[5s])) or vector(0)'
max = 0.1
samples = 8
interval = "1s"
timeout = "2s"
inconclusive_limit = 3
"#,
            url = prometheus.url
        ),
    );
    let logs = dir.path().join("runs");
    let mut child = spawn_headless(&runbook, &logs, &["--on-failure", "abort"], &[]);
    let journal = || {
        let run = support::run_dir(&logs);
        journal_bodies(&run, "metric")
    };
    wait_until("two samples are journaled", || {
        logs.exists() && std::fs::read_dir(&logs).unwrap().count() > 0 && journal().len() >= 2
    });
    prometheus.stop();
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "the gate went to --on-failure abort"
    );
    let samples = journal();
    let verdicts = verdicts(&samples);
    assert!(verdicts.iter().take(2).all(|v| v == "pass"), "{samples:#?}");
    assert_eq!(
        verdicts.iter().filter(|v| *v == "inconclusive").count(),
        3,
        "{samples:#?}"
    );
    assert!(!verdicts.contains(&"fail".to_string()), "{samples:#?}");
    let last = samples.last().unwrap();
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .contains("Prometheus did not answer"),
        "{last}"
    );
    let results = journal_bodies(&support::run_dir(&logs), "step_result");
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .contains("inconclusive"),
        "{results:#?}"
    );
}

/// A run of one metric step with `fields`; headless, an inconclusive gate follows
/// `--on-failure abort` (exit 1). Returns the step's samples.
fn one_gate(prometheus: &Prometheus, fields: &str, status: i32) -> Vec<serde_json::Value> {
    let ran = Test::run_headless(&format!(
        "[runbook]\nname = \"gate\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"gate\"\nkind = \"metric\"\nurl = \"{}\"\n{fields}\n",
        prometheus.url
    ))
    .status(status)
    .run();
    assert_eq!(verify(&ran.run_dir(), &[]).0, 0);
    journal_bodies(&ran.run_dir(), "metric")
}

#[test]
fn nan_is_inconclusive_and_several_series_are_an_error_unless_reduced() {
    let Some((_state, _sandbox, prometheus)) = monitored(20) else {
        return;
    };
    let nan = one_gate(&prometheus, "query = \"vector(0) / vector(0)\"\nmax = 1", 1);
    assert_eq!(verdicts(&nan), ["inconclusive"]);
    assert_eq!(nan[0]["value"], "NaN");
    assert_eq!(nan[0]["reason"], "the query: no usable value (NaN)");

    // Two series: the answered statuses, and one made up so that there are always two.
    let two = r#"query = 'sum by (status) (nexus_http_requests_total) or label_replace(vector(1), "status", "x", "", "")'"#;
    let several = one_gate(&prometheus, &format!("{two}\nmax = 1e9"), 1);
    assert_eq!(verdicts(&several), ["inconclusive"]);
    assert!(
        several[0]["reason"].as_str().unwrap().contains("2 series"),
        "{several:#?}"
    );
    let summed = one_gate(&prometheus, &format!("{two}\nreduce = \"sum\"\nmin = 1"), 0);
    assert_eq!(verdicts(&summed), ["pass"]);

    // The runbook may decide otherwise, in so many words.
    let failed = one_gate(
        &prometheus,
        "query = \"vector(0) / vector(0)\"\nmax = 1\non_no_data = \"fail\"",
        1,
    );
    assert_eq!(verdicts(&failed), ["fail"]);
}

#[test]
fn an_injected_latency_delays_each_request_on_its_own() {
    let state = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(state.path());
    let fault = sandbox.call(&[
        "POST",
        "/_sandbox/fault",
        r#"{"path": "/api/health", "latency_ms": 400}"#,
    ]);
    assert!(fault.status.success());
    // Ten at once: taken in turn under the state lock, the last would answer after 4 s.
    let started = std::time::Instant::now();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let port = sandbox.port;
            std::thread::spawn(move || {
                std::process::Command::new("curl")
                    .args(["-sf", "-o", "/dev/null"])
                    .arg(format!("http://127.0.0.1:{port}/api/health"))
                    .status()
                    .unwrap()
            })
        })
        .collect();
    for call in calls {
        assert!(call.join().unwrap().success());
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(400)
            && took < crate::support::slack(Duration::from_millis(2000)),
        "ten requests with 400 ms each took {took:?}"
    );
}

/// A stand-in for Prometheus's query API (no Prometheus needed): the first answer has no
/// series, the next ones a value.
fn scripted_prometheus() -> support::TestServer {
    support::serve(|n, _| {
        let body = if n == 0 {
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#.to_string()
        } else {
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.25,"0.002"]}]}}"#.to_string()
        };
        support::Reply::new(200, &body)
    })
}

#[test]
fn the_token_reaches_prometheus_and_nowhere_else_and_the_report_counts_three_ways() {
    let prometheus = scripted_prometheus();
    let token = "prom-token-0123456789";
    let ran = Test::run_headless(&format!(
        r#"[runbook]
name = "secret-gate"

[vars.token]
env = "PROM_TOKEN"
secret = true

[[phase]]
id = "p"

[[phase.step]]
id = "errors"
kind = "metric"
url = "{url}"
query = 'sum(rate(errors{{tenant="{{{{ token }}}}"}}[1m]))'
headers = {{ Authorization = "Bearer {{{{ token }}}}" }}
max = 0.01
samples = 3
interval = "0s"
inconclusive_limit = 2
"#,
        url = prometheus.base
    ))
    .env("PROM_TOKEN", token)
    .stderr_lacks(token)
    .run();
    let requests = prometheus.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    assert!(
        requests[0].contains(&format!("authorization: Bearer {token}"))
            || requests[0].contains(&format!("Authorization: Bearer {token}")),
        "{requests:?}"
    );
    assert!(
        requests[0].starts_with("GET /api/v1/query?query="),
        "{requests:?}"
    );
    let run = ran.run_dir();
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(!journal.contains(token), "the token is in the journal");
    let samples = journal_bodies(&run, "metric");
    assert_eq!(verdicts(&samples), ["inconclusive", "pass", "pass"]);
    assert!(
        samples[0]["query"]
            .as_str()
            .unwrap()
            .contains(r#"tenant="***""#)
    );
    assert_eq!(samples[1]["eval_time"], 1_700_000_000.25);
    assert_eq!(samples[1]["value"], "0.002");

    let report = Test::cutover()
        .args(["report", "--format", "md"])
        .arg(&run)
        .output();
    let markdown = String::from_utf8_lossy(&report.stdout);
    assert!(markdown.contains("## Metric gates"), "{markdown}");
    assert!(
        markdown
            .contains("| `errors` | samples | 1 | 2 | 0 | 1 | 1× the query: no data (no series) |"),
        "{markdown}"
    );
    assert!(!markdown.contains(token));
    let json = Test::cutover()
        .args(["report", "--format", "json"])
        .arg(&run)
        .output();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let gates = &json["steps"][0]["gates"][0];
    assert_eq!(gates["inconclusive"], 1);
    assert_eq!(gates["samples"].as_array().unwrap().len(), 3);
}

#[test]
fn the_review_shows_each_sample_of_a_gate_with_its_verdict() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let prometheus = scripted_prometheus();
    let ran = Test::run_headless(&format!(
        "[runbook]\nname = \"review-gate\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"errors\"\nkind = \"metric\"\nurl = \"{}\"\nquery = \"up\"\nmax = 0.01\nsamples = 3\ninterval = \"0s\"\ninconclusive_limit = 2\n",
        prometheus.base
    ))
    .run();
    let loaded = cutover::load_run(&ran.run_dir(), &Default::default()).unwrap();
    let mut app = cutover::ReviewApp::new(loaded.history, loaded.run_dir, false, false);
    // The first entry worth a look: the inconclusive sample.
    app.key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('f'),
    ));
    app.load_output();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|frame| cutover::draw_review(frame, &app))
        .unwrap();
    let screen = format!("{}", terminal.backend());
    assert!(screen.contains("errors sample 1: inconclusive"), "{screen}");
    assert!(
        screen.contains("samples: 2 pass, 0 fail, 1 inconclusive (1× the query: no data"),
        "{screen}"
    );
    assert!(screen.contains("#2 pass: 0.002 ≤ max 0.01"), "{screen}");
}
