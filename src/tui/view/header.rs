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
    let mut first: Vec<Vec<Span<'static>>> = vec![vec![
        Span::styled(badge, badge_style),
        Span::raw(" "),
        Span::styled(
            app.info.title.clone(),
            Style::default().add_modifier(ratatui::style::Modifier::BOLD),
        ),
    ]];
    let mut clock_part = vec![Span::raw(format!("elapsed {}", clock(elapsed)))];
    if let Some(expected) = app.info.expected {
        clock_part.push(Span::styled(
            format!(" / {}", format_duration(expected)),
            theme.dim(),
        ));
    }
    first.push(clock_part);
    let forecast = forecast(app, now);
    if let Some((text, late, _)) = &forecast {
        first.push(vec![Span::styled(
            text.clone(),
            if *late { theme.problem() } else { theme.dim() },
        )]);
        // What the forecast stands on, so nobody takes sandbox seconds for production minutes.
        if let Some(basis) = &app.info.estimates_from {
            first.push(vec![Span::styled(format!("({basis})"), theme.dim())]);
        }
    }
    // Who acts now: the person at the controls of an attached run, by the principal their key
    // proved; else the run's operator. Then where the run is, its window, the rollback's
    // latest start: whatever does not fit whole is left out, never cut mid-word.
    let mut second: Vec<Vec<Span<'static>>> = vec![vec![Span::raw(match &app.controls_held_by {
        Some(holder) => format!("controls: {holder}"),
        None => format!("operator {}", app.info.operator),
    })]];
    if let Some((opened, length)) = app.window {
        let spent = now.saturating_duration_since(opened);
        second.push(vec![if spent <= length {
            Span::styled(
                format!("window {} left", clock(length - spent)),
                theme.accent(),
            )
        } else {
            Span::styled(
                format!("window OVERRUN {}", clock(spent - length)),
                theme.problem(),
            )
        }]);
    }
    if let Some((_, _, Some(by))) = &forecast {
        second.push(vec![Span::styled(by.clone(), theme.accent())]);
    }
    if let Some(at) = progress(app) {
        second.push(vec![Span::raw(at)]);
    }
    let width = usize::from(area.width);
    frame.render_widget(
        Paragraph::new(vec![fitted(first, sep, width), fitted(second, sep, width)]),
        area,
    );
}

/// `parts` joined by `sep`, in order, each whole: one that does not fit in `width` is left
/// out (a shorter one after it may still fit). The first part is always there.
fn fitted(parts: Vec<Vec<Span<'static>>>, sep: &'static str, width: usize) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (index, part) in parts.into_iter().enumerate() {
        let part_width: usize = part.iter().map(Span::width).sum();
        let extra = if index == 0 {
            part_width
        } else {
            part_width + sep.chars().count()
        };
        if index > 0 && used + extra > width {
            continue;
        }
        if index > 0 {
            spans.push(Span::raw(sep));
        }
        spans.extend(part);
        used += extra;
    }
    Line::from(spans)
}

/// Where the run is: "step 23/38 · phase 4/7" over the runbook's own steps, or "rollback step
/// 2/5" while it rolls back. The step counted is the one asked about or running; between
/// steps, the last one that ended.
pub(crate) fn progress(app: &App) -> Option<String> {
    use crate::tui::state::StepState;
    let current = app
        .question
        .as_ref()
        .and_then(|question| app.row_index(question.prompt.step()))
        .or_else(|| {
            app.rows
                .iter()
                .position(|row| row.state == StepState::Running)
        })
        .or_else(|| {
            app.rows
                .iter()
                .rposition(|row| matches!(row.state, StepState::Done(_) | StepState::NotApplicable))
        })?;
    let rollback = app.rows[current].info.rollback;
    let same: Vec<usize> = (0..app.rows.len())
        .filter(|&index| app.rows[index].info.rollback == rollback)
        .collect();
    let number = same.iter().position(|&index| index == current)? + 1;
    if rollback {
        return Some(format!("rollback step {number}/{}", same.len()));
    }
    let mut phases: Vec<&str> = Vec::new();
    for &index in &same {
        let phase = app.rows[index].info.phase.as_str();
        if phases.last() != Some(&phase) {
            phases.push(phase);
        }
    }
    let phase = app.rows[current].info.phase.as_str();
    let phase_number = phases.iter().position(|p| *p == phase)? + 1;
    Some(format!(
        "step {number}/{} · phase {phase_number}/{}",
        same.len(),
        phases.len()
    ))
}

/// The run's forecast end (now, plus what the steps still to come usually take: their p50 over
/// earlier runs, else their `expected_duration`), against the planned window's end; and, when
/// the run has a rollback, the latest time to start it and still end inside the window (its p90
/// over earlier drills). Times are UTC: an operator and the people watching may be anywhere.
/// `None` without estimates, or once the run has ended.
fn forecast(app: &App, now: Instant) -> Option<(String, bool, Option<String>)> {
    use crate::tui::state::StepState;
    if app.finished.is_some() || app.suspended.is_some() {
        return None;
    }
    let to_come: Vec<Option<u64>> = app
        .rows
        .iter()
        .filter(|row| !row.info.rollback)
        .filter(|row| {
            matches!(
                row.state,
                StepState::Pending | StepState::Waiting | StepState::Running
            )
        })
        .map(|row| row.info.estimate_ms)
        .collect();
    if to_come.iter().all(Option::is_none) {
        return None;
    }
    let remaining: u64 = to_come.iter().flatten().sum();
    let wall_now = app.started_wall + now.saturating_duration_since(app.started);
    let end = wall_now + Duration::from_millis(remaining);
    let window_end = app
        .info
        .expected
        .map(|expected| app.started_wall + expected);
    let text = match window_end {
        Some(window_end) => format!(
            "ends ~{} (window {} UTC)",
            clock_time(end),
            clock_time(window_end)
        ),
        None => format!("ends ~{} UTC", clock_time(end)),
    };
    let late = window_end.is_some_and(|window_end| end > window_end);
    let roll_back_by = match (window_end, app.info.rollback_ms) {
        (Some(window_end), Some(rollback)) => Some(format!(
            "roll back by {} UTC to end in time",
            clock_time(window_end - Duration::from_millis(rollback))
        )),
        _ => None,
    };
    Some((text, late, roll_back_by))
}

/// `14:05`, in UTC.
fn clock_time(at: jiff::Timestamp) -> String {
    let time = at.to_zoned(jiff::tz::TimeZone::UTC);
    format!("{:02}:{:02}", time.hour(), time.minute())
}
