//! A step attempt's full output, read from `output/` for the review: the file is read once to
//! find where its lines start and to check its SHA-256 against the journal (it may have changed
//! since verify ran); only the lines on screen are read again and sanitized when drawn, so a
//! 100 MB output opens at once and costs a few kilobytes of memory per screen. The file stays
//! open, so a file put in its place after the check is never the one shown.

use std::fs::File;
use std::io::{BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

use ratatui::text::Line;
use sha2::{Digest, Sha256};

use crate::protocol::encoding::hex;
use crate::protocol::output::OutputRecord;
use crate::tui::sanitize::Sanitizer;

/// Bytes of one line read for display.
const MAX_LINE_BYTES: u64 = 8 * 1024;

pub struct OutputView {
    file: File,
    /// Where each line starts; the last entry is the file's length.
    starts: Vec<u64>,
}

/// Why a step's output is not shown: said in the pane where it would be.
#[derive(Debug, thiserror::Error)]
pub enum OutputViewError {
    #[error("{path}: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} no longer has the SHA-256 the journal recorded: not shown")]
    Changed { path: String },
}

impl OutputView {
    /// Opens and indexes the file; refuses one whose bytes are not those the journal recorded.
    pub fn open(run_dir: &Path, record: &OutputRecord) -> Result<Self, OutputViewError> {
        let path = run_dir.join(&record.path);
        let unreadable = |source| OutputViewError::Unreadable {
            path: record.path.clone(),
            source,
        };
        let file = File::open(&path).map_err(unreadable)?;
        let mut reader = BufReader::with_capacity(256 * 1024, &file);
        let mut hasher = Sha256::new();
        let mut starts = vec![0u64];
        let mut offset = 0u64;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let read = reader.read(&mut buffer).map_err(unreadable)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            for at in memchr::memchr_iter(b'\n', &buffer[..read]) {
                starts.push(offset + at as u64 + 1);
            }
            offset += read as u64;
        }
        if hex(&hasher.finalize()) != record.sha256 {
            return Err(OutputViewError::Changed {
                path: record.path.clone(),
            });
        }
        if starts.last() != Some(&offset) {
            starts.push(offset);
        }
        Ok(Self { file, starts })
    }

    pub fn line_count(&self) -> usize {
        self.starts.len() - 1
    }

    /// `height` lines from line `first`, sanitized for display.
    pub fn lines(&self, first: usize, height: usize) -> Vec<Line<'static>> {
        let end = (first + height).min(self.line_count());
        (first.min(end)..end)
            .map(|index| {
                let (start, next) = (self.starts[index], self.starts[index + 1]);
                let length = (next - start).min(MAX_LINE_BYTES);
                let mut bytes = vec![0u8; length as usize];
                if self.file.read_exact_at(&mut bytes, start).is_err() {
                    return Line::from("(unreadable)");
                }
                let text = String::from_utf8_lossy(&bytes);
                Sanitizer::line(text.trim_end_matches('\n'))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(dir: &Path, bytes: &[u8]) -> OutputRecord {
        std::fs::create_dir_all(dir.join("output")).unwrap();
        std::fs::write(dir.join("output/s.1.log"), bytes).unwrap();
        OutputRecord {
            path: "output/s.1.log".into(),
            bytes: bytes.len() as u64,
            sha256: hex(&Sha256::digest(bytes)),
        }
    }

    #[test]
    fn lines_are_read_where_they_start_and_sanitized() {
        let dir = tempfile::tempdir().unwrap();
        let record = record(dir.path(), b"one\n\x1b]0;title\x07two\nthree");
        let view = OutputView::open(dir.path(), &record).unwrap();
        assert_eq!(view.line_count(), 3);
        let lines: Vec<String> = view.lines(1, 5).iter().map(ToString::to_string).collect();
        assert_eq!(lines, vec!["two", "three"]);
    }

    #[test]
    fn a_file_changed_since_the_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let record = record(dir.path(), b"original\n");
        std::fs::write(dir.path().join("output/s.1.log"), b"edited\n").unwrap();
        let refused = OutputView::open(dir.path(), &record).err().unwrap();
        assert!(
            matches!(refused, OutputViewError::Changed { .. }),
            "{refused}"
        );
    }

    #[test]
    fn a_file_put_in_place_after_the_check_is_not_the_one_shown() {
        let dir = tempfile::tempdir().unwrap();
        let record = record(dir.path(), b"checked\n");
        let view = OutputView::open(dir.path(), &record).unwrap();
        std::fs::write(dir.path().join("swap"), b"swapped\n").unwrap();
        std::fs::rename(dir.path().join("swap"), dir.path().join("output/s.1.log")).unwrap();
        assert_eq!(view.lines(0, 1)[0].to_string(), "checked");
    }
}
