//! The question on screen: run this step?, the manual step's checklist and note, the typed
//! phrase, the failure dialog, and the text area being typed in.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::engine::events::Prompt;
use crate::protocol::step_kind::StepKind;
use crate::runbook::kinds::manual::NotesPolicy;
use crate::tui::state::{App, Question};

/// What Enter starts, said for the step's kind: not every step has a command to run.
fn what_enter_does(kind: Option<StepKind>) -> &'static str {
    match kind {
        Some(StepKind::Http) => "send the request of",
        Some(StepKind::Env) => "check the environment for",
        Some(StepKind::Wait) => "start the wait of",
        Some(StepKind::Window) => "mark the maintenance window of",
        Some(StepKind::Progressive) => "start the rollout of",
        Some(StepKind::Service) => "start the service of",
        _ => "run the command of",
    }
}

/// When the operator browsed away from the step asked about: says so, and how to come back.
fn looking_elsewhere(app: &App, step: &str, theme: Theme) -> Option<Line<'static>> {
    let shown = app.selected_row()?;
    (shown.info.id != step).then(|| {
        Line::from(Span::styled(
            format!(
                "You are looking at {}; f (or End) shows {step} again.",
                shown.info.id
            ),
            theme.accent(),
        ))
    })
}

/// Rows the question needs at `width` columns, its lines wrapped (for the layout).
pub(crate) fn height(app: &App, width: u16, theme: Theme) -> u16 {
    let Some(question) = &app.question else {
        return 0;
    };
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let (_, mut lines) = body(app, question, theme);
    if let Some(problem) = &question.problem {
        lines.push(Line::from(problem.clone()));
    }
    let text: usize = lines
        .iter()
        .map(|line| line.width().max(1).div_ceil(inner))
        .sum();
    let entry = question
        .entry
        .as_ref()
        .map_or(0, |e| if e.single_line() { 1 } else { 5 });
    (text + entry + 2) as u16
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(question) = &app.question else {
        return;
    };
    let (title, mut lines) = body(app, question, theme);
    if let Some(problem) = &question.problem {
        lines.push(Line::from(Span::styled(problem.clone(), theme.problem())));
    }
    frame.render_widget(Clear, area);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        title,
        theme.accent().add_modifier(Modifier::BOLD),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let entry_height = question
        .entry
        .as_ref()
        .map_or(0, |e| if e.single_line() { 1 } else { 5 });
    let text_height = inner.height.saturating_sub(entry_height);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect {
            height: text_height,
            ..inner
        },
    );
    if let Some(entry) = &question.entry {
        let entry_area = Rect {
            y: inner.y + text_height,
            height: entry_height,
            ..inner
        };
        render_entry(frame, entry_area, entry, theme);
    }
}

pub(crate) fn render_entry(
    frame: &mut Frame,
    area: Rect,
    entry: &crate::tui::text_entry::TextEntry,
    theme: Theme,
) {
    if entry.single_line() {
        let text = entry.text();
        let cursor = if theme.ascii { "_" } else { "▏" };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw("> "),
                Span::raw(text),
                Span::raw(cursor),
            ])),
            area,
        );
        return;
    }
    let mut area_widget = entry.area.clone();
    area_widget.set_block(
        Block::default()
            .borders(Borders::TOP)
            .title(format!(
                " {} — Enter: done · Alt-Enter: new line · Esc: cancel ",
                entry.title()
            ))
            .border_style(theme.dim()),
    );
    frame.render_widget(&area_widget, area);
}

fn body(app: &App, question: &Question, theme: Theme) -> (String, Vec<Line<'static>>) {
    let (title, mut lines) = match &question.prompt {
        Prompt::Run { .. } => for_run(app, question, theme),
        Prompt::Input { .. } => for_input(question, theme),
        Prompt::Decision { .. } => for_decision(question, theme),
        Prompt::Approvals { .. } => for_approvals(question, theme),
        Prompt::Phrase { .. } => for_phrase(question),
        Prompt::Manual { .. } => for_manual(question, theme),
        Prompt::Failure { .. } => for_failure(app, question, theme),
        Prompt::Wait { .. } => for_wait(question),
    };
    lines.extend(looking_elsewhere(app, question.prompt.step(), theme));
    (title, lines)
}

