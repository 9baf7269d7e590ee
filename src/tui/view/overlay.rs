//! Boxes drawn over the screen: help, "suspend here?", "abort the step?", a free note, and the
//! end of the run.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::tui::state::{App, Overlay};

const HELP: &[(&str, &str)] = &[
    ("Enter", "answer the question: it names its step"),
    ("Space", "tick the selected checklist item"),
    ("↑ ↓", "move between steps or checklist items"),
    ("n", "add a note (journaled)"),
    (
        "r s m b a",
        "after a failure: retry, skip, mark done, roll back, abort (b and a ask first)",
    ),
    ("PgUp PgDn", "scroll the output"),
    ("v", "the command, statement or output whole; / finds"),
    ("w", "wrap long output lines, or cut them at the edge"),
    ("Home", "the oldest output"),
    ("f End", "back to the step the run is at; follow its output"),
    ("d", "detach: the run goes on; `cutover attach` comes back"),
    ("q", "quit: detach, or suspend the run (resumable)"),
    (
        "Ctrl-C",
        "asks: stop the running step, then choose; between steps: quit",
    ),
    (
        "Alt-Enter",
        "in a note or a reason: a new line (Enter gives it, Esc cancels)",
    ),
    ("?", "this help"),
];

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

fn boxed(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>, theme: Theme) {
    let width = lines
        .iter()
        .map(|l| l.width() as u16)
        .max()
        .unwrap_or(20)
        .max(title.len() as u16 + 4)
        + 4;
    let rect = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" {title} "),
        theme.accent().add_modifier(Modifier::BOLD),
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    match app.overlay {
        Overlay::Help => {
            let mut lines: Vec<Line> = HELP
                .iter()
                .map(|(key, what)| {
                    let key = if theme.ascii {
                        key.replace('↑', "Up").replace('↓', "Down")
                    } else {
                        key.to_string()
                    };
                    Line::from(vec![
                        Span::styled(format!("{key:<10}"), theme.accent()),
                        Span::raw(*what),
                    ])
                })
                .collect();
            // The journal's bookkeeping, for whoever wants it: the header is for the run.
            let anchor = app
                .journal_anchor
                .as_deref()
                .map(|a| format!(", checkpoint at byte {}", a.split(':').next().unwrap_or(a)))
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!(
                    "journal: {}{anchor}",
                    crate::terminal_text::counted(app.journal_entries, "entry", "entries")
                ),
                theme.dim(),
            )));
            boxed(frame, area, "Keys", lines, theme);
        }
        Overlay::ConfirmQuit => boxed(
            frame,
            area,
            "Quit?",
            vec![
                Line::from("Detach: the run goes on without a screen;"),
                Line::from("`cutover attach` comes back to it."),
                Line::from("Suspend: the run stops before its next step;"),
                Line::from("`cutover resume` continues it later."),
                Line::from(Span::styled(
                    "d detach · s suspend · Esc keep going",
                    theme.accent(),
                )),
            ],
            theme,
        ),
        Overlay::ConfirmInterrupt => boxed(
            frame,
            area,
            "Ctrl-C",
            vec![
                Line::from("Stop the running step? Its processes get SIGTERM,"),
                Line::from("then SIGKILL after the grace; then you choose: retry,"),
                Line::from("skip, mark done, roll back or abort."),
                Line::from(Span::styled("s stop the step · c continue", theme.accent())),
            ],
            theme,
        ),
        Overlay::ConfirmIrreversible(act) => boxed(
            frame,
            area,
            match act {
                crate::tui::text_entry::Irreversible::Rollback => "Roll back?",
                crate::tui::text_entry::Irreversible::Abort => "Abort the run?",
            },
            vec![
                Line::from(act.consequence()),
                Line::from(Span::styled(
                    "y yes · any other key: no, back to the question",
                    theme.accent(),
                )),
            ],
            theme,
        ),
        Overlay::None => {}
    }
    if let Some(entry) = &app.free_note {
        let rect = centered(area, area.width.saturating_sub(8).min(70), 7);
        frame.render_widget(Clear, rect);
        super::question::render_entry(frame, rect, entry, theme);
    }
    if app.overlay == Overlay::None && app.question.is_none() {
        let ended = match (&app.finished, &app.suspended) {
            (Some((status, took)), _) => Some((
                "Run finished",
                format!("The run {status} in {}.", super::header::clock(*took)),
            )),
            (None, Some(reason)) => Some((
                "Run suspended",
                format!("Suspended: {reason}. `cutover resume` continues it."),
            )),
            _ => None,
        };
        if let Some((title, message)) = ended {
            let mut lines = vec![
                Line::from(message),
                Line::from(format!("Journal: {}/journal.log", app.info.run_dir)),
            ];
            if let Some(anchor) = &app.journal_anchor {
                lines.push(Line::from(format!("Anchor for the ticket: {anchor}")));
            }
            lines.push(Line::from(Span::styled(
                "q quit · ↑↓ review the steps",
                theme.accent(),
            )));
            boxed(frame, area, title, lines, theme);
        }
    }
}
