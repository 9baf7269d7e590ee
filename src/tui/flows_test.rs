//! Every operator flow of the TUI, driven through `App::apply` (engine events) and `App::key`
//! (key presses), checking the state and the controls sent back. No terminal involved.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::input::Effect;
use super::state::{App, Overlay, StepState};
use super::text_entry::Irreversible;
use crate::engine::control::Control;
use crate::engine::events::{Event, Prompt};
use crate::engine::interrupt::Interrupt;
use crate::protocol::decision::Decision;
use crate::protocol::mode::Mode;
use crate::protocol::output::Stream;
use crate::protocol::run_info::{RunInfo, StepInfo};
use crate::protocol::status::StepStatus;
use crate::protocol::step_kind::StepKind;
use crate::runbook::kinds::manual::NotesPolicy;

pub(super) fn info() -> RunInfo {
    let step = |id: &str, kind: StepKind, rollback: bool| StepInfo {
        id: id.into(),
        title: format!("Step {id}"),
        phase: "main".into(),
        kind,
        description: String::new(),
        rollback,
        estimate_ms: None,
    };
    RunInfo {
        title: "Nexus release".into(),
        runbook: "nexus".into(),
        description: "A release.".into(),
        environment: Some("staging".into()),
        mode: Mode::Drill,
        operator: "alice".into(),
        key_fingerprint: "SHA256:abc".into(),
        run_dir: "/runs/nexus/1".into(),
        expected: None,
        rollback_ms: None,
        estimates_from: None,
        steps: vec![
            step("backup", StepKind::Command, false),
            step("announce", StepKind::Manual, false),
            step("migrate", StepKind::Command, false),
            step("restore", StepKind::Command, true),
        ],
    }
}

fn app() -> App {
    App::new(info(), false, true)
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn manual_prompt(notes: NotesPolicy) -> Event {
    Event::Waiting(Prompt::Manual {
        step: "announce".into(),
        instructions: "Post in #release".into(),
        checklist: vec!["posted".into(), "acknowledged".into()],
        notes,
        can_fail: true,
        deadline_s: None,
        on_deadline: None,
    })
}

fn failure(step: &str, can_skip: bool, in_rollback: bool) -> Event {
    Event::Waiting(Prompt::Failure {
        step: step.into(),
        message: "exit 1".into(),
        can_skip,
        in_rollback,
    })
}

#[test]
fn enter_runs_the_shown_step() {
    let mut app = app();
    app.apply(&Event::Waiting(Prompt::Run {
        step: "backup".into(),
        command: "pg_dump".into(),
    }));
    assert_eq!(app.rows[0].state, StepState::Waiting);
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![to("backup", Control::Proceed)]
    );
}

/// What a key sends while a question about `step` is on screen: bound to that step.
fn to(step: &str, control: Control) -> Effect {
    Effect::Control(Control::About {
        step: step.into(),
        answer: Box::new(control),
    })
}

#[test]
fn a_question_shows_its_step_whatever_was_browsed_and_enter_answers_that_step_only() {
    let mut app = app();
    app.apply(&Event::Waiting(Prompt::Run {
        step: "migrate".into(),
        command: "prisma migrate deploy".into(),
    }));
    assert_eq!(app.selected, 2, "the question's step is on screen");
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    assert_eq!(
        (app.selected, app.follow),
        (0, false),
        "browsing stops following"
    );
    // Enter answers the question about `migrate`, whatever the pane shows, and says so.
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![to("migrate", Control::Proceed)]
    );
    // f follows the run again: back to the step asked about.
    press(&mut app, KeyCode::Char('f'));
    assert_eq!((app.selected, app.follow), (2, true));
    // A new question while browsing brings its own step on screen.
    press(&mut app, KeyCode::Up);
    app.apply(&Event::Waiting(Prompt::Run {
        step: "restore".into(),
        command: "pg_restore".into(),
    }));
    assert_eq!((app.selected, app.follow), (3, true));
    // End does what f does.
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::End);
    assert_eq!(app.selected, 3);
}

