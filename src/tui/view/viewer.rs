//! The viewer on the whole screen: the text wrapped to the width, from the line at its top,
//! with where it is and the keys on the frame.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::Theme;
use crate::tui::sanitize::Sanitizer;
use crate::tui::viewer::Viewer;

pub(crate) fn render(frame: &mut Frame, area: Rect, viewer: &Viewer, theme: Theme) {
    let [text_area, bottom] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let total = viewer.lines.len();
    // Below the frame's top border.
    viewer
        .rows
        .set(usize::from(text_area.height.saturating_sub(1)));
    let shown_to = total.min(viewer.top + usize::from(text_area.height));
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(
            format!(
                " {} — lines {}–{shown_to} of {total} ",
                viewer.title,
                (viewer.top + 1).min(total)
            ),
            theme.accent(),
        ))
        .border_style(theme.dim());
    let lines: Vec<Line<'static>> = viewer.lines[viewer.top.min(total)..]
        .iter()
        .take(usize::from(text_area.height) * 2)
        .map(|raw| Sanitizer::line(raw))
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        text_area,
    );
    let said = match (&viewer.search, &viewer.problem) {
        (Some(entry), _) => Line::from(vec![
            Span::styled("/", theme.accent()),
            Span::raw(entry.text()),
            Span::raw(if theme.ascii { "_" } else { "▏" }),
        ]),
        (None, Some(problem)) => Line::from(Span::styled(problem.clone(), theme.problem())),
        (None, None) => Line::from(Span::styled(
            "↑↓ PgUp PgDn Home End move · / find · n next · q back",
            theme.dim(),
        )),
    };
    frame.render_widget(Paragraph::new(said), bottom);
}
