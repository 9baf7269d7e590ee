//! Text made safe to print on a terminal as plain lines: every command's output that may hold
//! bytes from a run, a journal or a runbook (headless progress, `verify`, `check`, error
//! messages) goes through [`plain`] before it reaches stdout or stderr.
//!
//! Escape and control sequences are removed whole (CSI, OSC — window titles, OSC 52 clipboard
//! writes —, DCS, APC), not just their ESC byte, by the `vte` parser the TUI's sanitizer uses
//! too; C0 and C1 controls other than LF and TAB go, and so do the bidi overrides and isolates
//! that make text read in another order than it runs (Trojan Source). Colours go too: a CI log
//! or a `tee`d file must read the same as the screen. The TUI keeps colours with its own
//! sanitizer (`tui/sanitize.rs`), which renders styled spans instead of text.

use std::borrow::Cow;

use vte::{Params, Parser, Perform};

/// `text` with every escape sequence, control character (LF and TAB kept) and bidi control
/// removed. Borrows when there is nothing to remove, which is nearly always.
pub(crate) fn plain(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut kept = Kept(String::with_capacity(text.len()));
    let mut parser = Parser::new();
    parser.advance(&mut kept, text.as_bytes());
    Cow::Owned(kept.0)
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// Bidi embeddings, overrides and isolates, and the implicit marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

struct Kept(String);

impl Perform for Kept {
    fn print(&mut self, c: char) {
        if !is_unsafe(c) {
            self.0.push(c);
        }
    }

    fn execute(&mut self, byte: u8) {
        if byte == b'\n' || byte == b'\t' {
            self.0.push(byte as char);
        }
    }

    fn hook(&mut self, _: &Params, _: &[u8], _: bool, _: char) {}
    fn put(&mut self, _: u8) {}
    fn unhook(&mut self) {}
    fn osc_dispatch(&mut self, _: &[&[u8]], _: bool) {}
    fn csi_dispatch(&mut self, _: &Params, _: &[u8], _: bool, _: char) {}
    fn esc_dispatch(&mut self, _: &[u8], _: bool, _: u8) {}
}

/// `1 line`, `2 lines`: a count with its noun as people write it.
pub(crate) fn counted(count: u64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            plain("-> step: déploiement\n\tok"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn titles_clipboard_writes_clears_and_colours_are_removed_whole() {
        let hostile =
            "a\x1b]0;owned\x07b\x1b]52;c;ZXZpbA==\x1b\\c\x1b[2J\x1b[Hd\x1b[31me\x1b[0m\r\n";
        assert_eq!(plain(hostile), "abcde\n");
    }

    #[test]
    fn c1_controls_dcs_and_bidi_overrides_are_removed() {
        // UTF-8 terminals do not read U+009B as CSI; the control itself still goes.
        assert_eq!(plain("x\u{9b}2Jy"), "x2Jy");
        assert_eq!(plain("x\x1bPq#0;2;0;0;0\x1b\\y"), "xy");
        assert_eq!(plain("admin\u{202E}txt.exe"), "admintxt.exe");
        assert_eq!(plain("bell\x07 back\x08space\x7f"), "bell backspace");
    }
}
