//! Dotenv files as docker compose and most tools read them: `KEY=value`, `export KEY=value`,
//! `#` comments, single quotes literal, double quotes with `\n`, `\"` and `\\` escapes.

/// Which line of a dotenv text is wrong, and how.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub(crate) struct DotenvError {
    pub(crate) line: usize,
    pub(crate) problem: DotenvProblem,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DotenvProblem {
    #[error("expected KEY=value")]
    NoEquals,
    #[error("`{0}` is not a variable name")]
    NotAName(String),
    #[error("unclosed single quote")]
    UnclosedSingleQuote,
    #[error("unclosed double quote")]
    UnclosedDoubleQuote,
}

/// Parses a dotenv text into pairs, or says which line is wrong.
pub(crate) fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>, DotenvError> {
    let mut pairs = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let trimmed = trimmed
            .strip_prefix("export ")
            .unwrap_or(trimmed)
            .trim_start();
        let Some((key, raw)) = trimmed.split_once('=') else {
            return Err(wrong(index, DotenvProblem::NoEquals));
        };
        let key = key.trim();
        if !crate::runbook::names::is_env_var_name(key) {
            return Err(wrong(index, DotenvProblem::NotAName(key.to_string())));
        }
        let raw = raw.trim_start();
        let value = if let Some(rest) = raw.strip_prefix('\'') {
            let mut value = rest.to_string();
            while !value.contains('\'') {
                let Some((_, next)) = lines.next() else {
                    return Err(wrong(index, DotenvProblem::UnclosedSingleQuote));
                };
                value.push('\n');
                value.push_str(next);
            }
            value[..value.find('\'').expect("checked")].to_string()
        } else if let Some(rest) = raw.strip_prefix('"') {
            let mut body = rest.to_string();
            loop {
                if let Some(end) = closing_double_quote(&body) {
                    break unescape(&body[..end]);
                }
                let Some((_, next)) = lines.next() else {
                    return Err(wrong(index, DotenvProblem::UnclosedDoubleQuote));
                };
                body.push('\n');
                body.push_str(next);
            }
        } else {
            // Unquoted: an inline comment starts at ` #`.
            let value = raw.split(" #").next().unwrap_or(raw);
            value.trim_end().to_string()
        };
        pairs.push((key.to_string(), value));
    }
    Ok(pairs)
}

fn wrong(index: usize, problem: DotenvProblem) -> DotenvError {
    DotenvError {
        line: index + 1,
        problem,
    }
}

fn closing_double_quote(body: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_common_dotenv_forms() {
        let text = "# comment\n\nA=1\nexport B = two words \nC='single # not comment'\nD=\"line\\nbreak \\\"q\\\"\"\nE=value # comment\nF=\nG=\"multi\nline\"\n";
        let pairs = parse_dotenv(text).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "single # not comment".into()),
                ("D".into(), "line\nbreak \"q\"".into()),
                ("E".into(), "value".into()),
                ("F".into(), "".into()),
                ("G".into(), "multi\nline".into()),
            ]
        );
    }

    #[test]
    fn says_which_line_is_wrong() {
        let wrong = parse_dotenv("A=1\nnot a pair\n").unwrap_err();
        assert_eq!(wrong.to_string(), "line 2: expected KEY=value");
        assert_eq!(
            parse_dotenv("A=\"open\n").unwrap_err().problem,
            DotenvProblem::UnclosedDoubleQuote
        );
        assert_eq!(
            parse_dotenv("1A=x").unwrap_err().problem,
            DotenvProblem::NotAName("1A".into())
        );
    }
}