#[test]
fn v_shows_what_enter_runs_whole_and_sends_nothing() {
    let mut app = app();
    let command: String = (1..=40).map(|n| format!("echo line-{n}\n")).collect();
    app.apply(&Event::Waiting(Prompt::Run {
        step: "migrate".into(),
        command: command.clone(),
    }));
    assert!(press(&mut app, KeyCode::Char('v')).is_empty());
    let viewer = app.viewer.as_ref().expect("v opens the viewer");
    assert_eq!(viewer.lines.len(), 40);
    assert!(viewer.title.contains("migrate"));
    // Enter in the viewer answers nothing.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    press(&mut app, KeyCode::End);
    assert_eq!(app.viewer.as_ref().unwrap().top, 30, "the last page");
    press(&mut app, KeyCode::Char('q'));
    assert!(app.viewer.is_none(), "q goes back to the question");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![to("migrate", Control::Proceed)]
    );
}

#[test]
fn a_step_waiting_for_someone_to_attach_says_so_on_its_row() {
    let mut app = app();
    app.apply(&Event::Unattended {
        step: "migrate".into(),
    });
    let said = app.rows[2].progress.clone().unwrap_or_default();
    assert!(said.contains("starts once someone attaches"), "{said}");
}

#[test]
fn a_manual_step_needs_every_item_ticked_then_confirms_with_the_note() {
    let mut app = app();
    app.apply(&manual_prompt(NotesPolicy::Optional));
    assert_eq!(app.selected, 1, "the selection follows the question");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(
        app.question
            .as_ref()
            .unwrap()
            .problem
            .as_deref()
            .unwrap()
            .contains("tick every item")
    );
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "posted at 02:00");
    // Alt-Enter: a new line inside the note; Enter gives it.
    app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    type_text(&mut app, "by alice");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![to(
            "announce",
            Control::Confirm {
                checklist: vec!["posted".into(), "acknowledged".into()],
                note: Some("posted at 02:00\nby alice".into()),
                via: crate::protocol::decision::ConfirmVia::Terminal,
            }
        )]
    );
}

#[test]
fn a_required_note_must_be_written() {
    let mut app = app();
    app.apply(&Event::Waiting(Prompt::Manual {
        step: "announce".into(),
        instructions: "Do it".into(),
        checklist: vec![],
        notes: NotesPolicy::Required,
        can_fail: false,
        deadline_s: None,
        on_deadline: None,
    }));
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(
        app.question
            .as_ref()
            .unwrap()
            .problem
            .as_deref()
            .unwrap()
            .contains("needs a note")
    );
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Esc);
    assert!(
        app.question.as_ref().unwrap().entry.is_none(),
        "Esc cancels the text area"
    );
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "done");
    ctrl(&mut app, 'd');
    assert_eq!(press(&mut app, KeyCode::Enter).len(), 1);
}

#[test]
fn the_failure_dialog_offers_every_choice() {
    let mut app = app();
    app.apply(&failure("migrate", true, false));
    assert_eq!(
        press(&mut app, KeyCode::Char('r')),
        vec![to("migrate", Control::Retry)]
    );
    // Rolling back and aborting are never one key: in a drill they ask, and no is the default.
    assert!(press(&mut app, KeyCode::Char('b')).is_empty());
    assert_eq!(
        app.overlay,
        Overlay::ConfirmIrreversible(Irreversible::Rollback)
    );
    assert!(press(&mut app, KeyCode::Enter).is_empty(), "Enter is no");
    assert_eq!(app.overlay, Overlay::None);
    assert!(press(&mut app, KeyCode::Char('b')).is_empty());
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![to("migrate", Control::Rollback)]
    );
    assert!(press(&mut app, KeyCode::Char('a')).is_empty());
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![to("migrate", Control::Abort)]
    );
    press(&mut app, KeyCode::Char('s'));
    type_text(&mut app, "not needed today");
    assert_eq!(
        ctrl(&mut app, 'd'),
        vec![to(
            "migrate",
            Control::Skip {
                reason: "not needed today".into()
            }
        )]
    );
    app.apply(&failure("migrate", true, false));
    press(&mut app, KeyCode::Char('m'));
    type_text(&mut app, "ran by hand, ticket OPS-1");
    assert_eq!(
        ctrl(&mut app, 'd'),
        vec![to(
            "migrate",
            Control::MarkDone {
                evidence: "ran by hand, ticket OPS-1".into()
            }
        )]
    );
}

