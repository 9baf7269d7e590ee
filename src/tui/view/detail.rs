//! The selected step: what it is, the resolved command or request, live progress, its output
//! (following the tail, scrollable), its result and notes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::Theme;
use crate::engine::steps::http::ProbeSummary;
use crate::tui::state::{App, StepState};

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(row) = app.selected_row() else {
        return;
    };
    let mut top: Vec<Line> = Vec::new();
    let attempt = if row.attempt > 1 {
        format!(" — attempt {}", row.attempt)
    } else {
        String::new()
    };
    top.push(Line::from(vec![
        Span::styled(
            row.info.title.clone(),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!("  [{} {}]{attempt}", row.info.kind, row.info.id),
            theme.dim(),
        ),
    ]));
    if !row.info.description.is_empty() {
        top.push(Line::from(row.info.description.clone()));
    }
    if !row.action.is_empty() {
        let prompt = if row.info.kind == "command"
            || row.info.kind == "service"
            || row.info.kind == "progressive"
        {
            "$ "
        } else {
            ""
        };
        top.push(Line::from(Span::styled(
            format!("{prompt}{}", row.action),
            theme.accent(),
        )));
    }
    for stage in &row.stages {
        top.push(Line::from(format!("  stage {stage}")));
    }
    if !row.probe.is_empty() {
        top.push(Line::from(format!(
            "probe so far: {}",
            ProbeSummary::of(&row.probe, row.probe_errors)
        )));
    }
    if let Some(progress) = &row.progress
        && row.state == StepState::Running
    {
        top.push(Line::from(Span::styled(progress.clone(), theme.accent())));
    }
    let mut bottom: Vec<Line> = Vec::new();
    if let StepState::Done(status) = row.state {
        let duration = row
            .duration
            .map(|d| format!(" in {:.1}s", d.as_secs_f64()))
            .unwrap_or_default();
        let word = serde_json::to_value(status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        bottom.push(Line::from(vec![
            Span::styled(
                format!("{} {word}{duration}", theme.glyph(row.state)),
                theme.state_style(row.state),
            ),
            Span::raw(format!(": {}", row.message)),
        ]));
    }
    for note in &row.notes {
        bottom.push(Line::from(Span::styled(note.clone(), theme.dim())));
    }
    let width = area.width.max(1) as usize;
    let wrapped_height = |lines: &[Line]| -> u16 {
        lines
            .iter()
            .map(|l| (l.width().max(1)).div_ceil(width))
            .sum::<usize>() as u16
    };
    let top_height = wrapped_height(&top).min(area.height / 2);
    let bottom_height = wrapped_height(&bottom).min(area.height / 4);
    let [top_area, output_area, bottom_area] = Layout::vertical([
        Constraint::Length(top_height),
        Constraint::Min(3),
        Constraint::Length(bottom_height),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(top).wrap(Wrap { trim: false }), top_area);
    render_output(frame, output_area, app, &row.info.id, theme);
    frame.render_widget(
        Paragraph::new(bottom).wrap(Wrap { trim: false }),
        bottom_area,
    );
}

fn render_output(frame: &mut Frame, area: Rect, app: &App, step: &str, theme: Theme) {
    let inner_height = area.height.saturating_sub(1) as usize;
    let (lines, total) = match app.outputs.get(step) {
        Some(buffer) => {
            let max_scroll = buffer.len().saturating_sub(inner_height);
            let scroll = app.scroll.min(max_scroll);
            (buffer.window(inner_height, scroll), (buffer.len(), scroll))
        }
        None => (Vec::new(), (0, 0)),
    };
    let title = match total {
        (0, _) => " output ".to_string(),
        (count, 0) => format!(" output ({count} lines) "),
        (count, up) => format!(" output ({count} lines, {up} up — End follows) "),
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(title, theme.dim()))
        .border_style(theme.dim());
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
