//! Being told (SPEC §8, `[[notify]]`): a loopback receiver that speaks the webhook, Slack and
//! Telegram request formats gets the run's start, a wait for a person, the failure, the
//! rollback and the end with the journal's anchor; no secret reaches any body; each delivery's
//! outcome is journaled (or, after the footer, kept in notifications.log); a receiver that
//! hangs or answers 500 delays nothing but itself.

use crate::support;

use std::time::{Duration, Instant};

use crate::support::{Reply, headless_drill, journal_bodies, run_dir, serve, verify};

const SECRET: &str = "s3cr3t-api-token-value";
const BOT_TOKEN: &str = "123456:bot-token-never-journaled";

fn runbook(base: &str, extra_channels: &str) -> String {
    format!(
        r#"[runbook]
name = "told"

[vars.api_token]
env = "TOLD_API_TOKEN"
secret = true

[[notify]]
kind = "webhook"
url = "{base}/hook"
after = "1s"

[[notify]]
kind = "slack"
url = "{base}/slack"
events = ["failed", "rolled-back", "finished"]

[[notify]]
kind = "telegram"
url = "{base}"
token_env = "TOLD_BOT_TOKEN"
chat_id = "42"
events = ["finished"]
{extra_channels}
[[phase]]
id = "p"

[[phase.step]]
id = "deploy"
kind = "command"
run = "echo deploying with $CUTOVER_API_TOKEN"
undo = "echo undeployed"

[[phase.step]]
id = "look"
kind = "manual"
instructions = "Look at the dashboard."
deadline = "2s"
on_deadline = "continue"

[[phase.step]]
id = "smoke"
kind = "command"
run = "echo smoke $CUTOVER_API_TOKEN; exit 1"
on_failure = "rollback"
"#
    )
}

#[test]
fn a_receiver_hears_the_run_in_each_format_and_no_secret() {
    let receiver = serve(|_, _| Reply::new(200, "{\"ok\":true}"));
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(dir.path(), &runbook(&receiver.base, ""));
    let logs = dir.path().join("runs");
    let _output = headless_drill(&runbook, &logs)
        .env("TOLD_API_TOKEN", SECRET)
        .env("TOLD_BOT_TOKEN", BOT_TOKEN)
        .status(1)
        .output();
    let run = run_dir(&logs);
    let received = receiver.received.lock().unwrap().clone();
    for (path, body) in &received {
        assert!(!body.contains(SECRET), "{path}: {body}");
        assert!(!body.contains(BOT_TOKEN), "{path}: {body}");
    }
    let hooks: Vec<serde_json::Value> = received
        .iter()
        .filter(|(path, _)| path == "/hook")
        .map(|(_, body)| serde_json::from_str(body).unwrap())
        .collect();
    let events: Vec<&str> = hooks.iter().map(|h| h["event"].as_str().unwrap()).collect();
    for expected in ["started", "waiting", "failed", "rolled-back", "finished"] {
        assert!(events.contains(&expected), "{expected} missing: {events:?}");
    }
    let run_id = run.file_name().unwrap().to_str().unwrap();
    assert!(
        hooks
            .iter()
            .all(|h| h["run_id"] == run_id && h["format"] == "cutover-notification/1")
    );
    let finished = hooks.iter().find(|h| h["event"] == "finished").unwrap();
    let footer = &journal_bodies(&run, "footer")[0];
    let anchor = format!(
        "{}:{}",
        footer["upto_bytes"],
        footer["prefix_sha256"].as_str().unwrap()
    );
    assert_eq!(
        finished["anchor"],
        anchor.as_str(),
        "the end carries the journal's anchor"
    );
    let waiting = hooks.iter().find(|h| h["event"] == "waiting").unwrap();
    assert_eq!(waiting["step"], "look", "{waiting}");
    // Slack: a `text`; Telegram: the Bot API's sendMessage with the chat.
    let slack: Vec<serde_json::Value> = received
        .iter()
        .filter(|(path, _)| path == "/slack")
        .map(|(_, body)| serde_json::from_str(body).unwrap())
        .collect();
    assert_eq!(slack.len(), 3, "{slack:?}");
    assert!(
        slack
            .iter()
            .all(|s| s["text"].as_str().unwrap().starts_with("cutover [told"))
    );
    let telegram: Vec<&(String, String)> = received
        .iter()
        .filter(|(path, _)| path.ends_with("/sendMessage"))
        .collect();
    assert_eq!(telegram.len(), 1);
    assert_eq!(telegram[0].0, format!("/bot{BOT_TOKEN}/sendMessage"));
    let message: serde_json::Value = serde_json::from_str(&telegram[0].1).unwrap();
    assert_eq!(message["chat_id"], "42");
    assert!(message["text"].as_str().unwrap().contains(&anchor));
    // Outcomes: journaled while the run went, in notifications.log after its footer.
    let journaled = journal_bodies(&run, "notify");
    assert!(
        journaled
            .iter()
            .any(|n| n["event"] == "started" && n["outcome"] == "sent"),
        "{journaled:?}"
    );
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(!journal.contains(BOT_TOKEN) && !journal.contains(SECRET));
    assert!(
        !journal.contains(&receiver.base),
        "channels are named, never by URL"
    );
    let after = std::fs::read_to_string(run.join("notifications.log")).unwrap();
    assert!(after.contains("\"event\":\"finished\""), "{after}");
    assert_eq!(verify(&run, &[]).0, 0);
}

#[test]
fn a_receiver_that_hangs_or_fails_delays_nothing_but_itself() {
    let hanging = serve(|_, _| Reply::new(200, "{}").delayed(Duration::from_secs(30)));
    let failing = serve(|_, _| Reply::new(500, "{}"));
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"[runbook]
name = "quiet"

[[notify]]
kind = "webhook"
url = "{}/hook"

[[notify]]
kind = "webhook"
url = "{}/hook"

[[phase]]
id = "p"

[[phase.step]]
id = "one"
kind = "command"
run = "echo one"

[[phase.step]]
id = "two"
kind = "command"
run = "sleep 2; echo two"
"#,
        hanging.base, failing.base
    );
    let runbook = support::runbook(dir.path(), &text);
    let logs = dir.path().join("runs");
    let started = Instant::now();
    let output = headless_drill(&runbook, &logs).output();
    let took = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = run_dir(&logs);
    let footer = &journal_bodies(&run, "footer")[0];
    let ran_ms = footer["duration_ms"].as_u64().unwrap();
    assert!(ran_ms < 4_000, "the run itself took {ran_ms} ms");
    // After the run, its last notices may keep the process one attempt's time, no more.
    assert!(
        took < crate::support::slack(Duration::from_millis(ran_ms + 7_000)),
        "{took:?}"
    );
    let journaled = journal_bodies(&run, "notify");
    let failed = journaled
        .iter()
        .find(|n| n["outcome"] == "failed" && n["http_status"] == 500)
        .unwrap_or_else(|| panic!("{journaled:?}"));
    assert_eq!(failed["attempts"], 3);
    assert_eq!(verify(&run, &[]).0, 0);
}
