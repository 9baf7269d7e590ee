//! Every word is the one the journal writes, and people read them in words.

use serde::Serialize;

use super::decision::{ConfirmVia, Decision, PolicyAction, PolicySource};
use super::mode::Mode;
use super::status::{RunStatus, ServiceState, StepStatus};

fn serialized(value: impl Serialize) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn each_word_is_the_one_the_journal_writes() {
    for mode in [Mode::Production, Mode::Drill, Mode::DryRun] {
        assert_eq!(mode.as_str(), serialized(mode));
    }
    for status in [
        StepStatus::Passed,
        StepStatus::Failed,
        StepStatus::Skipped,
        StepStatus::Simulated,
        StepStatus::DoneManually,
    ] {
        assert_eq!(status.as_str(), serialized(status));
    }
    for status in [
        RunStatus::Passed,
        RunStatus::Failed,
        RunStatus::RolledBack,
        RunStatus::Aborted,
        RunStatus::Suspended,
    ] {
        assert_eq!(status.as_str(), serialized(status));
    }
    for action in [
        PolicyAction::Continue,
        PolicyAction::Abort,
        PolicyAction::Rollback,
    ] {
        assert_eq!(action.as_str(), serialized(action));
        assert_eq!(action.to_string(), action.as_str());
    }
    for source in [PolicySource::Runbook, PolicySource::CommandLine] {
        assert_eq!(source.as_str(), serialized(source));
    }
    for via in [ConfirmVia::Terminal, ConfirmVia::CommandLine] {
        assert_eq!(via.as_str(), serialized(via));
        assert_eq!(via.to_string(), via.as_str());
    }
    for state in [ServiceState::Ready, ServiceState::Stopped] {
        assert_eq!(state.as_str(), serialized(state));
        assert_eq!(state.to_string(), state.as_str());
    }
    for mode in [Mode::Production, Mode::Drill, Mode::DryRun] {
        assert_eq!(mode.to_string(), mode.as_str());
    }
}

#[test]
fn each_decision_names_the_choice_the_journal_writes() {
    let policy = Decision::Policy {
        action: PolicyAction::Rollback,
        from: PolicySource::CommandLine,
    };
    for decision in [
        Decision::Retry,
        Decision::Skip { reason: "r".into() },
        Decision::MarkDone {
            evidence: "e".into(),
        },
        Decision::Rollback,
        Decision::Abort,
        policy.clone(),
    ] {
        let json = serde_json::to_value(&decision).unwrap();
        assert_eq!(json["choice"], decision.choice(), "{decision:?}");
    }
    assert_eq!(
        policy.to_string(),
        "rollback (by --on-failure on the command line, not a person)"
    );
}

#[test]
fn people_read_the_statuses_in_words() {
    assert_eq!(StepStatus::DoneManually.to_string(), "done manually");
    assert_eq!(StepStatus::Passed.to_string(), "passed");
    assert_eq!(RunStatus::RolledBack.to_string(), "rolled back");
    assert_eq!(RunStatus::Aborted.to_string(), "aborted");
}
