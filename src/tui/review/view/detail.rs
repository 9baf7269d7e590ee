//! The selected entry in full: where it is in the file and who wrote it; for a step, every
//! attempt with its command, result, stages and probe figures, every confirmation, decision
//! and note about it; below, the attempt's output read from `output/`, scrollable.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::timeline::clock_of;
use crate::engine::steps::http_probe::ProbeSummary;
use crate::journal::entry::EntryKind;
use crate::journal::history::model::{RunHistory, StepEnding, StepRecord};
use crate::runbook::duration::{format_duration, human_ms};
use crate::tui::review::state::ReviewApp;
use crate::tui::runbook_text::for_terminal;
use crate::tui::view::theme::Theme;

fn bold(text: String) -> Span<'static> {
    Span::styled(text, Style::default().add_modifier(Modifier::BOLD))
}

pub(crate) fn lines(app: &ReviewApp, theme: Theme) -> Vec<Line<'static>> {
    let history = &app.history;
    let Some(entry) = app.selected_entry() else {
        return Vec::new();
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "line {} · seq {} · {} · {} · by {}",
            entry.line,
            entry.seq,
            entry.kind,
            entry.ts,
            for_terminal(history.who(entry.session))
        ),
        theme.dim(),
    ))];
    if let Some(step) = entry.step.as_deref().and_then(|id| history.step(id)) {
        step_lines(&mut lines, history, step, theme);
        return lines;
    }
    match entry.kind {
        EntryKind::Header => header_lines(&mut lines, history),
        EntryKind::Resume => {
            if let Some(session) = history.sessions.get(entry.session) {
                lines.push(Line::from(format!(
                    "resumed by {} — key {} ({}) on {} as {}{}",
                    for_terminal(&session.operator.principal),
                    session.operator.fingerprint,
                    session.operator.source,
                    for_terminal(&session.host),
                    for_terminal(&session.unix_user),
                    session
                        .ssh_connection
                        .as_deref()
                        .map(|c| format!(", SSH from {}", for_terminal(c)))
                        .unwrap_or_default()
                )));
                if let Some(torn) = &session.torn {
                    lines.push(Line::from(format!(
                        "a crash left {} bytes at offset {} (SHA-256 {}): ended with a line break and accounted for here",
                        torn.length, torn.offset, torn.sha256
                    )));
                }
            }
        }
        _ => lines.push(Line::from(for_terminal(&entry.words))),
    }
    lines
}

fn header_lines(lines: &mut Vec<Line<'static>>, history: &RunHistory) {
    let header = &history.header;
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::raw(format!("{name:<13}")),
            Span::raw(for_terminal(&value)),
        ])
    };
    lines.push(field(
        "runbook",
        format!("{} — {}", header.runbook.name, header.runbook.title),
    ));
    lines.push(field("sha256", header.runbook.sha256.clone()));
    lines.push(field("run", header.run_id.clone()));
    lines.push(field(
        "mode",
        format!("{} (namespace {})", header.mode.as_str(), header.namespace),
    ));
    lines.push(field(
        "operator",
        format!(
            "{} — {} ({})",
            header.operator.principal, header.operator.fingerprint, header.operator.source
        ),
    ));
    lines.push(field(
        "host",
        format!(
            "{} as {}{}",
            header.host,
            header.unix_user,
            header
                .ssh_connection
                .as_deref()
                .map(|c| format!(", SSH from {c}"))
                .unwrap_or_default()
        ),
    ));
    lines.push(field("cutover", header.tool_version.clone()));
    for (name, value) in &header.vars {
        lines.push(field("variable", format!("{name} = {value}")));
    }
    for name in header.secrets.keys() {
        lines.push(field(
            "secret",
            format!("{name} (value never journaled; HMAC recorded)"),
        ));
    }
}