#[test]
fn in_production_rolling_back_or_aborting_wants_the_word_typed() {
    let mut info = info();
    info.mode = Mode::Production;
    let mut app = App::new(info, false, true);
    app.apply(&failure("migrate", true, false));
    assert!(press(&mut app, KeyCode::Char('b')).is_empty());
    assert_eq!(app.overlay, Overlay::None, "no y/N in production");
    type_text(&mut app, "roll");
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "not the word: nothing"
    );
    assert!(
        app.question
            .as_ref()
            .unwrap()
            .problem
            .as_deref()
            .unwrap()
            .contains("nothing was done")
    );
    type_text(&mut app, "rollback");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![to("migrate", Control::Rollback)]
    );
    app.apply(&failure("migrate", true, false));
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, "abort");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![to("migrate", Control::Abort)]
    );
}

#[test]
fn a_required_step_cannot_be_skipped_and_an_empty_reason_is_refused() {
    let mut app = app();
    app.apply(&failure("backup", false, false));
    assert!(press(&mut app, KeyCode::Char('s')).is_empty());
    assert!(
        app.question
            .as_ref()
            .unwrap()
            .problem
            .as_deref()
            .unwrap()
            .contains("required")
    );
    let mut app = self::app();
    app.apply(&failure("migrate", true, false));
    press(&mut app, KeyCode::Char('s'));
    assert!(ctrl(&mut app, 'd').is_empty());
    assert_eq!(
        app.question.as_ref().unwrap().problem.as_deref(),
        Some("this cannot be empty")
    );
}

#[test]
fn in_rollback_there_is_no_mark_done_nor_roll_back() {
    let mut app = app();
    app.apply(&failure("restore", true, true));
    assert!(press(&mut app, KeyCode::Char('b')).is_empty());
    assert!(press(&mut app, KeyCode::Char('m')).is_empty());
    assert_eq!(
        press(&mut app, KeyCode::Char('r')),
        vec![to("restore", Control::Retry)]
    );
}

#[test]
fn a_dangerous_step_needs_the_exact_phrase() {
    let mut app = app();
    app.apply(&Event::Waiting(Prompt::Phrase {
        step: "migrate".into(),
        phrase: "migrate production".into(),
        command: "x".into(),
    }));
    type_text(&mut app, "migrate prod");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(
        app.question
            .as_ref()
            .unwrap()
            .problem
            .as_deref()
            .unwrap()
            .contains("migrate production")
    );
    type_text(&mut app, "migrate production");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![to(
            "migrate",
            Control::Phrase {
                text: "migrate production".into(),
                note: None,
                via: crate::protocol::decision::ConfirmVia::Terminal,
            }
        )]
    );
}

#[test]
fn q_asks_detach_or_suspend_and_a_running_step_runs_to_its_end() {
    let mut app = app();
    app.apply(&Event::StepStarted {
        step: "backup".into(),
        title: "b".into(),
        kind: StepKind::Command,
        attempt: 1,
        action: "pg_dump".into(),
        rollback: false,
        approvals: Vec::new(),
        approval_wait: None,
    });
    // In the middle of a step: suspending lets the step finish, journaled, first.
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    assert_eq!(
        press(&mut app, KeyCode::Char('s')),
        vec![Effect::Interrupt(Interrupt::SuspendAfterStep)]
    );
    app.leaving = false;
    app.apply(&Event::StepResult {
        step: "backup".into(),
        attempt: 1,
        status: StepStatus::Passed,
        duration_ms: 10,
        expected_ms: None,
        exit_code: Some(0),
        http_status: None,
        message: "exit 0".into(),
        output: None,
        tail: vec![],
        captures: vec![],
    });
    app.apply(&manual_prompt(NotesPolicy::None));
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    assert!(press(&mut app, KeyCode::Esc).is_empty(), "Esc keeps going");
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(press(&mut app, KeyCode::Char('d')), vec![Effect::Detach]);
    assert!(!app.leaving, "a detach suspends nothing");
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(
        press(&mut app, KeyCode::Char('s')),
        vec![Effect::Control(Control::Suspend {
            reason: "the operator quit between steps".into()
        })]
    );
    assert!(app.leaving);
    // `d` alone detaches at once: nothing to confirm, nothing changes for the run.
    let mut fresh = super::flows_test::app();
    assert_eq!(press(&mut fresh, KeyCode::Char('d')), vec![Effect::Detach]);
}

