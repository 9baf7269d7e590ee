//! The top of the review: the verdict first, then what the run is and how it ended; on a
//! TAMPERED journal, the first error, so that nobody reads on without knowing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::journal::verify::report::Verdict;
use crate::tui::review::state::ReviewApp;
use crate::tui::runbook_text::for_terminal;
use crate::tui::view::theme::Theme;

fn verdict_style(verdict: Verdict, theme: Theme) -> Style {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    if !theme.color {
        return bold.add_modifier(Modifier::REVERSED);
    }
    let color = match verdict {
        Verdict::Valid => Color::Green,
        Verdict::Incomplete => Color::Yellow,
        Verdict::Tampered => Color::Red,
    };
    bold.bg(color).fg(Color::Black)
}

pub(crate) fn lines(app: &ReviewApp, theme: Theme) -> Vec<Line<'static>> {
    let history = &app.history;
    let trust = &history.trust;
    let header = &history.header;
    let word = format!(" {} ", trust.verdict.word());
    let sep = theme.separator();
    let mode = match &header.target {
        Some(target) => format!("{} (target {})", header.mode.as_str(), for_terminal(target)),
        None => header.mode.as_str().to_string(),
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(word, verdict_style(trust.verdict, theme)),
            Span::raw(" "),
            Span::styled(
                for_terminal(&header.runbook.title),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("{sep}{mode}{sep}{}", history.status_word())),
        ]),
        Line::from(Span::styled(
            format!(
                "operator {}{sep}key {}",
                for_terminal(&header.operator.principal),
                header.operator.fingerprint,
            ),
            theme.dim(),
        )),
        Line::from(Span::styled(
            format!(
                "started {} on {}{sep}{} trusted entries",
                history.started(),
                for_terminal(&header.host),
                history.timeline.len(),
            ),
            theme.dim(),
        )),
    ];
    lines.push(Line::from(Span::styled(
        format!("signed: {}", trust.signatures.sentence()),
        theme.dim(),
    )));
    if let Some(anchor) = &trust.anchor {
        lines.push(Line::from(Span::styled(
            format!("anchor {anchor}"),
            theme.dim(),
        )));
    }
    if let Some(error) = &trust.error {
        lines.push(Line::from(Span::styled(
            format!("first error: {}", for_terminal(&error.to_string())),
            theme.problem(),
        )));
    }
    for warning in &trust.warnings {
        lines.push(Line::from(Span::styled(
            for_terminal(&warning.to_string()),
            theme.accent(),
        )));
    }
    lines
}

pub(crate) fn height(app: &ReviewApp, width: u16, theme: Theme) -> u16 {
    Paragraph::new(lines(app, theme))
        .wrap(Wrap { trim: false })
        .line_count(width.max(1))
        .min(7) as u16
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &ReviewApp, theme: Theme) {
    frame.render_widget(
        Paragraph::new(lines(app, theme)).wrap(Wrap { trim: false }),
        area,
    );
}
