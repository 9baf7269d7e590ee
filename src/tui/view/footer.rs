//! The footer: the keys that do something now.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::engine::events::Prompt;
use crate::tui::state::{App, Overlay};

pub(crate) fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.watching {
        return vec![
            ("watching", "read-only"),
            ("↑↓", "steps"),
            ("PgUp/PgDn", "output"),
            ("q", "leave"),
        ];
    }
    if app.overlay != Overlay::None {
        return match app.overlay {
            Overlay::ConfirmQuit => vec![("d", "detach"), ("s", "suspend"), ("Esc", "keep going")],
            Overlay::ConfirmInterrupt => vec![("s", "stop the step"), ("c", "continue")],
            Overlay::ConfirmIrreversible(_) => vec![("y", "yes"), ("any other key", "no")],
            _ => vec![("any key", "close")],
        };
    }
    if app.finished.is_some() || app.suspended.is_some() {
        return vec![("↑↓", "steps"), ("PgUp/PgDn", "output"), ("q", "quit")];
    }
    if app.free_note.is_some() || app.question.as_ref().is_some_and(|q| q.entry.is_some()) {
        let single = app
            .question
            .as_ref()
            .and_then(|q| q.entry.as_ref())
            .is_some_and(|e| e.single_line())
            && app.free_note.is_none();
        return if single {
            vec![("Enter", "submit"), ("Esc", "clear")]
        } else {
            vec![
                ("Enter", "submit"),
                ("Alt-Enter", "new line"),
                ("Esc", "cancel"),
            ]
        };
    }
    let mut keys: Vec<(&'static str, &'static str)> = match app.question.as_ref().map(|q| &q.prompt)
    {
        Some(Prompt::Run { .. }) => vec![("Enter", "run")],
        Some(Prompt::Manual {
            checklist,
            can_fail,
            ..
        }) => {
            let mut keys = if checklist.is_empty() {
                vec![("n", "note"), ("Enter", "confirm")]
            } else {
                vec![
                    ("Space", "tick"),
                    ("↑↓", "move"),
                    ("n", "note"),
                    ("Enter", "confirm"),
                ]
            };
            if *can_fail {
                keys.push(("f", "it did not work"));
            }
            keys
        }
        Some(Prompt::Failure {
            can_skip,
            in_rollback,
            ..
        }) => {
            let mut keys = vec![("r", "retry")];
            if *can_skip {
                keys.push(("s", "skip"));
            }
            if !in_rollback {
                keys.push(("m", "mark done"));
                keys.push(("b", "roll back"));
            }
            keys.push(("a", "abort"));
            keys
        }
        Some(Prompt::Wait { .. }) => vec![("s", "skip")],
        // Other people approve, from their own terminals; here one can only wait or stop.
        Some(Prompt::Approvals { .. }) => vec![("a", "abort")],
        Some(Prompt::Decision { .. }) => vec![("↑↓", "option"), ("Enter", "decide")],
        Some(Prompt::Phrase { .. } | Prompt::Input { .. }) | None => Vec::new(),
    };
    if !matches!(
        app.question.as_ref().map(|q| &q.prompt),
        Some(Prompt::Manual { .. } | Prompt::Decision { .. })
    ) {
        keys.push(("↑↓", "steps"));
    }
    keys.push(("v", "view"));
    keys.push(("PgUp/PgDn", "output"));
    if !matches!(
        app.question.as_ref().map(|q| &q.prompt),
        Some(Prompt::Manual { .. })
    ) {
        keys.push(("n", "note"));
    }
    keys.push(("d", "detach"));
    keys.push(("q", "quit"));
    keys.push(("?", "help"));
    keys
}

/// How long an act's confirmation stays in the footer.
const SAID_FOR: std::time::Duration = std::time::Duration::from_secs(4);

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    // What was just journaled of an act: instead of the keys while nothing is asked; after
    // them, if it fits, while a question needs its keys.
    let said = app
        .said
        .as_ref()
        .filter(|(_, at)| at.elapsed() < SAID_FOR && app.overlay == Overlay::None)
        .map(|(text, _)| Span::styled(format!("✓ {text}"), theme.accent()));
    if let Some(said) = &said
        && app.question.is_none()
        && app.finished.is_none()
        && app.suspended.is_none()
    {
        frame.render_widget(Paragraph::new(Line::from(said.clone())), area);
        return;
    }
    let mut spans = Vec::new();
    for (index, (key, action)) in keys(app).into_iter().enumerate() {
        if index > 0 {
            spans.push(Span::raw("  "));
        }
        let key = if theme.ascii {
            key.replace('↑', "Up").replace('↓', "/Down")
        } else {
            key.to_string()
        };
        spans.push(Span::styled(key, theme.accent()));
        spans.push(Span::raw(format!(" {action}")));
    }
    if let Some(said) = said {
        let used: usize = spans.iter().map(Span::width).sum();
        if used + 2 + said.width() <= usize::from(area.width) {
            spans.push(Span::raw("  "));
            spans.push(said);
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