fn step_lines(
    lines: &mut Vec<Line<'static>>,
    history: &RunHistory,
    step: &StepRecord,
    theme: Theme,
) {
    let outcome = history.outcome_of(step);
    let place = match (&step.phase, step.rollback) {
        (_, true) => "rollback".to_string(),
        (Some(phase), false) => format!("phase {phase}"),
        (None, false) => String::new(),
    };
    lines.push(Line::from(vec![
        bold(for_terminal(&step.title)),
        Span::styled(
            format!(
                "  [{} {}] {place}",
                step.kind.map_or("?", |kind| kind.as_str()),
                step.id
            ),
            theme.dim(),
        ),
    ]));
    let plan = step
        .expected_ms()
        .map(|ms| {
            format!(
                ", planned {}",
                format_duration(std::time::Duration::from_millis(ms))
            )
        })
        .unwrap_or_default();
    lines.push(Line::from(format!(
        "outcome: {} — {} attempt{}{}{plan}",
        outcome.word(),
        step.attempts.len(),
        if step.attempts.len() == 1 { "" } else { "s" },
        step.duration_ms()
            .map(|ms| format!(", {}", human_ms(ms)))
            .unwrap_or_default()
    )));
    for attempt in &step.attempts {
        lines.push(Line::from(Span::styled(
            format!(
                "attempt {} · {} · by {}",
                attempt.number,
                clock_of(&attempt.started),
                for_terminal(history.who(attempt.session))
            ),
            theme.dim(),
        )));
        for (index, line) in attempt.action.lines().enumerate() {
            let lead = if index == 0 { "  $ " } else { "    " };
            lines.push(Line::from(Span::styled(
                format!("{lead}{}", for_terminal(line)),
                theme.accent(),
            )));
        }
        for approver in &attempt.approvals {
            lines.push(Line::from(format!(
                "  approved by {} ({})",
                for_terminal(&approver.principal),
                for_terminal(&approver.fingerprint)
            )));
        }
        for stage in attempt.stages.iter().map(|s| &s.result) {
            lines.push(Line::from(format!(
                "  stage {}%: {} — {}",
                stage.stage.unwrap_or_default(),
                stage.status,
                for_terminal(&stage.message)
            )));
        }
        for host in &attempt.hosts {
            let style = if host.status.is_failure() {
                theme.problem()
            } else {
                Style::default()
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "  {} {}: {}",
                    for_terminal(&host.host),
                    host.status,
                    for_terminal(&host.message)
                ),
                style,
            )));
        }
        if !attempt.probes.is_empty() {
            let latencies: Vec<f64> = attempt.probes.iter().map(|p| p.latency_ms).collect();
            let errors = attempt.probes.iter().filter(|p| p.error.is_some()).count() as u32;
            lines.push(Line::from(format!(
                "  probe: {}",
                ProbeSummary::of(&latencies, errors)
            )));
        }
        for part in crate::report::gates::gate_parts_of(attempt) {
            lines.push(Line::from(format!(
                "  {}: {} pass, {} fail, {} inconclusive{}",
                for_terminal(&part.label),
                part.passed,
                part.failed,
                part.inconclusive,
                if part.inconclusive == 0 {
                    String::new()
                } else {
                    format!(
                        " ({})",
                        for_terminal(&crate::report::gates::reasons_text(&part))
                    )
                }
            )));
            for sample in &part.samples {
                let style = match sample.verdict {
                    crate::engine::metric_sample::SampleVerdict::Pass => Style::default(),
                    _ => theme.problem(),
                };
                lines.push(Line::from(Span::styled(
                    format!(
                        "    #{} {}: {}",
                        sample.sample,
                        sample.verdict,
                        for_terminal(&sample.reason)
                    ),
                    style,
                )));
            }
        }
        match &attempt.result {
            Some((_, result)) => {
                let mut facts = Vec::new();
                if let Some(code) = result.exit_code {
                    facts.push(format!("exit {code}"));
                }
                if let Some(status) = result.http_status {
                    facts.push(format!("HTTP {status}"));
                }
                let style = if result.status == crate::protocol::status::StepStatus::Failed {
                    theme.problem()
                } else {
                    Style::default()
                };
                lines.push(Line::from(Span::styled(
                    format!(
                        "  → {} in {}{}: {}",
                        result.status,
                        human_ms(result.duration_ms),
                        if facts.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", facts.join(", "))
                        },
                        for_terminal(&result.message)
                    ),
                    style,
                )));
                for (name, value) in &result.captures {
                    lines.push(Line::from(format!(
                        "  captured {name} = {}",
                        for_terminal(value)
                    )));
                }
            }
            None if outcome == StepEnding::Untrusted => lines.push(Line::from(Span::styled(
                "  → no trusted result: the journal cannot be trusted after this".to_string(),
                theme.problem(),
            ))),
            None => lines.push(Line::from(Span::styled(
                "  → no result: the process stopped while it ran".to_string(),
                theme.problem(),
            ))),
        }
    }
    for confirm in &step.confirmations {
        lines.push(Line::from(Span::styled(
            format!(
                "confirmed by {} at {}",
                for_terminal(&confirm.by.described()),
                clock_of(&confirm.ts)
            ),
            theme.accent(),
        )));
        for item in &confirm.checklist {
            lines.push(Line::from(format!(
                "  {} {}",
                theme.checkbox(true),
                for_terminal(item)
            )));
        }
        if let Some(note) = &confirm.note {
            lines.push(Line::from(format!("  note: {}", for_terminal(note))));
        }
    }
    for &index in &step.decisions {
        let decided = &history.decisions[index];
        let by = match decided.decision {
            crate::protocol::decision::Decision::Policy { .. } => String::new(),
            _ => format!(" by {}", for_terminal(&decided.by.described())),
        };
        lines.push(Line::from(Span::styled(
            format!(
                "decision at {}: {}{by}{}",
                clock_of(&decided.ts),
                for_terminal(&decided.decision.to_string()),
                if decided.on_resume {
                    " (on resume)"
                } else {
                    ""
                }
            ),
            theme.accent(),
        )));
    }
    for &index in &step.notes {
        let note = &history.notes[index];
        lines.push(Line::from(format!(
            "note by {} at {}: {}",
            for_terminal(&note.by.described()),
            clock_of(&note.ts),
            for_terminal(&note.text)
        )));
    }
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &ReviewApp, theme: Theme) {
    let text = lines(app, theme);
    let Some((record, view)) = &app.output else {
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
        return;
    };
    let needed = Paragraph::new(text.clone())
        .wrap(Wrap { trim: false })
        .line_count(area.width.max(1)) as u16;
    let top = needed.min(area.height / 2);
    let [top_area, output_area] =
        Layout::vertical([Constraint::Length(top), Constraint::Min(3)]).areas(area);
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), top_area);
    let inner = output_area.height.saturating_sub(1) as usize;
    let (title, body) = match view {
        Ok(view) => {
            let first = app.output_scroll.min(view.line_count().saturating_sub(1));
            let shown = view.lines(first, inner);
            (
                format!(
                    " output {} — {} lines, from line {} (PgUp/PgDn) ",
                    record.path,
                    view.line_count(),
                    first + 1
                ),
                shown,
            )
        }
        Err(problem) => (
            format!(" output {} ", record.path),
            vec![Line::from(Span::styled(
                problem.to_string(),
                theme.problem(),
            ))],
        ),
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(title, theme.dim()))
        .border_style(theme.dim());
    frame.render_widget(Paragraph::new(body).block(block), output_area);
}