#[test]
fn ctrl_c_asks_then_stops_the_running_step_and_between_steps_offers_to_quit() {
    let mut app = app();
    app.apply(&Event::StepStarted {
        step: "migrate".into(),
        title: "m".into(),
        kind: StepKind::Command,
        attempt: 1,
        action: "x".into(),
        rollback: false,
        approvals: Vec::new(),
        approval_wait: None,
    });
    assert!(ctrl(&mut app, 'c').is_empty());
    assert_eq!(app.overlay, Overlay::ConfirmInterrupt);
    assert!(
        press(&mut app, KeyCode::Char('c')).is_empty(),
        "c continues"
    );
    ctrl(&mut app, 'c');
    assert!(
        press(&mut app, KeyCode::Char('a')).is_empty(),
        "a is not an answer"
    );
    ctrl(&mut app, 'c');
    assert_eq!(
        press(&mut app, KeyCode::Char('s')),
        vec![Effect::Interrupt(Interrupt::StopStep)]
    );
    // At a question, nothing runs: Ctrl-C is how one leaves.
    app.apply(&failure("migrate", true, false));
    ctrl(&mut app, 'c');
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
}

#[test]
fn output_follows_the_tail_and_scrolls_back() {
    let mut app = app();
    app.apply(&Event::StepStarted {
        step: "backup".into(),
        title: "b".into(),
        kind: StepKind::Command,
        attempt: 1,
        action: "x".into(),
        rollback: false,
        approvals: Vec::new(),
        approval_wait: None,
    });
    let text: String = (0..100).map(|n| format!("line {n}\n")).collect();
    app.apply(&Event::Output {
        step: "backup".into(),
        stream: Stream::Stdout,
        text: text.into(),
    });
    assert_eq!(app.outputs["backup"].len(), 100);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.scroll, 10);
    press(&mut app, KeyCode::End);
    assert_eq!(app.scroll, 0);
}

#[test]
fn a_free_note_is_sent_for_the_selected_step() {
    let mut app = app();
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "db looks slow");
    assert_eq!(
        ctrl(&mut app, 'd'),
        vec![Effect::Control(Control::Note {
            step: Some("backup".into()),
            text: "db looks slow".into()
        })]
    );
}

#[test]
fn decisions_show_as_themselves() {
    let mut app = app();
    app.apply(&Event::Decided {
        step: "migrate".into(),
        decision: Decision::Skip {
            reason: "later".into(),
        },
    });
    assert_eq!(app.rows[2].state, StepState::Done(StepStatus::Skipped));
    assert_eq!(app.rows[2].notes, vec!["decision: skip — later"]);
}

#[test]
fn a_step_whose_condition_is_false_shows_as_not_applicable() {
    let mut app = app();
    app.apply(&Event::Condition {
        step: "migrate".into(),
        phase: None,
        expression: "release == 'v1'".into(),
        value: Some(false),
        error: None,
    });
    assert_eq!(app.rows[2].state, StepState::NotApplicable);
    assert_eq!(
        app.rows[2].message,
        "not applicable: `release == 'v1'` is false"
    );
}

