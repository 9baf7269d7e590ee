//! The timeline: every trusted entry, one line each — its time, a mark for failures and
//! decisions, what happened. On a TAMPERED journal it ends with a line that says where trust
//! ends and how many lines of the file are not shown.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::ListItem;

use crate::journal::history::model::Importance;
use crate::journal::verify::report::Verdict;
use crate::tui::review::state::ReviewApp;
use crate::tui::runbook_text::for_terminal;
use crate::tui::view::side_list::render_side_list;
use crate::tui::view::theme::Theme;

/// `22:51:29` from `2026-11-22T22:51:29.123Z`.
pub(crate) fn clock_of(ts: &str) -> &str {
    ts.get(11..19).unwrap_or(ts)
}

fn mark(importance: Importance, theme: Theme) -> (&'static str, Style) {
    match (importance, theme.ascii) {
        (Importance::Failure, false) => ("✗", theme.problem()),
        (Importance::Failure, true) => ("x", theme.problem()),
        (Importance::Decision, false) => ("◆", theme.accent()),
        (Importance::Decision, true) => ("*", theme.accent()),
        (Importance::Routine, _) => (" ", theme.dim()),
    }
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &ReviewApp, theme: Theme) {
    let history = &app.history;
    let mut items: Vec<ListItem> = history
        .timeline
        .iter()
        .map(|entry| {
            let (glyph, style) = mark(entry.importance, theme);
            let text_style = match entry.importance {
                Importance::Routine => Style::default(),
                _ => style,
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{} ", clock_of(&entry.ts)), theme.dim()),
                Span::styled(format!("{glyph} "), style),
                Span::styled(for_terminal(&entry.words), text_style),
            ]))
        })
        .collect();
    if history.trust.verdict == Verdict::Tampered {
        let first_untrusted = history.timeline.last().map_or(1, |e| e.line + 1);
        let rule = if theme.ascii { "==" } else { "━━" };
        items.push(ListItem::new(Line::from(Span::styled(
            format!(
                "{rule} trust ends here: lines {first_untrusted} to {} are not shown {rule}",
                history.trust.total_lines.max(first_untrusted)
            ),
            theme.problem().add_modifier(Modifier::REVERSED),
        ))));
    }
    render_side_list(frame, area, items, app.selected, theme);
}
