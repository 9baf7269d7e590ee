//! The list on the left of both screens (the run's steps, the review's timeline): a line per
//! item, a rule on its right, the selected item reversed and kept in view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState};

use super::theme::Theme;

pub(crate) fn render_side_list(
    frame: &mut Frame,
    area: Rect,
    items: Vec<ListItem>,
    selected: usize,
    theme: Theme,
) {
    let block = Block::default()
        .borders(Borders::RIGHT)
        .border_style(theme.dim());
    let list = List::new(items)
        .block(block)
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut state = ListState::default().with_selected(Some(selected));
    frame.render_stateful_widget(list, area, &mut state);
}
