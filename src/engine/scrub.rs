//! Removing secret values from everything a command prints, before it is shown or stored.

use std::borrow::Cow;

use regex::bytes::Regex;

use crate::runbook::template::SECRET_MASK;

/// Replaces every occurrence of a secret value with `***`.
#[derive(Clone, Debug, Default)]
pub struct Scrubber {
    /// One alternation of all secrets, longest first, so a secret that contains another is
    /// masked whole. `None` when the run has no secret.
    pattern: Option<Regex>,
    /// The longest secret's length in bytes.
    longest: usize,
    /// Some secret holds a line break, so it can span two lines.
    multiline: bool,
}

impl Scrubber {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut secrets: Vec<&str> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        if secrets.is_empty() {
            return Self::default();
        }
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let alternation = secrets
            .iter()
            .map(|s| regex::escape(s))
            .collect::<Vec<_>>()
            .join("|");
        Self {
            pattern: Some(Regex::new(&alternation).expect("escaped literals always compile")),
            longest: secrets[0].len(),
            multiline: secrets.iter().any(|s| s.contains('\n')),
        }
    }

    pub fn scrub_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        match &self.pattern {
            Some(pattern) => pattern.replace_all(bytes, SECRET_MASK.as_bytes()),
            None => Cow::Borrowed(bytes),
        }
    }

    /// No secret to mask: scrubbing would change nothing.
    pub fn is_empty(&self) -> bool {
        self.pattern.is_none()
    }

    pub fn scrub_text(&self, text: &str) -> String {
        String::from_utf8_lossy(&self.scrub_bytes(text.as_bytes())).into_owned()
    }
}

/// Scrubs output that arrives in pieces (a line longer than a read comes in several): a secret
/// cut between two pieces is still masked whole. The last bytes of a piece that might begin a
/// secret are held until the next piece, or the end; a piece that ends a line is passed whole
/// when no secret spans lines, so a command's last line is never held back.
#[derive(Debug, Default)]
pub(crate) struct StreamScrubber {
    held: Vec<u8>,
}

impl StreamScrubber {
    /// What of `piece` (after what was held) can be shown and stored now, scrubbed.
    pub(crate) fn push(&mut self, scrubber: &Scrubber, piece: Vec<u8>) -> Vec<u8> {
        let Some(pattern) = &scrubber.pattern else {
            return piece;
        };
        let mut data = if self.held.is_empty() {
            piece
        } else {
            let mut joined = std::mem::take(&mut self.held);
            joined.extend_from_slice(&piece);
            joined
        };
        let keep = if !scrubber.multiline && data.ends_with(b"\n") {
            0
        } else {
            scrubber.longest - 1
        };
        // Cut before the bytes a secret might start in; a secret found across the cut is
        // complete in `data`, so the cut moves past it.
        let mut cut = data.len().saturating_sub(keep);
        for found in pattern.find_iter(&data) {
            if found.start() >= cut {
                break;
            }
            if found.end() > cut {
                cut = found.end();
            }
        }
        self.held = data.split_off(cut);
        scrubber.scrub_bytes(&data).into_owned()
    }

    /// What was held, at the end of the stream, scrubbed.
    pub(crate) fn finish(&mut self, scrubber: &Scrubber) -> Vec<u8> {
        let held = std::mem::take(&mut self.held);
        scrubber.scrub_bytes(&held).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_cut_anywhere_between_pieces_is_masked_whole() {
        let scrubber = Scrubber::new(["hunter2-very-secret", "hunter2"]);
        let text = b"aa hunter2-very-secret bb hunter2 cc hunter2-very-secret".to_vec();
        for first in 0..text.len() {
            for second in first..text.len() {
                let mut stream = StreamScrubber::default();
                let mut out = stream.push(&scrubber, text[..first].to_vec());
                out.extend(stream.push(&scrubber, text[first..second].to_vec()));
                out.extend(stream.push(&scrubber, text[second..].to_vec()));
                out.extend(stream.finish(&scrubber));
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    "aa *** bb *** cc ***",
                    "cut at {first} and {second}"
                );
            }
        }
    }

    #[test]
    fn a_piece_that_ends_a_line_is_passed_whole() {
        let scrubber = Scrubber::new(["secret"]);
        let mut stream = StreamScrubber::default();
        assert_eq!(
            stream.push(&scrubber, b"progress 10%\n".to_vec()),
            b"progress 10%\n"
        );
        let no_secret = Scrubber::default();
        assert_eq!(stream.push(&no_secret, b"partial".to_vec()), b"partial");
    }

    #[test]
    fn masks_every_secret_and_the_longest_first() {
        let scrubber = Scrubber::new(["abc", "abcdef", ""]);
        assert_eq!(scrubber.scrub_text("x abcdef y abc z"), "x *** y *** z");
        assert_eq!(Scrubber::default().scrub_text("abc"), "abc");
        assert_eq!(Scrubber::new(["a.b"]).scrub_text("a.b axb"), "*** axb");
    }
}
