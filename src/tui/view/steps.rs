//! The step list: every step with its status glyph, grouped by phase, the rollback section last.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::ListItem;

use super::side_list::render_side_list;
use super::theme::Theme;
use crate::tui::state::App;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let mut items = Vec::new();
    let mut phase = String::new();
    let mut selected_item = 0;
    for (index, row) in app.rows.iter().enumerate() {
        let group = if row.info.rollback {
            "rollback".to_string()
        } else {
            row.info.phase.clone()
        };
        if group != phase {
            items.push(ListItem::new(Line::from(Span::styled(
                group.clone(),
                theme.dim().add_modifier(Modifier::BOLD),
            ))));
            phase = group;
        }
        if index == app.selected {
            selected_item = items.len();
        }
        let glyph = theme.glyph(row.state);
        let style = theme.state_style(row.state);
        items.push(ListItem::new(Line::from(vec![
            Span::styled(format!(" {glyph} "), style),
            Span::styled(row.info.title.clone(), style),
        ])));
    }
    render_side_list(frame, area, items, selected_item, theme);
}
