//! A step's live output as the TUI keeps it: the most recent raw lines (the output file has
//! everything), sanitized only when drawn. A flood of output therefore costs a line split and a
//! copy per line, not a terminal parse of every byte; only the ~20 visible lines are parsed.

use std::collections::VecDeque;

use ratatui::text::{Line, Span};

use super::sanitize::Sanitizer;

/// Lines kept per step for scrolling back.
pub(crate) const MAX_LINES: usize = 5_000;
/// Characters of one line shown; longer lines are cut (the file keeps them whole).
pub(crate) const MAX_LINE_CHARS: usize = 1_000;
/// Bytes of one line kept: enough for [`MAX_LINE_CHARS`] characters and their colour codes.
const MAX_LINE_BYTES: usize = 8 * 1024;

#[derive(Default)]
pub(crate) struct OutputBuffer {
    lines: VecDeque<String>,
    partial: String,
    /// Lines dropped from the front to stay within [`MAX_LINES`].
    pub dropped: usize,
}

impl OutputBuffer {
    pub(crate) fn push(&mut self, text: &str) {
        let mut segments = text.split('\n');
        let last = segments.next_back().unwrap_or_default();
        let complete: Vec<&str> = segments.collect();
        // Of a huge chunk only the last MAX_LINES lines can survive: skip the rest at once.
        let skip = complete.len().saturating_sub(MAX_LINES);
        if let Some(first) = complete.first() {
            let head = std::mem::take(&mut self.partial) + first;
            if skip == 0 {
                self.keep(head);
            }
        }
        self.dropped += skip.saturating_sub(1) + usize::from(skip > 0);
        for line in complete.iter().skip(skip.max(1)) {
            self.keep((*line).to_string());
        }
        append_bounded(&mut self.partial, last);
    }

    fn keep(&mut self, mut line: String) {
        if line.len() > MAX_LINE_BYTES {
            let mut end = MAX_LINE_BYTES;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            line.truncate(end);
        }
        if self.lines.len() == MAX_LINES {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
    }

    /// Every line, the partial one last.
    pub(crate) fn len(&self) -> usize {
        self.lines.len() + usize::from(!self.partial.is_empty())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every line kept, raw (the partial one last), for the viewer.
    pub(crate) fn raw_lines(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .map(String::as_str)
            .chain((!self.partial.is_empty()).then_some(self.partial.as_str()))
    }

    /// `height` lines ending `from_bottom` lines above the last one, sanitized for display.
    pub(crate) fn window(&self, height: usize, from_bottom: usize) -> Vec<Line<'static>> {
        let total = self.len();
        let end = total.saturating_sub(from_bottom);
        let start = end.saturating_sub(height);
        (start..end)
            .map(|index| {
                let raw = self
                    .lines
                    .get(index)
                    .map_or(self.partial.as_str(), String::as_str);
                cut(Sanitizer::line(raw))
            })
            .collect()
    }
}

fn append_bounded(partial: &mut String, text: &str) {
    let room = MAX_LINE_BYTES.saturating_sub(partial.len());
    let mut end = text.len().min(room);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    partial.push_str(&text[..end]);
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
        assert_eq!(buffer.len(), MAX_LINES);
        let last = buffer.window(2, 0);
        assert_eq!(last[1].to_string(), format!("line {}", MAX_LINES + 9));
        let earlier = buffer.window(1, 5);
        assert_eq!(earlier[0].to_string(), format!("line {}", MAX_LINES + 4));
    }

    #[test]
    fn lines_split_across_chunks_are_joined() {
        let mut buffer = OutputBuffer::default();
        buffer.push("hel");
        buffer.push("lo\nwor");
        assert_eq!(
            buffer
                .window(2, 0)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec!["hello", "wor"]
        );
        buffer.push("ld\n");
        assert_eq!(
            buffer
                .window(5, 0)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec!["hello", "world"]
        );
    }

    #[test]
    fn long_lines_are_cut_for_display() {
        let mut buffer = OutputBuffer::default();
        buffer.push(&format!("{}\n", "x".repeat(50_000)));
        assert_eq!(
            buffer.window(1, 0)[0].to_string().chars().count(),
            MAX_LINE_CHARS + 1
        );
    }

    #[test]
    fn escape_sequences_are_removed_when_drawn() {
        let mut buffer = OutputBuffer::default();
        buffer.push("a\x1b]0;title\x07\x1b[2Jb \x1b[31mred\x1b[0m\n");
        assert_eq!(buffer.window(1, 0)[0].to_string(), "ab red");
    }
}
