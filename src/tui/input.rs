//! Keys, as the operator presses them, turned into state changes and effects. No I/O: the run
//! loop carries the effects out, so every flow is testable without a terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::engine::control::Control;
use crate::engine::events::Prompt;
use crate::engine::interrupt::Interrupt;
use crate::protocol::decision::ConfirmVia;
use crate::runbook::kinds::manual::NotesPolicy;

use super::state::{App, Overlay};
use super::text_entry::{Irreversible, Purpose, TextEntry};

/// What the run loop must do after a key.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Effect {
    Control(Control),
    Interrupt(Interrupt),
    Quit,
    /// Leave the controls; the run goes on.
    Detach,
}

/// Lines a PgUp/PgDn moves.
const PAGE: usize = 10;

impl App {
    /// A key, and what it makes the run loop do. An answer is bound to the step of the question
    /// on screen when the key was pressed: the engine takes it only while it still asks about
    /// that step, so a key never acts on a question the operator has not seen.
    pub(crate) fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let asked = self
            .question
            .as_ref()
            .map(|question| question.prompt.step().to_string());
        let effects = self.key_effects(key);
        let Some(step) = asked else {
            return effects;
        };
        effects
            .into_iter()
            .map(|effect| match effect {
                Effect::Control(control) if control.answers_a_question() => {
                    Effect::Control(Control::About {
                        step: step.clone(),
                        answer: Box::new(control),
                    })
                }
                other => other,
            })
            .collect()
    }

    fn key_effects(&mut self, key: KeyEvent) -> Vec<Effect> {
        // The viewer takes every key but Ctrl-C until it closes.
        let ctrl_c =
            key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        if let Some(viewer) = &mut self.viewer
            && !ctrl_c
        {
            if !viewer.key(key) {
                self.viewer = None;
            }
            return Vec::new();
        }
        if key.code == KeyCode::Char('v') && !self.typing() && self.overlay == Overlay::None {
            self.viewer = Some(self.view_whole());
            return Vec::new();
        }
        if self.watching {
            return self.watch_key(key);
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            if self.finished.is_some() || self.suspended.is_some() {
                return vec![Effect::Quit];
            }
            // On a running step: stop it, then choose as after a failure. Between steps
            // there is nothing to stop: it is how one leaves (detach or suspend).
            self.overlay = if self.step_running() {
                Overlay::ConfirmInterrupt
            } else {
                Overlay::ConfirmQuit
            };
            return Vec::new();
        }
        match self.overlay {
            Overlay::Help => {
                self.overlay = Overlay::None;
                return Vec::new();
            }
            Overlay::ConfirmQuit => return self.confirm_quit(key),
            Overlay::ConfirmInterrupt => return self.confirm_interrupt(key),
            Overlay::ConfirmIrreversible(act) => return self.confirm_irreversible(act, key),
            Overlay::None => {}
        }
        if self.finished.is_some() || self.suspended.is_some() {
            return match key.code {
                KeyCode::Char('q') | KeyCode::Enter | KeyCode::Esc => vec![Effect::Quit],
                _ => self.navigate(key),
            };
        }
        if self.typing() {
            return self.type_key(key);
        }
        if let Some(effects) = self.answer_key(key) {
            return effects;
        }
        match key.code {
            KeyCode::Char('?') => {
                self.overlay = Overlay::Help;
                Vec::new()
            }
            KeyCode::Char('q') => {
                self.overlay = Overlay::ConfirmQuit;
                Vec::new()
            }
            KeyCode::Char('d') => vec![Effect::Detach],
            KeyCode::Char('n') => {
                self.free_note = Some(TextEntry::new(Purpose::Note));
                Vec::new()
            }
            _ => self.navigate(key),
        }
    }

    /// A watcher moves around and leaves, nothing else: no key of it reaches the run.
    fn watch_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.overlay == Overlay::Help {
            self.overlay = Overlay::None;
            return Vec::new();
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => vec![Effect::Quit],
            KeyCode::Char('c') if ctrl => vec![Effect::Quit],
            KeyCode::Char('?') => {
                self.overlay = Overlay::Help;
                Vec::new()
            }
            _ => self.navigate(key),
        }
    }

    /// `q`: detach (the run goes on) or suspend it (its engine stops; `cutover resume`).
    fn confirm_quit(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.overlay = Overlay::None;
        match key.code {
            KeyCode::Char('d') => vec![Effect::Detach],
            KeyCode::Char('s') | KeyCode::Char('y') | KeyCode::Char('q') => {
                self.leaving = true;
                // A running step runs to its end and is journaled first.
                if self.step_running() {
                    vec![Effect::Interrupt(Interrupt::SuspendAfterStep)]
                } else {
                    vec![Effect::Control(Control::Suspend {
                        reason: "the operator quit between steps".into(),
                    })]
                }
            }
            _ => Vec::new(),
        }
    }

    /// Ctrl-C on a running step: `s` stops it (SIGTERM, the grace, SIGKILL, journaled) and
    /// the failure dialog asks what now; anything else lets it run.
    fn confirm_interrupt(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.overlay = Overlay::None;
        match key.code {
            KeyCode::Char('s') | KeyCode::Char('y') => {
                vec![Effect::Interrupt(Interrupt::StopStep)]
            }
            _ => Vec::new(),
        }
    }

    /// One key never rolls back nor aborts: in a drill or a dry run it asks y/N, in
    /// production it wants the word typed. The safe answer is the default.
    fn ask_to_confirm(&mut self, act: Irreversible) -> Vec<Effect> {
        if self.info.mode == crate::protocol::mode::Mode::Production {
            if let Some(question) = &mut self.question {
                question.entry = Some(TextEntry::new(Purpose::Irreversible(act)));
            }
        } else {
            self.overlay = Overlay::ConfirmIrreversible(act);
        }
        Vec::new()
    }

    fn confirm_irreversible(&mut self, act: Irreversible, key: KeyEvent) -> Vec<Effect> {
        self.overlay = Overlay::None;
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => vec![Effect::Control(act.control())],
            _ => Vec::new(),
        }
    }

    fn typing(&self) -> bool {
        self.free_note.is_some() || self.question.as_ref().is_some_and(|q| q.entry.is_some())
    }

    fn type_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let entry = match (&mut self.free_note, &mut self.question) {
            (Some(entry), _) => entry,
            (None, Some(question)) => question.entry.as_mut().expect("typing"),
            (None, None) => return Vec::new(),
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // Enter gives what was typed, as everywhere; Alt-Enter starts a new line of a note or
        // a reason (Ctrl-D still gives it too).
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if alt && key.code == KeyCode::Enter && !entry.single_line() {
            entry.area.insert_newline();
            return Vec::new();
        }
        let submit = (ctrl && key.code == KeyCode::Char('d')) || key.code == KeyCode::Enter;
        if key.code == KeyCode::Esc {
            if entry.purpose == Purpose::Phrase {
                // The phrase box is the question itself: Esc leaves it empty, not closed.
                *entry = TextEntry::new(Purpose::Phrase);
            } else if entry.purpose == Purpose::Answer {
                // So is an input's answer (its mask, if any, stays).
                entry.area.select_all();
                entry.area.cut();
            } else if self.free_note.take().is_none()
                && let Some(question) = &mut self.question
            {
                question.entry = None;
            }
            return Vec::new();
        }
        if !submit {
            entry.area.input(key);
            return Vec::new();
        }
        let text = entry.text().trim().to_string();
        let purpose = entry.purpose;
        if let Some(note) = self.free_note.take() {
            let _ = note;
            return if text.is_empty() {
                Vec::new()
            } else {
                let step = self.selected_row().map(|row| row.info.id.clone());
                vec![Effect::Control(Control::Note { step, text })]
            };
        }
        self.submit_entry(purpose, text)
    }

    fn submit_entry(&mut self, purpose: Purpose, text: String) -> Vec<Effect> {
        let Some(question) = &mut self.question else {
            return Vec::new();
        };
        if text.is_empty() && purpose != Purpose::Note {
            question.problem = Some("this cannot be empty".into());
            return Vec::new();
        }
        match purpose {
            Purpose::Phrase => {
                let Prompt::Phrase { phrase, .. } = &question.prompt else {
                    return Vec::new();
                };
                if &text != phrase {
                    question.problem = Some(format!("that is not `{phrase}`"));
                    question.entry = Some(TextEntry::new(Purpose::Phrase));
                    return Vec::new();
                }
                question.entry = None;
                vec![Effect::Control(Control::Phrase {
                    text,
                    note: question.note.clone(),
                    via: ConfirmVia::Terminal,
                })]
            }
            Purpose::Note => {
                question.note = (!text.is_empty()).then_some(text);
                question.entry = None;
                Vec::new()
            }
            Purpose::SkipReason => {
                question.entry = None;
                vec![Effect::Control(Control::Skip { reason: text })]
            }
            Purpose::Evidence => {
                question.entry = None;
                vec![Effect::Control(Control::MarkDone { evidence: text })]
            }
            Purpose::FailNote => {
                question.entry = None;
                vec![Effect::Control(Control::NotDone {
                    note: text,
                    via: ConfirmVia::Terminal,
                })]
            }
            Purpose::Answer => {
                let Prompt::Input {
                    options, pattern, ..
                } = &question.prompt
                else {
                    return Vec::new();
                };
                let refused = if !options.is_empty() && !options.contains(&text) {
                    Some(format!("answer one of: {}", options.join(", ")))
                } else {
                    pattern
                        .as_deref()
                        .and_then(|p| regex::Regex::new(p).ok())
                        .filter(|p| !p.is_match(&text))
                        .map(|p| format!("the answer must match `{}`", p.as_str()))
                };
                if let Some(problem) = refused {
                    question.problem = Some(problem);
                    return Vec::new();
                }
                question.entry = None;
                vec![Effect::Control(Control::Input {
                    value: text,
                    via: ConfirmVia::Terminal,
                })]
            }
            Purpose::Irreversible(act) => {
                if text != act.word() {
                    question.problem = Some(format!(
                        "that is not `{}`: nothing was done; type it, or Esc to go back",
                        act.word()
                    ));
                    question.entry = Some(TextEntry::new(Purpose::Irreversible(act)));
                    return Vec::new();
                }
                question.entry = None;
                vec![Effect::Control(act.control())]
            }
            Purpose::Variable | Purpose::Search => Vec::new(),
        }
    }

    /// Keys that answer the question on screen; `None` when the key is not an answer.
    fn answer_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        let question = self.question.as_mut()?;
        question.problem = None;
        match (&question.prompt, key.code) {
            (Prompt::Run { .. }, KeyCode::Enter) => Some(vec![Effect::Control(Control::Proceed)]),
            (Prompt::Decision { options, .. }, code) => {
                let count = options.len();
                match code {
                    KeyCode::Up => {
                        question.cursor = question.cursor.saturating_sub(1);
                        Some(Vec::new())
                    }
                    KeyCode::Down => {
                        question.cursor = (question.cursor + 1).min(count.saturating_sub(1));
                        Some(Vec::new())
                    }
                    KeyCode::Enter => options.get(question.cursor).map(|option| {
                        vec![Effect::Control(Control::Choose {
                            option: option.name.clone(),
                            via: ConfirmVia::Terminal,
                        })]
                    }),
                    _ => None,
                }
            }
            (
                Prompt::Manual {
                    checklist,
                    notes,
                    can_fail,
                    ..
                },
                code,
            ) => {
                let (count, notes, can_fail) = (checklist.len(), *notes, *can_fail);
                match code {
                    KeyCode::Char('f') if can_fail => {
                        question.entry = Some(TextEntry::new(Purpose::FailNote));
                        Some(Vec::new())
                    }
                    KeyCode::Char(' ') if count > 0 => {
                        question.ticked[question.cursor] = !question.ticked[question.cursor];
                        Some(Vec::new())
                    }
                    KeyCode::Up if count > 0 => {
                        question.cursor = question.cursor.saturating_sub(1);
                        Some(Vec::new())
                    }
                    KeyCode::Down if count > 0 => {
                        question.cursor = (question.cursor + 1).min(count - 1);
                        Some(Vec::new())
                    }
                    KeyCode::Char('n') if notes != NotesPolicy::None => {
                        question.entry = Some(TextEntry::new(Purpose::Note));
                        Some(Vec::new())
                    }
                    KeyCode::Enter => {
                        let Prompt::Manual { checklist, .. } = &question.prompt else {
                            unreachable!()
                        };
                        if question.ticked.iter().any(|ticked| !ticked) {
                            question.problem = Some("tick every item first (Space)".into());
                            return Some(Vec::new());
                        }
                        if notes == NotesPolicy::Required && question.note.is_none() {
                            question.problem = Some("this step needs a note: press n".into());
                            return Some(Vec::new());
                        }
                        Some(vec![Effect::Control(Control::Confirm {
                            checklist: checklist.clone(),
                            note: question.note.clone(),
                            via: ConfirmVia::Terminal,
                        })])
                    }
                    _ => None,
                }
            }
            (
                Prompt::Failure {
                    can_skip,
                    in_rollback,
                    ..
                },
                code,
            ) => {
                let (can_skip, in_rollback) = (*can_skip, *in_rollback);
                match code {
                    KeyCode::Char('r') => Some(vec![Effect::Control(Control::Retry)]),
                    KeyCode::Char('s') if can_skip => {
                        question.entry = Some(TextEntry::new(Purpose::SkipReason));
                        Some(Vec::new())
                    }
                    KeyCode::Char('s') => {
                        question.problem =
                            Some("this step is required: it cannot be skipped".into());
                        Some(Vec::new())
                    }
                    KeyCode::Char('m') if !in_rollback => {
                        question.entry = Some(TextEntry::new(Purpose::Evidence));
                        Some(Vec::new())
                    }
                    KeyCode::Char('b') if !in_rollback => {
                        Some(self.ask_to_confirm(Irreversible::Rollback))
                    }
                    KeyCode::Char('a') => Some(self.ask_to_confirm(Irreversible::Abort)),
                    _ => None,
                }
            }
            (Prompt::Approvals { .. }, KeyCode::Char('a')) => {
                Some(self.ask_to_confirm(Irreversible::Abort))
            }
            (Prompt::Wait { .. }, KeyCode::Char('s')) => {
                question.entry = Some(TextEntry::new(Purpose::SkipReason));
                Some(Vec::new())
            }
            _ => None,
        }
    }

    /// What `v` shows: what the question on screen is about — its command, its statement, the
    /// output of the step that failed — else the selected step's action and output.
    fn view_whole(&self) -> super::viewer::Viewer {
        use super::viewer::Viewer;
        let output = |step: &str| -> Vec<String> {
            self.outputs
                .get(step)
                .map(|buffer| buffer.raw_lines().map(str::to_string).collect())
                .unwrap_or_default()
        };
        let text = |text: &str| text.lines().map(str::to_string).collect::<Vec<_>>();
        if let Some(question) = &self.question {
            match &question.prompt {
                Prompt::Run { step, command } | Prompt::Phrase { step, command, .. } => {
                    return Viewer::new(format!("what Enter runs: {step}"), text(command));
                }
                Prompt::Approvals {
                    step, statement, ..
                } => {
                    return Viewer::new(format!("what approvers of {step} sign"), text(statement));
                }
                Prompt::Failure { step, message, .. } => {
                    let mut lines = text(message);
                    lines.push(String::new());
                    lines.extend(output(step));
                    return Viewer::new(format!("{step} failed: its output"), lines);
                }
                _ => {}
            }
        }
        let Some(row) = self.selected_row() else {
            return Viewer::new("nothing selected".into(), Vec::new());
        };
        let mut lines = text(&row.action);
        lines.push(String::new());
        lines.push("── output ──".into());
        lines.extend(output(&row.info.id));
        Viewer::new(row.info.id.clone(), lines)
    }

    /// Back to the step the run is at: the one asked about, else the one running.
    fn follow_the_run(&mut self) {
        self.scroll = 0;
        self.follow = true;
        let current = match &self.question {
            Some(question) => self.row_index(question.prompt.step()),
            None => self
                .rows
                .iter()
                .position(|row| row.state == super::state::StepState::Running),
        };
        if let Some(index) = current {
            self.selected = index;
        }
    }

    fn navigate(&mut self, key: KeyEvent) -> Vec<Effect> {
        let last = self.rows.len().saturating_sub(1);
        match key.code {
            KeyCode::Up => {
                self.selected = self.selected.saturating_sub(1);
                self.follow = false;
                self.scroll = 0;
            }
            KeyCode::Down => {
                self.selected = (self.selected + 1).min(last);
                self.follow = false;
                self.scroll = 0;
            }
            KeyCode::PageUp => self.scroll += PAGE,
            KeyCode::PageDown => self.scroll = self.scroll.saturating_sub(PAGE),
            KeyCode::Home => self.scroll = usize::MAX / 2,
            KeyCode::End | KeyCode::Char('f') => self.follow_the_run(),
            KeyCode::Char('w') => self.wrap_output = !self.wrap_output,
            _ => {}
        }
        Vec::new()
    }
}
