//! A step's live output as the TUI keeps it: sanitized, styled lines, the most recent ones only
//! (the output file has everything), with the line being written shown too.

use std::collections::VecDeque;

use ratatui::text::{Line, Span};

use super::sanitize::Sanitizer;

/// Lines kept per step for scrolling back.
pub const MAX_LINES: usize = 5_000;
/// Characters of one line shown; longer lines are cut (the file keeps them whole).
pub const MAX_LINE_CHARS: usize = 1_000;

#[derive(Default)]
pub struct OutputBuffer {
    sanitizer: Sanitizer,
    lines: VecDeque<Line<'static>>,
    /// Lines dropped from the front to stay within [`MAX_LINES`].
    pub dropped: usize,
}

impl OutputBuffer {
    pub fn push(&mut self, text: &str) {
        for line in self.sanitizer.feed(text.as_bytes()) {
            if self.lines.len() == MAX_LINES {
                self.lines.pop_front();
                self.dropped += 1;
            }
            self.lines.push_back(cut(line));
        }
    }

    /// Every line, the partial one last.
    pub fn len(&self) -> usize {
        self.lines.len() + usize::from(self.sanitizer.partial().is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `height` lines ending `from_bottom` lines above the last one.
    pub fn window(&self, height: usize, from_bottom: usize) -> Vec<Line<'static>> {
        let mut all: Vec<Line<'static>> = self.lines.iter().cloned().collect();
        if let Some(partial) = self.sanitizer.partial() {
            all.push(cut(partial));
        }
        let end = all.len().saturating_sub(from_bottom);
        let start = end.saturating_sub(height);
        all[start..end].to_vec()
    }
}

fn cut(line: Line<'static>) -> Line<'static> {
    let mut remaining = MAX_LINE_CHARS;
    let mut spans = Vec::new();
    for span in line.spans {
        if remaining == 0 {
            spans.push(Span::raw("…"));
            break;
        }
        let count = span.content.chars().count();
        if count <= remaining {
            remaining -= count;
            spans.push(span);
        } else {
            let kept: String = span.content.chars().take(remaining).collect();
            spans.push(Span::styled(kept, span.style));
            spans.push(Span::raw("…"));
            break;
        }
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent_lines_and_windows_from_the_bottom() {
        let mut buffer = OutputBuffer::default();
        let text: String = (0..MAX_LINES + 10).map(|n| format!("line {n}\n")).collect();
        buffer.push(&text);
        assert_eq!(buffer.dropped, 10);
        let last = buffer.window(2, 0);
        assert_eq!(last[1].to_string(), format!("line {}", MAX_LINES + 9));
        let earlier = buffer.window(1, 5);
        assert_eq!(earlier[0].to_string(), format!("line {}", MAX_LINES + 4));
    }

    #[test]
    fn long_lines_are_cut_for_display() {
        let mut buffer = OutputBuffer::default();
        buffer.push(&format!("{}\n", "x".repeat(5_000)));
        assert_eq!(
            buffer.window(1, 0)[0].to_string().chars().count(),
            MAX_LINE_CHARS + 1
        );
    }
}
