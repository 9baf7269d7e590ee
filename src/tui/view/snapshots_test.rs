//! Whole screens as the operator sees them, at 80x24 and 120x40, through ratatui's TestBackend.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::screen::draw;
use crate::engine::events::{Event, Prompt};
use crate::engine::metric_sample::{MetricSample, SampleVerdict};
use crate::protocol::output::Stream;
use crate::protocol::status::{HostStatus, RunStatus, StepStatus};
use crate::runbook::kinds::manual::NotesPolicy;
use crate::tui::flows_test::info;
use crate::tui::state::App;

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let now = app.started;
    terminal.draw(|frame| draw(frame, app, now)).unwrap();
    format!("{}", terminal.backend())
}

fn started(step: &str, action: &str, rollback: bool) -> Event {
    Event::StepStarted {
        step: step.into(),
        // As the runbook fixture titles its steps: the title is filled in at the start.
        title: format!("Step {step}"),
        kind: crate::protocol::step_kind::StepKind::Command,
        attempt: 1,
        action: action.into(),
        rollback,
        approvals: Vec::new(),
        approval_wait: None,
    }
}

fn result(step: &str, status: StepStatus, message: &str) -> Event {
    Event::StepResult {
        step: step.into(),
        attempt: 1,
        status,
        duration_ms: 1_250,
        expected_ms: None,
        exit_code: Some(0),
        http_status: None,
        message: message.into(),
        output: None,
        tail: vec![],
        captures: vec![],
    }
}

fn running() -> App {
    let mut app = App::new(info(), false, false);
    app.journal_entries = 12;
    app.journal_anchor = Some("4096:ab12".into());
    app.apply(&started(
        "backup",
        "pg_dump --format=custom --file /runs/nexus/1/db.dump \"$DATABASE_URL\"",
        false,
    ));
    let output: String = (1..=30)
        .map(|n| format!("pg_dump: dumping table {n}\n"))
        .collect();
    app.apply(&Event::Output {
        step: "backup".into(),
        stream: Stream::Stdout,
        text: output.into(),
    });
    app.apply(&Event::Output {
        step: "backup".into(),
        stream: Stream::Stderr,
        text: "\x1b]0;pwned\x07\x1b[2Jwarning: \x1b[33mslow\x1b[0m disk\n".into(),
    });
    app
}

fn manual() -> App {
    let mut app = running();
    app.apply(&result("backup", StepStatus::Passed, "exit 0"));
    app.apply(&Event::Waiting(Prompt::Manual {
        step: "announce".into(),
        instructions: "Post in #release that the window opens now.".into(),
        checklist: vec![
            "Message posted in #release".into(),
            "On-call acknowledged".into(),
        ],
        notes: NotesPolicy::Optional,
        can_fail: false,
        deadline_s: None,
        on_deadline: None,
    }));
    app.key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char(' '),
    ));
    app
}

fn failure() -> App {
    let mut app = manual();
    app.apply(&Event::Confirmed {
        step: "announce".into(),
        note: Some("posted".into()),
        checklist: vec![],
        via: crate::protocol::decision::ConfirmVia::Terminal,
    });
    app.apply(&result(
        "announce",
        StepStatus::Passed,
        "confirmed by the operator",
    ));
    app.apply(&started(
        "migrate",
        "docker compose run --rm migrate",
        false,
    ));
    app.apply(&Event::Output {
        step: "migrate".into(),
        stream: Stream::Stderr,
        text: "Error: P1001: Can't reach database server\n".into(),
    });
    app.apply(&Event::StepResult {
        step: "migrate".into(),
        attempt: 1,
        status: StepStatus::Failed,
        duration_ms: 3_400,
        expected_ms: None,
        exit_code: Some(1),
        http_status: None,
        message: "exit 1, expected 0".into(),
        output: None,
        tail: vec![],
        captures: vec![],
    });
    app.apply(&Event::Waiting(Prompt::Failure {
        step: "migrate".into(),
        message: "exit 1, expected 0".into(),
        can_skip: true,
        in_rollback: false,
    }));
    app
}

fn rollback() -> App {
    let mut app = failure();
    app.apply(&Event::Decided {
        step: "migrate".into(),
        decision: crate::protocol::decision::Decision::Rollback,
    });
    app.apply(&started(
        "restore",
        "pg_restore --clean --dbname \"$DATABASE_URL\" /runs/nexus/1/db.dump",
        true,
    ));
    app
}

fn finished() -> App {
    let mut app = rollback();
    app.apply(&result("restore", StepStatus::Passed, "exit 0"));
    app.apply(&Event::RunFinished {
        status: RunStatus::RolledBack,
        duration_ms: 95_000,
        recovery_ms: Some(20_000),
    });
    app
}

