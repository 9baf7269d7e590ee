//! A runbook file as read from disk, with the line index that turns byte offsets into the
//! `line:column` positions every diagnostic prints.

use std::ops::Range;
use std::path::{Path, PathBuf};

/// A byte range in the source text.
pub(crate) type Span = Range<usize>;

/// A value together with where it was written, so a later rule can point at it.
#[derive(Clone, Debug, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Located<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

/// The text of a runbook and where it came from.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    /// Present when the file was not valid UTF-8: the offset of the first bad byte
    /// (the text is then the lossy decoding, kept so the position can still be shown).
    pub invalid_utf8_at: Option<usize>,
    /// Where its first byte is in the runbook's one offset space: 0 for the runbook, past
    /// the end of every file before it for an included file, so that a span alone says
    /// which file it is in (as rustc's source map does).
    pub base: usize,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Self {
        let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                (
                    String::from_utf8_lossy(err.as_bytes()).into_owned(),
                    Some(at),
                )
            }
        };
        Self::from_text(path, text, invalid_utf8_at)
    }

    pub fn from_text(path: &Path, text: String, invalid_utf8_at: Option<usize>) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path: path.to_path_buf(),
            text,
            invalid_utf8_at,
            base: 0,
            line_starts,
        }
    }

    /// The same file placed at `base` in the offset space.
    pub fn at_base(mut self, base: usize) -> Self {
        self.base = base;
        self.invalid_utf8_at = self.invalid_utf8_at.map(|at| at + base);
        self
    }

    /// The offset just past its last byte.
    pub fn end(&self) -> usize {
        self.base + self.text.len()
    }

    /// The span lies in this file.
    pub fn holds(&self, span: &Span) -> bool {
        self.base <= span.start && span.start <= self.end()
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.saturating_sub(self.base);
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let column = self.text[self.line_starts[line]..offset].chars().count() + 1;
        (line + 1, column)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map(|&next| next - 1)
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches('\r')
    }

    /// The source text a span covers.
    pub fn slice(&self, span: &Span) -> &str {
        let (start, end) = (
            span.start.saturating_sub(self.base),
            span.end.saturating_sub(self.base),
        );
        let start = self.floor_char_boundary(start.min(self.text.len()));
        let end = self
            .floor_char_boundary(end.min(self.text.len()))
            .max(start);
        &self.text[start..end]
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let source = SourceFile::from_text(Path::new("x"), "a = 1\ntitle = \"é\" x\n".into(), None);
        assert_eq!(source.line_col(0), (1, 1));
        assert_eq!(source.line_col(6), (2, 1));
        let x = source.text.rfind('x').unwrap();
        assert_eq!(source.line_col(x), (2, 13));
        assert_eq!(source.line_text(2), "title = \"é\" x");
    }

    #[test]
    fn invalid_utf8_keeps_the_offset_of_the_first_bad_byte() {
        let source = SourceFile::from_bytes(Path::new("x"), b"ab\n\xffc".to_vec());
        assert_eq!(source.invalid_utf8_at, Some(3));
        assert_eq!(source.line_col(3), (2, 1));
    }
}
