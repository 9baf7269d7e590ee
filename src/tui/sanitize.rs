//! Command output made safe to display: colours (SGR) are kept, every other control or escape
//! sequence — cursor movement, clear screen, alternate screen, OSC titles and clipboard writes,
//! DCS — is removed, so output can never rewrite the screen. Parsing is the `vte` crate's (the
//! parser behind Alacritty), not hand-written regexes.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use vte::{Params, Parser, Perform};

/// Width a TAB advances to.
const TAB: usize = 8;

/// Turns a stream of output bytes into styled lines. Keeps its parser and style between calls,
/// so a sequence split across two chunks is still understood.
pub(crate) struct Sanitizer {
    parser: Parser,
    state: Lines,
}

struct Lines {
    finished: Vec<Line<'static>>,
    spans: Vec<Span<'static>>,
    text: String,
    style: Style,
    width: usize,
}

impl Default for Sanitizer {
    fn default() -> Self {
        Self {
            parser: Parser::new(),
            state: Lines {
                finished: Vec::new(),
                spans: Vec::new(),
                text: String::new(),
                style: Style::default(),
                width: 0,
            },
        }
    }
}

impl Sanitizer {
    /// Feeds bytes; returns the lines they completed.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Vec<Line<'static>> {
        self.parser.advance(&mut self.state, bytes);
        std::mem::take(&mut self.state.finished)
    }

    /// One line on its own, sanitized (a carriage return inside it rewrites it, as on a
    /// terminal).
    pub(crate) fn line(raw: &str) -> Line<'static> {
        let mut sanitizer = Self::default();
        let mut lines = sanitizer.feed(raw.as_bytes());
        lines.extend(sanitizer.partial());
        lines.pop().unwrap_or_default()
    }

    /// The line being written (no line break yet), for display.
    pub(crate) fn partial(&self) -> Option<Line<'static>> {
        let mut spans = self.state.spans.clone();
        if !self.state.text.is_empty() {
            spans.push(Span::styled(self.state.text.clone(), self.state.style));
        }
        (!spans.is_empty()).then(|| Line::from(spans))
    }
}

impl Lines {
    fn flush_span(&mut self) {
        if !self.text.is_empty() {
            self.spans
                .push(Span::styled(std::mem::take(&mut self.text), self.style));
        }
    }

    fn end_line(&mut self) {
        self.flush_span();
        self.finished
            .push(Line::from(std::mem::take(&mut self.spans)));
        self.width = 0;
    }
}

impl Perform for Lines {
    fn print(&mut self, c: char) {
        self.text.push(c);
        self.width += 1;
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' => self.end_line(),
            b'\t' => {
                let spaces = TAB - self.width % TAB;
                self.text.extend(std::iter::repeat_n(' ', spaces));
                self.width += spaces;
            }
            // A carriage return starts the line again, as a terminal would (progress bars).
            b'\r' => {
                self.text.clear();
                self.spans.clear();
                self.width = 0;
            }
            // BEL, backspace, shift in/out and the rest: dropped.
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], _ignore: bool, action: char) {
        // Only SGR (`CSI … m`) is honoured; cursor moves, erasing, modes and the rest are not.
        if action != 'm' || !intermediates.is_empty() {
            return;
        }
        self.flush_span();
        self.style = apply_sgr(self.style, params);
    }
    // OSC (titles, clipboard, hyperlinks), DCS (hook/put/unhook) and ESC sequences: the default
    // no-op implementations drop them.
}

