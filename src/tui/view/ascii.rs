//! `--ascii`: after a frame is drawn, every non-ASCII character in it is replaced — borders by
//! `+ - |`, punctuation by its nearest ASCII, accented letters by their base letter — so no
//! terminal or font ever has to show anything but ASCII.

use ratatui::buffer::Buffer;

pub(crate) fn asciify(buffer: &mut Buffer) {
    for cell in buffer.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let replacement: String = symbol.chars().map(ascii_for).collect();
        cell.set_symbol(&replacement);
    }
}

fn ascii_for(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    match c {
        '─' | '━' | '═' | '—' | '–' | '‐' | '⎯' => '-',
        '│' | '┃' | '║' | '▏' => '|',
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╰' | '╯' | '╔' | '╗'
        | '╚' | '╝' => '+',
        '·' | '•' => '*',
        '…' => '.',
        '›' | '▶' | '→' => '>',
        '‹' | '←' => '<',
        '↑' => '^',
        '↓' => 'v',
        '✓' | '✔' => '+',
        '✗' | '✘' => 'x',
        '↷' => '-',
        '✎' => 'm',
        '☐' => ' ',
        '☑' => 'x',
        '‘' | '’' => '\'',
        '“' | '”' | '«' | '»' => '"',
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'î' | 'ï' | 'í' | 'ì' => 'i',
        'Î' | 'Ï' | 'Í' | 'Ì' => 'I',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => 'O',
        'û' | 'ü' | 'ú' | 'ù' => 'u',
        'Û' | 'Ü' | 'Ú' | 'Ù' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        'ñ' => 'n',
        'Ñ' => 'N',
        '\u{a0}' => ' ',
        _ => '?',
    }
}

#[cfg(test)]
mod tests {
    use super::ascii_for;

    #[test]
    fn transliterates_what_it_can() {
        let text: String = "Déploiement — prêt ✓ │ ·".chars().map(ascii_for).collect();
        assert_eq!(text, "Deploiement - pret + | *");
        assert_eq!(ascii_for('🚀'), '?');
    }
}