#[test]
fn a_manual_step_that_can_fail_is_reported_not_done_with_what_went_wrong() {
    let mut app = app();
    app.apply(&manual_prompt(NotesPolicy::Optional));
    assert!(press(&mut app, KeyCode::Char('f')).is_empty());
    // An empty answer says nothing: refused.
    assert!(ctrl(&mut app, 'd').is_empty());
    type_text(&mut app, "replica still lagging");
    assert_eq!(
        ctrl(&mut app, 'd'),
        vec![to(
            "announce",
            Control::NotDone {
                note: "replica still lagging".into(),
                via: crate::protocol::decision::ConfirmVia::Terminal,
            }
        )]
    );
}

#[test]
fn an_input_is_answered_with_one_of_its_options() {
    let mut app = app();
    app.apply(&Event::Waiting(Prompt::Input {
        step: "migrate".into(),
        variable: "strategy".into(),
        question: "How?".into(),
        options: vec!["rsync".into(), "basebackup".into()],
        pattern: None,
        default: None,
        secret: false,
        deadline_s: None,
    }));
    type_text(&mut app, "dd");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(
        app.question.as_ref().unwrap().problem.as_deref(),
        Some("answer one of: rsync, basebackup")
    );
    press(&mut app, KeyCode::Esc);
    type_text(&mut app, "rsync");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![to(
            "migrate",
            Control::Input {
                value: "rsync".into(),
                via: crate::protocol::decision::ConfirmVia::Terminal,
            }
        )]
    );
}

#[test]
fn a_watcher_acts_on_nothing_and_leaves_with_q() {
    for prompt in [
        manual_prompt(NotesPolicy::Optional),
        failure("migrate", true, false),
    ] {
        let mut app = app().watching();
        app.apply(&prompt);
        for code in [
            KeyCode::Char(' '),
            KeyCode::Enter,
            KeyCode::Char('n'),
            KeyCode::Char('r'),
            KeyCode::Char('s'),
            KeyCode::Char('m'),
            KeyCode::Char('b'),
            KeyCode::Char('a'),
            KeyCode::Char('y'),
            KeyCode::Char('f'),
            KeyCode::Char('d'),
        ] {
            assert_eq!(press(&mut app, code), Vec::new(), "{code:?}");
        }
        assert!(app.free_note.is_none(), "no note box opens");
        assert_eq!(
            ctrl(&mut app, 'c'),
            vec![Effect::Quit],
            "Ctrl-C leaves, aborts nothing"
        );
        assert_eq!(press(&mut app, KeyCode::Char('q')), vec![Effect::Quit]);
    }
}

#[test]
fn a_retry_says_which_attempt_of_how_many_and_when_the_next_comes() {
    let mut app = app();
    app.apply(&Event::Retrying {
        step: "migrate".into(),
        attempt: 2,
        of: 25,
        delay_ms: 4_000,
    });
    assert_eq!(
        app.rows[2].progress.as_deref(),
        Some("attempt 2/25 failed · attempt 3 in 4.0s")
    );
}

#[test]
fn a_finished_step_shows_what_it_captured() {
    let mut app = app();
    app.apply(&Event::StepResult {
        step: "backup".into(),
        attempt: 1,
        status: StepStatus::Passed,
        duration_ms: 10,
        expected_ms: None,
        exit_code: None,
        http_status: Some(200),
        message: "200 OK".into(),
        output: None,
        tail: vec![],
        captures: vec![("version".into(), "2.0.0".into())],
    });
    assert!(
        app.rows[0]
            .notes
            .iter()
            .any(|note| note == "captured version = 2.0.0"),
        "{:?}",
        app.rows[0].notes
    );
}

#[test]
fn every_act_journaled_is_said_in_the_footer() {
    let mut app = app();
    app.apply(&Event::Noted {
        step: Some("backup".into()),
        text: "dump is 2 GB".into(),
    });
    assert_eq!(
        app.said.as_ref().map(|(text, _)| text.as_str()),
        Some("journaled: your note on backup")
    );
    app.apply(&Event::Confirmed {
        step: "announce".into(),
        note: None,
        checklist: vec![],
        via: crate::protocol::decision::ConfirmVia::Terminal,
    });
    assert_eq!(
        app.said.as_ref().map(|(text, _)| text.as_str()),
        Some("journaled: announce confirmed")
    );
}
