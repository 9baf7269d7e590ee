//! The header: runbook title, mode badge, operator, elapsed time, window countdown, journal.

use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::runbook::duration::format_duration;
use crate::tui::state::App;

pub(crate) fn clock(duration: Duration) -> String {
    let seconds = duration.as_secs();
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, now: Instant, theme: Theme) {
    let (badge, badge_style) = theme.badge(app.info.mode);
    let sep = theme.separator();
    let elapsed = now.saturating_duration_since(app.started);
    let mut first = vec![
        Span::styled(badge, badge_style),
        Span::raw(" "),
        Span::styled(
            app.info.title.clone(),
            Style::default().add_modifier(ratatui::style::Modifier::BOLD),
        ),
    ];
    first.push(Span::raw(sep));
    first.push(Span::raw(format!("elapsed {}", clock(elapsed))));
    if let Some(expected) = app.info.expected {
        first.push(Span::styled(
            format!(" / {}", format_duration(expected)),
            theme.dim(),
        ));
    }
    let mut second = vec![Span::raw(format!("operator {}", app.info.operator))];
    if let Some((opened, length)) = app.window {
        let spent = now.saturating_duration_since(opened);
        second.push(Span::raw(sep));
        if spent <= length {
            second.push(Span::styled(
                format!("window {} left", clock(length - spent)),
                theme.accent(),
            ));
        } else {
            second.push(Span::styled(
                format!("window OVERRUN {}", clock(spent - length)),
                theme.problem(),
            ));
        }
    }
    second.push(Span::raw(sep));
    let anchor = app
        .journal_anchor
        .as_deref()
        .map(|a| format!(", checkpoint at {}", a.split(':').next().unwrap_or(a)))
        .unwrap_or_default();
    second.push(Span::styled(
        format!("journal {} entries{anchor}", app.journal_entries),
        theme.dim(),
    ));
    frame.render_widget(
        Paragraph::new(vec![Line::from(first), Line::from(second)]),
        area,
    );
}
