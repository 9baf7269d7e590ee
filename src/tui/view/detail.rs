//! The selected step: what it is, the resolved command or request, live progress, its output
//! (following the tail, scrollable), its result and notes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::Theme;
use crate::engine::steps::http_probe::ProbeSummary;
use crate::tui::runbook_text::{for_terminal, paragraphs};
use crate::tui::state::{App, StepState};

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
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
    for paragraph in paragraphs(&row.info.description) {
        top.push(Line::from(paragraph));
    }
    if !row.action.is_empty() {
        let prompt = if row.info.kind.runs_a_command() {
            "$ "
        } else {
            ""
        };
        // One screen line per line of the command, continuation lines under the first.
        for (index, line) in row.action.lines().enumerate() {
            let lead = if index == 0 { prompt } else { "  " };
            top.push(Line::from(Span::styled(
                format!("{lead}{}", for_terminal(line)),
                theme.accent(),
            )));
        }
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
    // A metric gate's samples as a small series of verdicts, then the last reason.
    for series in &row.metrics {
        let mut spans = vec![Span::styled(
            format!("  {:<20} ", series.label),
            theme.dim(),
        )];
        for verdict in &series.verdicts {
            let (glyph, style) = theme.verdict(*verdict);
            spans.push(Span::styled(glyph, style));
        }
        spans.push(Span::styled(format!("  {}", series.last), theme.dim()));
        top.push(Line::from(spans));
    }
    // Hosts × status: one line per host of a step run over ssh.
    for (host, status, message) in &row.hosts {
        let style = if status.is_failure() {
            theme.state_style(StepState::Done(crate::protocol::status::StepStatus::Failed))
        } else {
            theme.dim()
        };
        top.push(Line::from(vec![
            Span::styled(format!("  {host:<16} {:<12}", status.as_str()), style),
            Span::styled(message.clone(), theme.dim()),
        ]));
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
        let word = status.as_str();
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
    // Wrapped exactly as drawn, so a command is never cut without saying so.
    let wrapped_height = |lines: &[Line]| -> u16 {
        Paragraph::new(lines.to_vec())
            .wrap(Wrap { trim: false })
            .line_count(area.width.max(1))
            .try_into()
            .unwrap_or(u16::MAX)
    };
    let bottom_height = wrapped_height(&bottom).min(area.height / 4);
    // Before a step has output, the command it is about to run gets all the room it needs:
    // the operator must see all of it before pressing Enter.
    let has_output = app.outputs.get(&row.info.id).is_some_and(|o| !o.is_empty());
    let room = if has_output {
        area.height / 2
    } else {
        area.height.saturating_sub(bottom_height + 3)
    };
    let needed = wrapped_height(&top);
    let top_height = needed.min(room);
    let [top_area, output_area, bottom_area] = Layout::vertical([
        Constraint::Length(top_height),
        Constraint::Min(3),
        Constraint::Length(bottom_height),
    ])
    .areas(area);
    if needed > top_height && top_height > 1 {
        let [shown, more] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(top_area);
        frame.render_widget(Paragraph::new(top).wrap(Wrap { trim: false }), shown);
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("… {} more lines (v shows all)", needed - top_height + 1),
                theme.problem(),
            )),
            more,
        );
    } else {
        frame.render_widget(Paragraph::new(top).wrap(Wrap { trim: false }), top_area);
    }
    // Until this step starts, the step that ended before it keeps its output in view: a step
    // that passes does not take what it printed away with it while the next waits for Enter.
    let not_started = matches!(row.state, StepState::Pending | StepState::Waiting);
    let shown_output = match app.outputs.get(&row.info.id) {
        Some(output) if !output.is_empty() => OutputOf::Own(&row.info.id),
        _ if !not_started => OutputOf::Own(&row.info.id),
        _ => match previous_with_output(app) {
            Some(previous) => OutputOf::Previous(previous),
            None => OutputOf::Own(&row.info.id),
        },
    };
    render_output(frame, output_area, app, shown_output, theme);
    frame.render_widget(
        Paragraph::new(bottom).wrap(Wrap { trim: false }),
        bottom_area,
    );
}

/// Whose output the output pane shows.
enum OutputOf<'a> {
    Own(&'a str),
    /// The step that ended just before the selected one, which has none yet.
    Previous(&'a str),
}

/// The last step before the selected one that ended (steps not reached or not applicable
/// passed over), when it printed something.
fn previous_with_output(app: &App) -> Option<&str> {
    let previous = app.rows[..app.selected.min(app.rows.len())]
        .iter()
        .rev()
        .find(|row| matches!(row.state, StepState::Done(_)))?;
    let printed = app
        .outputs
        .get(&previous.info.id)
        .is_some_and(|output| !output.is_empty());
    printed.then_some(previous.info.id.as_str())
}

fn render_output(frame: &mut Frame, area: Rect, app: &App, shown: OutputOf<'_>, theme: Theme) {
    let step = match shown {
        OutputOf::Own(step) | OutputOf::Previous(step) => step,
    };
    let inner_height = area.height.saturating_sub(1) as usize;
    let (mut lines, total) = match app.outputs.get(step) {
        Some(buffer) => {
            let max_scroll = buffer.len().saturating_sub(inner_height);
            let scroll = app.scroll.min(max_scroll);
            (buffer.window(inner_height, scroll), (buffer.len(), scroll))
        }
        None => (Vec::new(), (0, 0)),
    };
    // Wrapped, a long line's end (the reason an error gives last) stays on screen: lines are
    // dropped from the top until the wrapped rows fit, so the newest line is always there.
    if app.wrap_output {
        let width = usize::from(area.width.max(1));
        let mut rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
        while rows > inner_height && lines.len() > 1 {
            rows -= lines.remove(0).width().max(1).div_ceil(width);
        }
    }
    let whose = match shown {
        OutputOf::Own(_) => String::new(),
        OutputOf::Previous(step) => format!(" of {step}, which ended"),
    };
    let title = match total {
        (0, _) => " output ".to_string(),
        (count, 0) => format!(
            " output{whose} ({}) ",
            crate::terminal_text::counted(count as u64, "line", "lines")
        ),
        (count, up) => format!(
            " output{whose} ({}, {up} up — End follows) ",
            crate::terminal_text::counted(count as u64, "line", "lines")
        ),
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(title, theme.dim()))
        .border_style(theme.dim());
    let paragraph = Paragraph::new(lines).block(block);
    let paragraph = if app.wrap_output {
        paragraph.wrap(Wrap { trim: false })
    } else {
        paragraph
    };
    frame.render_widget(paragraph, area);
}
