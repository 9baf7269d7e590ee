//! Runbook text (titles, descriptions) made fit for the screen. The layout is computed from
//! each character's width; characters whose width terminals disagree on — emoji variation
//! selectors, zero-width joiners — or that move the cursor would shift every column after
//! them, so they are dropped. Descriptions are written with line breaks for the TOML file's
//! sake; on screen they are paragraphs that wrap to the window.

/// One line for the screen: line breaks and tabs become spaces; other control characters and
/// the invisible characters terminals measure differently are dropped.
pub(crate) fn for_terminal(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .filter(|c| shown(*c))
        .collect()
}

fn shown(c: char) -> bool {
    !(c.is_control()
        // Variation selectors: `🗄️` is one column for the layout, two on most terminals.
        || ('\u{FE00}'..='\u{FE0F}').contains(&c)
        // Zero-width joiner and spaces, word joiner, BOM.
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
        // Bidirectional overrides and isolates: they reorder what follows on screen.
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
}

/// Text whose line breaks matter (instructions): each line made fit for the screen.
pub(crate) fn lines_for_terminal(text: &str) -> String {
    text.lines()
        .map(for_terminal)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A description as paragraphs: lines joined with spaces, blank lines kept as breaks.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(for_terminal(&current.join(" ")));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(for_terminal(&current.join(" ")));
    }
    paragraphs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_ambiguous_and_moving_characters_are_dropped() {
        assert_eq!(for_terminal("🗄\u{FE0F} Infrastructure"), "🗄 Infrastructure");
        assert_eq!(for_terminal("a\u{1b}[2Jb\u{7}"), "a[2Jb");
        assert_eq!(for_terminal("admin\u{202E}gnp.exe"), "admingnp.exe");
        assert_eq!(for_terminal("Sécurité 🔒"), "Sécurité 🔒");
        assert_eq!(for_terminal("two\nlines\tand a tab"), "two lines and a tab");
    }

    #[test]
    fn descriptions_wrap_as_paragraphs() {
        assert_eq!(
            paragraphs("One sentence\nthat goes on.\n\n  Second\nparagraph.\n"),
            vec!["One sentence that goes on.", "Second paragraph."]
        );
        assert!(paragraphs("").is_empty());
    }
}
