//! The start screen: what is about to run, by whom, where it is journaled; the values of
//! required variables not given on the command line (secrets typed masked); and, for a
//! production runbook, the word `production` typed before anything starts.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::runbook_text::paragraphs;
use super::text_entry::{Purpose, TextEntry};
use super::view::theme::Theme;
use crate::protocol::run_info::RunInfo;

/// A variable the operator must give.
pub(crate) struct Missing {
    pub name: String,
    pub description: String,
    pub secret: bool,
    pub pattern: Option<regex::Regex>,
}

pub(crate) struct StartScreen {
    pub info: RunInfo,
    pub missing: Vec<Missing>,
    pub values: Vec<(String, String)>,
    pub entry: TextEntry,
    /// The word to type before starting (`production`), when there is one.
    pub word: Option<String>,
    pub problem: Option<String>,
    pub ascii: bool,
    pub color: bool,
}

pub(crate) enum StartOutcome {
    Continue,
    Start(Vec<(String, String)>),
    Cancel,
}

impl StartScreen {
    pub(crate) fn new(
        info: RunInfo,
        missing: Vec<Missing>,
        word: Option<String>,
        ascii: bool,
        color: bool,
    ) -> Self {
        let mut screen = Self {
            info,
            missing,
            values: Vec::new(),
            entry: TextEntry::new(Purpose::Variable),
            word,
            problem: None,
            ascii,
            color,
        };
        screen.entry = screen.next_entry();
        screen
    }

    fn next_entry(&self) -> TextEntry {
        match self.missing.get(self.values.len()) {
            Some(var) if var.secret => TextEntry::masked(Purpose::Variable),
            _ => TextEntry::new(Purpose::Variable),
        }
    }

    pub(crate) fn key(&mut self, key: KeyEvent) -> StartOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if key.code == KeyCode::Esc || (ctrl && key.code == KeyCode::Char('c')) {
            return StartOutcome::Cancel;
        }
        if key.code != KeyCode::Enter {
            self.entry.area.input(key);
            return StartOutcome::Continue;
        }
        let text = self.entry.text();
        self.problem = None;
        if let Some(var) = self.missing.get(self.values.len()) {
            if text.is_empty() {
                self.problem = Some(format!("`{}` needs a value", var.name));
                return StartOutcome::Continue;
            }
            if let Some(pattern) = &var.pattern
                && !pattern.is_match(&text)
            {
                self.problem = Some(format!("`{}` must match `{}`", var.name, pattern.as_str()));
                self.entry = self.next_entry();
                return StartOutcome::Continue;
            }
            self.values.push((var.name.clone(), text));
            self.entry = self.next_entry();
            if self.values.len() < self.missing.len() || self.word.is_some() {
                return StartOutcome::Continue;
            }
            return StartOutcome::Start(self.values.clone());
        }
        match &self.word {
            Some(word) if &text != word => {
                self.problem = Some(format!("type `{word}` to start, or Esc to leave"));
                self.entry = TextEntry::new(Purpose::Variable);
                StartOutcome::Continue
            }
            _ => StartOutcome::Start(self.values.clone()),
        }
    }

    pub(crate) fn draw(&self, frame: &mut Frame) {
        let theme = Theme {
            ascii: self.ascii,
            color: self.color,
        };
        let (badge, badge_style) = theme.badge(self.info.mode);
        let mut lines = vec![
            Line::from(vec![
                Span::styled(badge, badge_style),
                Span::raw(" "),
                Span::styled(
                    self.info.title.clone(),
                    ratatui::style::Style::default().add_modifier(Modifier::BOLD),
                ),
            ]),
            Line::from(""),
        ];
        for (index, paragraph) in paragraphs(&self.info.description).into_iter().enumerate() {
            if index > 0 {
                lines.push(Line::from(""));
            }
            lines.push(Line::from(paragraph));
        }
        lines.push(Line::from(""));
        let field = |name: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("{name:<13}"), theme.dim()),
                Span::raw(value),
            ])
        };
        lines.push(field("runbook", self.info.runbook.clone()));
        lines.push(field(
            "environment",
            self.info.environment.clone().unwrap_or_else(|| "—".into()),
        ));
        lines.push(field("operator", self.info.operator.clone()));
        lines.push(field("key", self.info.key_fingerprint.clone()));
        lines.push(field("journal in", self.info.run_dir.clone()));
        lines.push(field(
            "steps",
            self.info
                .steps
                .iter()
                .filter(|s| !s.rollback)
                .count()
                .to_string(),
        ));
        lines.push(Line::from(""));
        let question = match self.missing.get(self.values.len()) {
            Some(var) => {
                let description = if var.description.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", var.description)
                };
                format!("Value of `{}`{description}:", var.name)
            }
            None => match &self.word {
                Some(word) => {
                    format!("This is a {word} run. Type `{word}` and press Enter to start:")
                }
                None => "Press Enter to start.".into(),
            },
        };
        lines.push(Line::from(Span::styled(question, theme.accent())));
        let area = frame.area();
        let [body, entry, footer] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(2),
        ])
        .areas(area);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::default().borders(Borders::NONE)),
            body,
        );
        let typed = if self.entry.area.mask_char().is_some() {
            "•".repeat(self.entry.text().chars().count())
        } else {
            self.entry.text()
        };
        frame.render_widget(Paragraph::new(format!("> {typed}")), entry);
        let mut footer_lines = Vec::new();
        if let Some(problem) = &self.problem {
            footer_lines.push(Line::from(Span::styled(problem.clone(), theme.problem())));
        }
        footer_lines.push(Line::from(Span::styled(
            "Enter continue · Esc leave without starting",
            theme.dim(),
        )));
        frame.render_widget(Paragraph::new(footer_lines), footer);
        if self.ascii {
            super::view::ascii::asciify(frame.buffer_mut());
        }
    }
}