/// Waiting for Enter before a long multi-line command: every line of it is on screen.
fn about_to_run() -> App {
    let mut app = App::new(info(), false, false);
    let command = "mkdir -p /var/backups/nexus && \\\ndocker compose -f docker-compose.prod.yml exec -T postgres \\\n  sh -c 'pg_dump --format=custom --username \"$POSTGRES_USER\" \"$POSTGRES_DB\"' \\\n  > /var/backups/nexus/nexus-20261122T020000Z.dump && \\\ntest -s /var/backups/nexus/nexus-20261122T020000Z.dump && \\\necho /var/backups/nexus/nexus-20261122T020000Z.dump";
    app.apply(&Event::Waiting(Prompt::Run {
        step: "backup".into(),
        command: command.into(),
    }));
    app
}

/// Asked to run `migrate`, the operator browsed up to `backup`: the box still names the step
/// Enter runs and what it does, and says how to get back to it.
fn browsed_away_while_asked() -> App {
    let mut app = App::new(info(), false, false);
    app.apply(&started("backup", "pg_dump -Fc nexus > nexus.dump", false));
    app.apply(&result("backup", StepStatus::Passed, "exit 0"));
    app.apply(&Event::Waiting(Prompt::Run {
        step: "migrate".into(),
        command: "npx prisma migrate deploy\nnpx prisma migrate status".into(),
    }));
    for _ in 0..2 {
        app.key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Up,
            crossterm::event::KeyModifiers::NONE,
        ));
    }
    app
}

/// An input step asking for a choice, a step before it not applicable.
fn input_asked() -> App {
    let mut app = running();
    app.apply(&result("backup", StepStatus::Passed, "exit 0"));
    app.apply(&Event::Condition {
        step: "announce".into(),
        phase: None,
        expression: "release.startsWith('v1.')".into(),
        value: Some(false),
        error: None,
    });
    app.apply(&Event::Waiting(Prompt::Input {
        step: "migrate".into(),
        variable: "strategy".into(),
        question: "How do we migrate?\nThe online path keeps the site up.".into(),
        options: vec!["online".into(), "offline".into()],
        pattern: None,
        default: Some("offline".into()),
        secret: false,
        deadline_s: Some(900),
    }));
    app
}

/// Long titles while nothing runs: the list widens to show them whole.
fn long_titles() -> App {
    let mut info = info();
    info.steps[0].title = "Démarrer la sandbox locale sur le port 8080".into();
    info.steps[1].title = "Annoncer la fenêtre de maintenance dans #release".into();
    let mut app = App::new(info, false, false);
    app.apply(&Event::Waiting(Prompt::Run {
        step: "backup".into(),
        command: "cutover sandbox --listen 127.0.0.1:8080".into(),
    }));
    app
}

/// The step before passed and the next waits for Enter: what the first printed stays in view.
fn after_a_step_passed() -> App {
    let mut app = running();
    app.apply(&result("backup", StepStatus::Passed, "exit 0"));
    app.apply(&Event::Waiting(Prompt::Run {
        step: "migrate".into(),
        command: "npx prisma migrate deploy".into(),
    }));
    app
}

/// Waiting for Enter before an http check: the prompt says what Enter does for that kind.
fn about_to_check() -> App {
    let mut info = info();
    info.steps.insert(
        1,
        crate::protocol::run_info::StepInfo {
            id: "health".into(),
            title: "Step health".into(),
            phase: "main".into(),
            kind: crate::protocol::step_kind::StepKind::Http,
            description: String::new(),
            rollback: false,
            estimate_ms: None,
        },
    );
    let mut app = App::new(info, false, false);
    app.apply(&Event::Waiting(Prompt::Run {
        step: "health".into(),
        command: "GET http://127.0.0.1:8080/api/health → 200".into(),
    }));
    app
}

/// A step on three hosts: one passed, one failed, one still running; each line says whose.
fn on_hosts() -> App {
    let mut app = App::new(info(), false, false);
    app.apply(&started(
        "backup",
        "on web-1, web-2, web-3 (HOST each of them): systemctl restart nexus",
        false,
    ));
    for (host, status, message) in [
        ("web-1", HostStatus::Passed, "exit 0"),
        (
            "web-2",
            HostStatus::Unreachable,
            "ssh could not reach it or lost it (exit 255)",
        ),
    ] {
        app.apply(&Event::HostResult {
            step: "backup".into(),
            attempt: 1,
            host: host.into(),
            status,
            exit_code: None,
            duration_ms: 120,
            message: message.into(),
            output: None,
        });
    }
    app.apply(&Event::Output {
        step: "backup".into(),
        stream: Stream::Stdout,
        text: "web-1 | restarted\nweb-3 | waiting for the socket\n".into(),
    });
    app
}

