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
        }
    }

    pub fn scrub_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        match &self.pattern {
            Some(pattern) => pattern.replace_all(bytes, SECRET_MASK.as_bytes()),
            None => Cow::Borrowed(bytes),
        }
    }

    pub fn scrub_text(&self, text: &str) -> String {
        String::from_utf8_lossy(&self.scrub_bytes(text.as_bytes())).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_and_the_longest_first() {
        let scrubber = Scrubber::new(["abc", "abcdef", ""]);
        assert_eq!(scrubber.scrub_text("x abcdef y abc z"), "x *** y *** z");
        assert_eq!(Scrubber::default().scrub_text("abc"), "abc");
        assert_eq!(Scrubber::new(["a.b"]).scrub_text("a.b axb"), "*** axb");
    }
}