fn apply_sgr(mut style: Style, params: &Params) -> Style {
    let values: Vec<u16> = params.iter().flat_map(|p| p.iter().copied()).collect();
    if values.is_empty() {
        return Style::default();
    }
    let mut i = 0;
    while i < values.len() {
        match values[i] {
            0 => style = Style::default(),
            1 => style = style.add_modifier(Modifier::BOLD),
            2 => style = style.add_modifier(Modifier::DIM),
            3 => style = style.add_modifier(Modifier::ITALIC),
            4 => style = style.add_modifier(Modifier::UNDERLINED),
            7 => style = style.add_modifier(Modifier::REVERSED),
            22 => style = style.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => style = style.remove_modifier(Modifier::ITALIC),
            24 => style = style.remove_modifier(Modifier::UNDERLINED),
            27 => style = style.remove_modifier(Modifier::REVERSED),
            n @ 30..=37 => style = style.fg(Color::Indexed((n - 30) as u8)),
            n @ 90..=97 => style = style.fg(Color::Indexed((n - 90 + 8) as u8)),
            n @ 40..=47 => style = style.bg(Color::Indexed((n - 40) as u8)),
            n @ 100..=107 => style = style.bg(Color::Indexed((n - 100 + 8) as u8)),
            39 => style = style.fg(Color::Reset),
            49 => style = style.bg(Color::Reset),
            n @ (38 | 48) => {
                let color = match values.get(i + 1) {
                    Some(5) => {
                        let color = values.get(i + 2).map(|&c| Color::Indexed(c.min(255) as u8));
                        i += 2;
                        color
                    }
                    Some(2) => {
                        let rgb = (values.get(i + 2), values.get(i + 3), values.get(i + 4));
                        i += 4;
                        match rgb {
                            (Some(&r), Some(&g), Some(&b)) => Some(Color::Rgb(
                                r.min(255) as u8,
                                g.min(255) as u8,
                                b.min(255) as u8,
                            )),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                if let Some(color) = color {
                    style = if n == 38 {
                        style.fg(color)
                    } else {
                        style.bg(color)
                    };
                }
            }
            _ => {}
        }
        i += 1;
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn colours_are_kept() {
        let mut sanitizer = Sanitizer::default();
        let lines = sanitizer.feed(b"ok \x1b[1;32mgreen\x1b[0m done\n");
        assert_eq!(plain(&lines), vec!["ok green done"]);
        let green = &lines[0].spans[1];
        assert_eq!(green.content, "green");
        assert_eq!(green.style.fg, Some(Color::Indexed(2)));
        assert!(green.style.add_modifier.contains(Modifier::BOLD));
        assert_eq!(lines[0].spans[2].style, Style::default());
    }

    #[test]
    fn every_other_sequence_is_removed() {
        let hostile: &[&[u8]] = &[
            b"\x1b]0;pwned title\x07",     // OSC 0: window title
            b"\x1b]2;pwned title\x1b\\",   // OSC 2, ST-terminated
            b"\x1b]52;c;cm0gLXJmIH4=\x07", // OSC 52: clipboard write
            b"\x1b[2J\x1b[H",              // clear screen, cursor home
            b"\x1b[10;20H\x1b[5A\x1b[3C",  // cursor moves
            b"\x1b[?1049h\x1b[?1049l",     // alternate screen toggles
            b"\x1bP1$r0m\x1b\\",           // DCS
            b"\x1b[?25l",                  // hide cursor
            b"\x1bc",                      // full reset
            b"\x07\x08",                   // bell, backspace
        ];
        for sequence in hostile {
            let mut sanitizer = Sanitizer::default();
            let mut input = b"before".to_vec();
            input.extend_from_slice(sequence);
            input.extend_from_slice(b"after\n");
            assert_eq!(
                plain(&sanitizer.feed(&input)),
                vec!["beforeafter"],
                "{:?}",
                String::from_utf8_lossy(sequence)
            );
        }
    }

    #[test]
    fn a_sequence_split_across_chunks_is_still_removed() {
        let mut sanitizer = Sanitizer::default();
        assert!(sanitizer.feed(b"a\x1b]0;ti").is_empty());
        assert_eq!(plain(&sanitizer.feed(b"tle\x07b\n")), vec!["ab"]);
    }

    #[test]
    fn carriage_returns_and_tabs_behave_like_a_terminal() {
        let mut sanitizer = Sanitizer::default();
        assert_eq!(plain(&sanitizer.feed(b"10%\r50%\r100%\n")), vec!["100%"]);
        assert_eq!(plain(&sanitizer.feed(b"a\tb\n")), vec!["a       b"]);
        assert!(sanitizer.feed(b"partial").is_empty());
        assert_eq!(plain(&[sanitizer.partial().unwrap()]), vec!["partial"]);
    }
}
