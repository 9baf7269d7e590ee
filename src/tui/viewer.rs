//! `v`: one text whole, on the whole screen, scrollable and searchable — the resolved action a
//! question is about, an approval's statement, a step's output — so that nothing the operator
//! approves or reads is ever cut by the size of the window. Lines are kept raw and sanitized
//! only when drawn, as the output pane does.

use crossterm::event::{KeyCode, KeyEvent};

use super::text_entry::{Purpose, TextEntry};

pub(crate) struct Viewer {
    pub title: String,
    pub lines: Vec<String>,
    /// The first line on screen.
    pub top: usize,
    /// `/` being typed.
    pub search: Option<TextEntry>,
    /// What `/` looked for last (`n` finds the next one).
    pub sought: Option<String>,
    /// "not found", said until the next key.
    pub problem: Option<String>,
    /// Lines the screen showed at its last drawing: what a page is, and where End puts the top.
    pub rows: std::cell::Cell<usize>,
}

/// A page until the viewer has been drawn once.
const PAGE: usize = 10;

impl Viewer {
    pub(crate) fn new(title: String, lines: Vec<String>) -> Self {
        Self {
            title,
            lines,
            top: 0,
            search: None,
            sought: None,
            problem: None,
            rows: std::cell::Cell::new(PAGE),
        }
    }

    /// A key while the viewer is open; `false` when it closes.
    pub(crate) fn key(&mut self, key: KeyEvent) -> bool {
        self.problem = None;
        if let Some(entry) = &mut self.search {
            match key.code {
                KeyCode::Esc => self.search = None,
                KeyCode::Enter => {
                    let text = entry.text();
                    self.search = None;
                    if !text.is_empty() {
                        self.sought = Some(text);
                        self.find_next(self.top);
                    }
                }
                _ => {
                    entry.area.input(key);
                }
            }
            return true;
        }
        let last = self.lines.len().saturating_sub(1);
        let page = self.rows.get().max(1);
        // The top that shows the last lines, the screen full.
        let end = self.lines.len().saturating_sub(page);
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc | KeyCode::Char('v') => return false,
            KeyCode::Up | KeyCode::Char('k') => self.top = self.top.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.top = (self.top + 1).min(last),
            KeyCode::PageUp => self.top = self.top.saturating_sub(page),
            KeyCode::PageDown | KeyCode::Char(' ') => self.top = (self.top + page).min(last),
            KeyCode::Home | KeyCode::Char('g') => self.top = 0,
            KeyCode::End | KeyCode::Char('G') => self.top = end,
            KeyCode::Char('/') => self.search = Some(TextEntry::new(Purpose::Search)),
            KeyCode::Char('n') => self.find_next(self.top + 1),
            _ => {}
        }
        true
    }

    /// Brings the first line at or after `from` holding what was sought to the top.
    fn find_next(&mut self, from: usize) {
        let Some(sought) = self.sought.as_deref() else {
            return;
        };
        let sought = sought.to_lowercase();
        let found = (from..self.lines.len())
            .chain(0..from.min(self.lines.len()))
            .find(|&index| {
                crate::terminal_text::plain(&self.lines[index])
                    .to_lowercase()
                    .contains(&sought)
            });
        match found {
            Some(index) => self.top = index,
            None => self.problem = Some(format!("`{sought}` is not in it")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn press(viewer: &mut Viewer, code: KeyCode) -> bool {
        viewer.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn it_scrolls_searches_and_closes() {
        let lines: Vec<String> = (1..=40).map(|n| format!("line {n}")).collect();
        let mut viewer = Viewer::new("x".into(), lines);
        press(&mut viewer, KeyCode::End);
        assert_eq!(viewer.top, 30, "the last page: the last line is on screen");
        press(&mut viewer, KeyCode::Home);
        press(&mut viewer, KeyCode::Char('/'));
        for c in "LINE 3".chars() {
            press(&mut viewer, KeyCode::Char(c));
        }
        press(&mut viewer, KeyCode::Enter);
        assert_eq!(viewer.top, 2, "found, whatever the case");
        press(&mut viewer, KeyCode::Char('n'));
        assert_eq!(viewer.top, 29, "the next one: line 30");
        press(&mut viewer, KeyCode::Char('/'));
        for c in "nowhere".chars() {
            press(&mut viewer, KeyCode::Char(c));
        }
        press(&mut viewer, KeyCode::Enter);
        assert!(viewer.problem.is_some());
        assert!(!press(&mut viewer, KeyCode::Char('q')), "q closes");
    }
}
