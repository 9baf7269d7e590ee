//! The review screen: the verdict on top, the timeline on the left, the selected entry on the
//! right, the keys at the bottom; `?` lays the help over it. Fits 80x24 and grows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{banner, detail, timeline};
use crate::tui::review::state::ReviewApp;
use crate::tui::view::ascii::asciify;
use crate::tui::view::theme::Theme;

const HELP: &[(&str, &str)] = &[
    ("↑ ↓  k j", "previous / next entry"),
    ("Home End", "first / last entry"),
    ("f  F", "next / previous failure"),
    ("d  D", "next / previous decision or confirmation"),
    ("PgUp PgDn", "scroll the selected attempt's output"),
    ("?", "this help"),
    ("q  Esc", "quit"),
];

pub fn draw(frame: &mut Frame, app: &ReviewApp) {
    let theme = Theme {
        ascii: app.ascii,
        color: app.color,
    };
    let area = frame.area();
    let banner_height = banner::height(app, area.width, theme);
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(banner_height),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    banner::render(frame, top, app, theme);
    let left_width = (body.width * 9 / 20).clamp(30, 70);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Min(20)]).areas(body);
    timeline::render(frame, left, app, theme);
    let right = Rect {
        x: right.x + 1,
        width: right.width.saturating_sub(1),
        ..right
    };
    detail::render(frame, right, app, theme);
    footer(frame, bottom, app, theme);
    if app.help {
        help(frame, area, theme);
    }
    if app.ascii {
        asciify(frame.buffer_mut());
    }
}

fn footer(frame: &mut Frame, area: Rect, app: &ReviewApp, theme: Theme) {
    let line = match &app.message {
        Some(message) => Line::from(Span::styled(message.clone(), theme.accent())),
        None => {
            let keys = [
                ("↑↓", "entries"),
                ("f/F", "failures"),
                ("d/D", "decisions"),
                ("PgUp/PgDn", "output"),
                ("?", "help"),
                ("q", "quit"),
            ];
            let mut spans = vec![Span::styled("read-only  ", theme.dim())];
            for (key, what) in keys {
                spans.push(Span::styled(key, theme.accent()));
                spans.push(Span::raw(format!(" {what}  ")));
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn help(frame: &mut Frame, area: Rect, theme: Theme) {
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!("{keys:<11}"), theme.accent()),
                Span::raw(*what),
            ])
        })
        .chain([
            Line::from(""),
            Line::from(Span::styled(
                "The review only reads: nothing you press changes the run.",
                theme.dim(),
            )),
        ])
        .collect();
    let width = 62.min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, cell);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Review — keys (any key closes) "),
        ),
        cell,
    );
}