/// A canary's metric gate: two samples passed at 10 %, then no data at 50 %; the operator is
/// asked, with the samples on screen.
fn inconclusive_gate() -> App {
    let mut app = App::new(info(), false, false);
    app.apply(&started(
        "migrate",
        "stages 10% → 50% · deploy --weight 10 (at 10%) · bake 0s · gates: canary-errors",
        false,
    ));
    let sample =
        |stage: u8, sample: u32, verdict: SampleVerdict, value: Option<&str>, reason: &str| {
            Event::MetricSample(Box::new(MetricSample {
                step: "migrate".into(),
                gate: Some("canary-errors".into()),
                stage: Some(stage),
                sample,
                query: "sum(rate(errors[1m])) / sum(rate(requests[1m]))".into(),
                eval_time: Some(1_700_000_000.0),
                value: value.map(str::to_string),
                baseline_query: None,
                baseline: None,
                verdict,
                reason: reason.into(),
                latency_ms: 3.0,
            }))
        };
    app.apply(&sample(
        10,
        1,
        SampleVerdict::Pass,
        Some("0"),
        "0 ≤ max 0.05",
    ));
    app.apply(&sample(
        10,
        2,
        SampleVerdict::Pass,
        Some("0.01"),
        "0.01 ≤ max 0.05",
    ));
    for n in 1..=2 {
        app.apply(&sample(
            50,
            n,
            SampleVerdict::Inconclusive,
            None,
            "the query: no data (no series)",
        ));
    }
    app.apply(&result(
        "migrate",
        StepStatus::Failed,
        "gate `canary-errors` was inconclusive at 50%: inconclusive, a person decides: 2 samples: 0 passed, 0 failed, 2 inconclusive: 2× the query: no data (no series)",
    ));
    app.apply(&Event::Waiting(Prompt::Failure {
        step: "migrate".into(),
        message: "gate `canary-errors` was inconclusive at 50%".into(),
        can_skip: true,
        in_rollback: false,
    }));
    app
}

macro_rules! screens {
    ($($name:ident => $state:expr,)*) => {$(
        #[test]
        fn $name() {
            let app = $state;
            insta::assert_snapshot!(concat!(stringify!($name), "_80x24"), render(&app, 80, 24));
            insta::assert_snapshot!(concat!(stringify!($name), "_120x40"), render(&app, 120, 40));
        }
    )*};
}

/// A run with estimates from earlier drills, a planned window of 30 minutes and a rollback
/// of 5: started at 02:00 UTC (a fixed clock), the first step running.
fn forecasting() -> App {
    let mut info = info();
    info.expected = Some(std::time::Duration::from_secs(30 * 60));
    info.rollback_ms = Some(5 * 60 * 1000);
    info.estimates_from = Some("4 earlier drills".into());
    for (index, step) in info.steps.iter_mut().enumerate() {
        if !step.rollback {
            step.estimate_ms = Some((index as u64 + 1) * 60_000);
        }
    }
    let mut app = App::new(info, false, false);
    app.started_wall = "2026-11-28T02:00:00Z".parse().unwrap();
    app.apply(&started("backup", "pg_dump --format=custom", false));
    app
}

screens! {
    the_header_forecasts_the_end_and_the_last_moment_to_roll_back => forecasting(),
    about_to_run_a_long_command => about_to_run(),
    running_with_output => running(),
    manual_step_with_checklist => manual(),
    failure_dialog => failure(),
    rollback_running => rollback(),
    run_finished => finished(),
    input_with_a_step_not_applicable => input_asked(),
    a_step_on_hosts => on_hosts(),
    about_to_send_a_request => about_to_check(),
    the_output_of_a_step_that_passed_stays_in_view => after_a_step_passed(),
    long_titles_widen_the_list_while_nothing_runs => long_titles(),
    an_inconclusive_metric_gate_asks_with_its_samples => inconclusive_gate(),
    browsed_away_the_question_still_names_its_step => browsed_away_while_asked(),
}

#[test]
fn the_viewer_reads_a_long_command_to_its_last_line_at_80x24() {
    let mut app = App::new(info(), false, false);
    let command: String = (1..=40).map(|n| format!("echo line-{n}\n")).collect();
    app.apply(&Event::Waiting(Prompt::Run {
        step: "migrate".into(),
        command,
    }));
    let key = |code| crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE);
    app.key(key(crossterm::event::KeyCode::Char('v')));
    // Drawn once, the viewer knows its page; End then shows the last screenful.
    render(&app, 80, 24);
    app.key(key(crossterm::event::KeyCode::End));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("echo line-40"), "{screen}");
    insta::assert_snapshot!("viewer_at_the_end_of_a_long_command_80x24", screen);
}