/// Run this step? — what Enter starts.
fn for_run(app: &App, question: &Question, theme: Theme) -> (String, Vec<Line<'static>>) {
    let Prompt::Run { step, command } = &question.prompt else {
        unreachable!("body() matched Prompt::Run")
    };
    let kind = app.row_index(step).map(|index| app.rows[index].info.kind);
    let mut lines = vec![Line::from(vec![
        Span::raw(format!("Press Enter to {} ", what_enter_does(kind))),
        Span::styled(step.clone(), Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(":"),
    ])];
    // Its first line, so that what Enter does is in the box itself, whatever the pane shows.
    let first = command.lines().next().unwrap_or_default();
    let more = command.lines().count().saturating_sub(1);
    lines.push(Line::from(Span::styled(
        match more {
            0 => format!("  {first}"),
            1 => format!("  {first}  (and 1 more line)"),
            n => format!("  {first}  (and {n} more lines)"),
        },
        theme.dim(),
    )));
    (format!(" Run {step}? "), lines)
}

/// An input step: its question, the answers it takes, its default.
fn for_input(asked: &Question, theme: Theme) -> (String, Vec<Line<'static>>) {
    let Prompt::Input {
        step,
        variable,
        question,
        options,
        pattern,
        default,
        deadline_s,
        ..
    } = &asked.prompt
    else {
        unreachable!("body() matched Prompt::Input")
    };
    let mut lines: Vec<Line<'static>> = question
        .lines()
        .map(|line| Line::from(line.to_string()))
        .collect();
    if !options.is_empty() {
        lines.push(Line::from(format!(
            "Answer one of: {}",
            options.join(" · ")
        )));
    }
    if let Some(pattern) = pattern {
        lines.push(Line::from(format!("The answer must match `{pattern}`.")));
    }
    if let Some(default) = default {
        let when = deadline_s.map_or(String::new(), |s| {
            format!(
                " (taken if nobody answers within {})",
                crate::runbook::duration::format_duration(std::time::Duration::from_secs(s))
            )
        });
        lines.push(Line::from(format!("Default: {default}{when}")));
    }
    lines.push(Line::from(Span::styled(
        format!("The answer becomes `{variable}`; Enter gives it."),
        theme.dim(),
    )));
    (format!(" {step} asks "), lines)
}

/// A decision: its options under a pointer, and what a deadline takes.
fn for_decision(question: &Question, theme: Theme) -> (String, Vec<Line<'static>>) {
    let Prompt::Decision {
        step,
        question: asked,
        options,
        default,
        deadline_s,
    } = &question.prompt
    else {
        unreachable!("body() matched Prompt::Decision")
    };
    let mut lines: Vec<Line<'static>> = asked
        .lines()
        .map(|line| Line::from(line.to_string()))
        .collect();
    for (index, option) in options.iter().enumerate() {
        let pointer = if index == question.cursor {
            if theme.ascii { ">" } else { "›" }
        } else {
            " "
        };
        let style = if index == question.cursor {
            theme.accent()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{pointer} {}", option.name), style),
            Span::styled(format!(" — {}", option.action.meaning()), theme.dim()),
        ]));
    }
    if let (Some(default), Some(seconds)) = (default, deadline_s) {
        let left =
            std::time::Duration::from_secs(*seconds).saturating_sub(question.asked_at.elapsed());
        lines.push(Line::from(Span::styled(
            format!(
                "No answer in {}: {default} is taken, and journaled as the deadline's.",
                clock(left)
            ),
            theme.accent(),
        )));
    }
    (format!(" {step}: decide "), lines)
}

