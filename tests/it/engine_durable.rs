//! The engine with a durable consumer: every side effect waits for the record before it, and a
//! record that fails stops the run before the next side effect.

use std::collections::BTreeSet;
use std::path::Path;

use cutover::Event;
use cutover::Mode;
use cutover::RunSettings;
use cutover::Scope;
use cutover::check_bytes;
use cutover::{Controller, control_channel};
use cutover::{Emitter, Record, RecordError};
use cutover::{Engine, EngineError, RunPlan};
use tokio::sync::mpsc;

fn plan(dir: &Path, text: &str) -> RunPlan {
    let checked = check_bytes(Path::new("t.toml"), text.as_bytes().to_vec());
    std::fs::create_dir_all(dir.join("output")).unwrap();
    RunPlan {
        runbook: checked.runbook.expect("valid runbook"),
        scope: Scope::default(),
        run_id: "test".into(),
        run_dir: dir.to_path_buf(),
        mode: Mode::Drill,
        dry_run: false,
        auto: true,
        inject_failures: BTreeSet::new(),
        settings: RunSettings::default(),
        resume: None,
        hosts: Default::default(),
    }
}

/// A durable consumer that records the kinds it saw and fails the `fail_at`-th record.
fn journal(
    fail_at: usize,
) -> (
    mpsc::UnboundedSender<Record>,
    tokio::task::JoinHandle<Vec<String>>,
) {
    let (sender, mut records) = mpsc::unbounded_channel::<Record>();
    let handle = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(record) = records.recv().await {
            let kind = serde_json::to_value(&record.event).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_string();
            seen.push(kind);
            let answer = if seen.len() == fail_at {
                Err(RecordError::consumer(std::io::Error::other(
                    "No space left on device",
                )))
            } else {
                Ok(())
            };
            let _ = record.ack.send(answer);
        }
        seen
    });
    (sender, handle)
}

const RUNBOOK: &str = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[[phase]]\nid = \"main\"\n\n\
[[phase.step]]\nid = \"first\"\nkind = \"command\"\nrun = \"touch first\"\n\n\
[[phase.step]]\nid = \"second\"\nkind = \"command\"\nrun = \"touch second\"\n";

/// An engine over `text`, run in `dir`; the returned senders keep its inputs open.
fn engine(dir: &Path, text: &str, emitter: Emitter) -> (Engine, Controller) {
    let (controller, intake) = control_channel();
    let engine = Engine::new(plan(dir, text), emitter, intake);
    (engine, controller)
}

fn with_cwd(text: &str, dir: &Path) -> String {
    text.replace("touch ", &format!("touch {}/", dir.display()))
}

#[tokio::test]
async fn every_durable_event_is_recorded_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (sender, seen) = journal(usize::MAX);
    let (engine, _inputs) = engine(
        dir.path(),
        &with_cwd(RUNBOOK, dir.path()),
        Emitter::default().with_durable(sender),
    );
    engine.run().await.unwrap();
    let seen = seen.await.unwrap();
    assert_eq!(
        seen,
        [
            "run_started",
            "phase_started",
            "step_started",
            "step_result",
            "step_started",
            "step_result",
            "phase_finished",
            "run_finished"
        ]
    );
}

#[tokio::test]
async fn a_failed_record_stops_the_run_before_the_next_side_effect() {
    let dir = tempfile::tempdir().unwrap();
    // The 5th record is the start of `second`: it must not run.
    let (sender, seen) = journal(5);
    let (engine, _inputs) = engine(
        dir.path(),
        &with_cwd(RUNBOOK, dir.path()),
        Emitter::default().with_durable(sender),
    );
    let result = engine.run().await;
    assert!(
        matches!(result, Err(EngineError::Record(ref err)) if cutover::error_chain(err).contains("No space")),
        "{result:?}"
    );
    assert!(dir.path().join("first").exists());
    assert!(
        !dir.path().join("second").exists(),
        "a side effect ran without its record"
    );
    drop(seen);
}

#[tokio::test]
async fn the_display_sees_output_live_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[[phase]]\nid = \"main\"\n\n[[phase.step]]\nid = \"talk\"\nkind = \"command\"\nrun = \"echo one; echo $CUTOVER_TOKEN\"\n";
    let mut plan = plan(dir.path(), text);
    plan.scope
        .set("token", "s3cr3t-value", cutover::Secrecy::Secret);
    let (_controller, intake) = control_channel();
    let mut emitter = Emitter::default();
    let mut display = emitter.observe();
    Engine::new(plan, emitter, intake).run().await.unwrap();
    let mut lines = Vec::new();
    while let Ok(event) = display.try_recv() {
        assert!(
            !serde_json::to_string(&event).unwrap().contains("s3cr3t"),
            "{event:?}"
        );
        if let Event::Output { text, .. } = event {
            lines.extend(text.lines().map(String::from));
        }
    }
    assert_eq!(lines, ["one", "***"]);
}