#[test]
fn browsed_away_the_question_still_names_its_step_at_60x20() {
    let screen = render(&browsed_away_while_asked(), 60, 20);
    assert!(screen.contains("Run migrate?"), "{screen}");
    insta::assert_snapshot!(
        "browsed_away_the_question_still_names_its_step_60x20",
        screen
    );
}

#[test]
fn the_whole_command_is_shown_before_it_runs_at_80x24() {
    let screen = render(&about_to_run(), 80, 24);
    assert!(
        screen.contains("echo /var/backups/nexus/nexus-20261122T020000Z.dump"),
        "{screen}"
    );
    assert!(!screen.contains("more lines"), "{screen}");
}

#[test]
fn a_command_too_long_for_the_window_says_so() {
    let screen = render(&about_to_run(), 50, 16);
    assert!(screen.contains("more lines (v"), "{screen}");
}

#[test]
fn ascii_mode_has_no_other_glyphs() {
    let mut app = failure();
    app.ascii = true;
    let screen = render(&app, 80, 24);
    assert!(screen.is_ascii(), "{screen}");
}

#[test]
fn hostile_output_never_reaches_the_screen() {
    let screen = render(&running(), 120, 40);
    assert!(!screen.contains("pwned"));
    assert!(!screen.contains('\u{1b}'));
    assert!(screen.contains("warning: slow disk"));
}

fn start_screen() -> crate::tui::start::StartScreen {
    use crate::tui::start::{Missing, StartScreen};
    let mut info = info();
    info.mode = crate::protocol::mode::Mode::Production;
    info.environment = Some("production".into());
    let missing = vec![Missing {
        name: "release".into(),
        description: "the version to deploy".into(),
        secret: false,
        pattern: Some(regex::Regex::new(r"^v\d+\.\d+\.\d+$").unwrap()),
    }];
    StartScreen::new(info, missing, Some("production".into()), false, false)
}

#[test]
fn start_screen_asks_for_variables_then_the_word() {
    use crate::tui::start::StartOutcome;
    use crossterm::event::{KeyCode, KeyEvent};
    let draw_start = |screen: &crate::tui::start::StartScreen, width, height| {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| screen.draw(frame)).unwrap();
        format!("{}", terminal.backend())
    };
    let mut screen = start_screen();
    insta::assert_snapshot!("start_80x24", draw_start(&screen, 80, 24));
    insta::assert_snapshot!("start_120x40", draw_start(&screen, 120, 40));
    for c in "1.2".chars() {
        screen.key(KeyEvent::from(KeyCode::Char(c)));
    }
    assert!(matches!(
        screen.key(KeyEvent::from(KeyCode::Enter)),
        StartOutcome::Continue
    ));
    assert!(screen.problem.as_deref().unwrap().contains("must match"));
    for c in "v1.2.3".chars() {
        screen.key(KeyEvent::from(KeyCode::Char(c)));
    }
    assert!(matches!(
        screen.key(KeyEvent::from(KeyCode::Enter)),
        StartOutcome::Continue
    ));
    for c in "prod".chars() {
        screen.key(KeyEvent::from(KeyCode::Char(c)));
    }
    assert!(
        matches!(
            screen.key(KeyEvent::from(KeyCode::Enter)),
            StartOutcome::Continue
        ),
        "the whole word"
    );
    for c in "production".chars() {
        screen.key(KeyEvent::from(KeyCode::Char(c)));
    }
    match screen.key(KeyEvent::from(KeyCode::Enter)) {
        StartOutcome::Start(values) => {
            assert_eq!(values, vec![("release".to_string(), "v1.2.3".to_string())])
        }
        _ => panic!("typing production starts the run"),
    }
    let mut secret = crate::tui::start::StartScreen::new(
        info(),
        vec![crate::tui::start::Missing {
            name: "token".into(),
            description: String::new(),
            secret: true,
            pattern: None,
        }],
        None,
        false,
        false,
    );
    for c in "hunter2".chars() {
        secret.key(KeyEvent::from(KeyCode::Char(c)));
    }
    let shown = draw_start(&secret, 80, 24);
    assert!(
        !shown.contains("hunter2") && shown.contains("•••••••"),
        "{shown}"
    );
}

#[test]
fn at_60_columns_the_header_leaves_out_whole_parts_never_cuts_one() {
    let screen = render(&forecasting(), 60, 20);
    let header: Vec<&str> = screen.lines().take(2).collect();
    for line in &header {
        assert!(
            !line.contains("roll back") || line.contains("to end in time"),
            "cut mid-phrase: {line}"
        );
        assert!(
            !line.contains("ends ~") || line.contains("UTC)"),
            "cut mid-phrase: {line}"
        );
    }
    insta::assert_snapshot!("header_at_60_columns", header.join("\n"));
}
