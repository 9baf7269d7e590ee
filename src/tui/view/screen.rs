//! The main screen: header, step list, selected step, question, footer, overlays. Fits 80x24
//! and grows with the window.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::theme::Theme;
use super::{detail, footer, header, overlay, question, steps};
use crate::tui::state::App;

pub(crate) fn draw(frame: &mut Frame, app: &App, now: Instant) {
    let theme = Theme {
        ascii: app.ascii,
        color: app.color,
    };
    if let Some(viewer) = &app.viewer {
        super::viewer::render(frame, frame.area(), viewer, theme);
        if app.ascii {
            super::ascii::asciify(frame.buffer_mut());
        }
        return;
    }
    let [header_area, body, footer_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    header::render(frame, header_area, app, now, theme);
    let list_width = list_width(app, body.width);
    let [list_area, right] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(30)]).areas(body);
    steps::render(frame, list_area, app, theme);
    let question_height =
        question::height(app, right.width, theme).min(right.height.saturating_sub(4));
    let [detail_area, question_area] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(question_height)]).areas(right);
    let padded = ratatui::layout::Rect {
        x: detail_area.x + 1,
        width: detail_area.width.saturating_sub(1),
        ..detail_area
    };
    detail::render(frame, padded, app, theme);
    question::render(frame, question_area, app, theme);
    footer::render(frame, footer_area, app, theme);
    overlay::render(frame, frame.area(), app, theme);
    if app.ascii {
        super::ascii::asciify(frame.buffer_mut());
    }
}

/// The step list's width: a third of the screen (22 to 40 columns), wider — up to half the
/// screen, never leaving the detail under 30 columns — when titles need it and no step is
/// running, so that titles can be read whole while nothing prints.
fn list_width(app: &App, width: u16) -> u16 {
    let third = (width / 3).clamp(22, 40);
    let running = app
        .rows
        .iter()
        .any(|row| row.state == crate::tui::state::StepState::Running);
    if running {
        return third;
    }
    // A row is its marker and glyph (3 columns), its title, and the border.
    let longest = app
        .rows
        .iter()
        .map(|row| row.info.title.chars().count() as u16 + 4)
        .max()
        .unwrap_or(0);
    let widest = (width / 2).min(width.saturating_sub(30));
    longest.clamp(third, widest.max(third))
}
