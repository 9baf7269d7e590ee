//! Turning raw output bytes into a line that is safe and short enough to display.

/// Longest line shown; the output file keeps every byte.
pub(crate) const MAX_DISPLAY_CHARS: usize = 4096;

/// A chunk of output as shared text for displays: validated as UTF-8 at full speed, and only
/// when that fails decoded the slow, lossy way (invalid bytes become U+FFFD).
pub(crate) fn display_text(raw: &[u8]) -> std::sync::Arc<str> {
    match std::str::from_utf8(raw) {
        Ok(text) => std::sync::Arc::from(text),
        Err(_) => std::sync::Arc::from(String::from_utf8_lossy(raw)),
    }
}

/// Lossy UTF-8, line ending removed, cut to [`MAX_DISPLAY_CHARS`] with a note of what was cut.
pub(crate) fn display_line(raw: &[u8]) -> String {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let text = String::from_utf8_lossy(raw);
    if text.chars().count() <= MAX_DISPLAY_CHARS {
        return text.into_owned();
    }
    let kept: String = text.chars().take(MAX_DISPLAY_CHARS).collect();
    let cut = raw.len() - kept.len();
    format!("{kept}… [{cut} more bytes in the output file]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_for_display_are_exact_when_valid_and_replaced_when_not() {
        assert_eq!(&*display_text(b"caf\xc3\xa9\n"), "café\n");
        assert_eq!(&*display_text(b"a\xffb"), "a\u{fffd}b");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        assert_eq!(
            display_line(b"ok \xff\xfe done\n"),
            "ok \u{fffd}\u{fffd} done"
        );
    }

    #[test]
    fn long_lines_are_cut_with_a_note() {
        let line = vec![b'x'; 10_000];
        let shown = display_line(&line);
        assert!(shown.starts_with(&"x".repeat(MAX_DISPLAY_CHARS)));
        assert!(shown.ends_with("[5904 more bytes in the output file]"));
    }
}