/// Waiting for approvals: who approved, who is awaited, the command they run, the statement.
fn for_approvals(question: &Question, theme: Theme) -> (String, Vec<Line<'static>>) {
    let Prompt::Approvals {
        step,
        run,
        required,
        approved,
        approvers,
        statement,
        deadline_s,
        on_deadline,
    } = &question.prompt
    else {
        unreachable!("body() matched Prompt::Approvals")
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "Approvals: {} of {required}, from people other than those running this run.",
            approved.len()
        ),
        theme.accent(),
    ))];
    for approval in approved {
        lines.push(Line::from(format!(
            "{} approved by {} ({})",
            theme.checkbox(true),
            approval.principal,
            approval.fingerprint
        )));
    }
    let awaited: Vec<&String> = approvers
        .iter()
        .filter(|name| !approved.iter().any(|a| &&a.principal == name))
        .collect();
    lines.push(Line::from(if approvers.is_empty() {
        "Awaited: anyone else with their own SSH key.".to_string()
    } else {
        format!(
            "Awaited: {}",
            awaited
                .iter()
                .map(|name| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }));
    lines.push(Line::from(Span::styled(
        format!("They run: cutover approve {run} {step}"),
        theme.dim(),
    )));
    if let (Some(seconds), Some(then)) = (deadline_s, on_deadline) {
        let left =
            std::time::Duration::from_secs(*seconds).saturating_sub(question.asked_at.elapsed());
        lines.push(Line::from(Span::styled(
            format!(
                "Not approved in {}: {then}, as the runbook says.",
                clock(left)
            ),
            theme.accent(),
        )));
    }
    lines.push(Line::from(Span::styled("They approve:", theme.dim())));
    lines.extend(
        statement
            .lines()
            .map(|line| Line::from(Span::styled(line.to_string(), theme.dim()))),
    );
    (format!(" {step} needs approval "), lines)
}

/// A dangerous step: the phrase to type.
fn for_phrase(question: &Question) -> (String, Vec<Line<'static>>) {
    let Prompt::Phrase { step, phrase, .. } = &question.prompt else {
        unreachable!("body() matched Prompt::Phrase")
    };
    (
        format!(" {step} is dangerous "),
        vec![Line::from(vec![
            Span::raw("Type "),
            Span::styled(
                phrase.to_string(),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(" and press Enter to run it."),
        ])],
    )
}

/// A manual step: instructions, the checklist, the note, the deadline.
fn for_manual(question: &Question, theme: Theme) -> (String, Vec<Line<'static>>) {
    let Prompt::Manual {
        step,
        instructions,
        checklist,
        notes,
        deadline_s,
        on_deadline,
        ..
    } = &question.prompt
    else {
        unreachable!("body() matched Prompt::Manual")
    };
    let mut lines: Vec<Line<'static>> = instructions
        .lines()
        .map(|line| Line::from(line.to_string()))
        .collect();
    for (index, item) in checklist.iter().enumerate() {
        let pointer = if index == question.cursor {
            if theme.ascii { ">" } else { "›" }
        } else {
            " "
        };
        let style = if question.ticked[index] {
            Style::default()
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        };
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{pointer} {} ",
                theme.checkbox(question.ticked[index])
            )),
            Span::styled(item.clone(), style),
        ]));
    }
    if let Some(note) = &question.note {
        lines.push(Line::from(Span::styled(
            format!("note: {}", note.replace('\n', " / ")),
            theme.dim(),
        )));
    }
    let how = if checklist.is_empty() {
        "Do it by hand, then Enter to confirm."
    } else {
        "Do it by hand, tick every item with Space, then Enter to confirm."
    };
    let hint = match notes {
        NotesPolicy::Required => " A note is required: n.",
        NotesPolicy::Optional => " Add a note with n if useful.",
        NotesPolicy::None => "",
    };
    lines.push(Line::from(Span::styled(
        format!("{how}{hint}"),
        theme.dim(),
    )));
    if let (Some(seconds), Some(on_deadline)) = (deadline_s, on_deadline) {
        let left =
            std::time::Duration::from_secs(*seconds).saturating_sub(question.asked_at.elapsed());
        lines.push(Line::from(Span::styled(
                format!(
                    "Not confirmed in {}: {on_deadline}, as the runbook says (journaled as the deadline's).",
                    clock(left)
                ),
                theme.accent(),
            )));
    }
    (format!(" {step}: manual step "), lines)
}

/// A failure: the message and the choices this step allows.
/// The last lines a failed step printed, said in its dialog: "exit 2, expected 0" alone does
/// not say why.
const FAILURE_LINES: usize = 3;

fn for_failure(app: &App, question: &Question, theme: Theme) -> (String, Vec<Line<'static>>) {
    let Prompt::Failure {
        step,
        message,
        can_skip,
        in_rollback,
    } = &question.prompt
    else {
        unreachable!("body() matched Prompt::Failure")
    };
    let mut choices = vec!["r retry"];
    if *can_skip {
        choices.push("s skip");
    }
    if !in_rollback {
        choices.push("m mark done");
        choices.push("b roll back");
    }
    choices.push("a abort");
    let required = if *can_skip {
        ""
    } else {
        " This step is required: it cannot be skipped."
    };
    let mut lines = vec![Line::from(Span::styled(
        message.to_string(),
        theme.problem(),
    ))];
    if let Some(output) = app.outputs.get(step.as_str()) {
        lines.extend(output.window(FAILURE_LINES, 0).into_iter().map(|line| {
            let mut line = line;
            line.spans.insert(0, Span::styled("| ", theme.dim()));
            line
        }));
    }
    lines.push(Line::from(format!(
        "What now?{required} (v shows the whole output)"
    )));
    lines.push(Line::from(Span::styled(
        choices.join(" · "),
        theme.accent(),
    )));
    (format!(" {step} failed "), lines)
}

/// A timed wait.
fn for_wait(question: &Question) -> (String, Vec<Line<'static>>) {
    let Prompt::Wait { step, .. } = &question.prompt else {
        unreachable!("body() matched Prompt::Wait")
    };
    (
        format!(" {step}: waiting "),
        vec![Line::from("The timer runs; s skips it (with a reason).")],
    )
}

/// `4:05`, `0:09`: a countdown as people read a clock.
fn clock(left: std::time::Duration) -> String {
    let seconds = left.as_secs();
    format!("{}:{:02}", seconds / 60, seconds % 60)
}
