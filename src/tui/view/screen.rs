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
    let [header_area, body, footer_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    header::render(frame, header_area, app, now, theme);
    let list_width = (body.width / 3).clamp(22, 40);
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
