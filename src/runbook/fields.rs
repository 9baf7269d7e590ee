//! Reading one TOML table field by field, recording a diagnostic for every problem instead of
//! stopping at the first, each at the exact key or value at fault.
//!
//! Why not `#[derive(Deserialize)]`: serde stops at the first error of a document, and with an
//! internally tagged step enum it points at the `[[phase.step]]` header instead of the bad key.
//! A runbook author wants every problem of the file at once, each under its own caret.
//!
//! Every key the parser asks for is remembered, so [`TableReader::finish`] knows both which
//! keys were never read (unknown keys) and what the author probably meant.

use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostics;
use super::duration::parse_duration;
use super::source::{Located, SourceFile, Span};
use super::suggest::did_you_mean;
use super::template::Template;

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

pub struct TableReader<'a, 'i, 'd> {
    table: &'a DeTable<'i>,
    /// A place to point at when a required key is missing.
    anchor: Span,
    /// How messages name this table: "step `migrate`", "`[runbook]`".
    pub what: String,
    asked: Vec<&'static str>,
    pub source: &'a SourceFile,
    pub diags: &'d mut Diagnostics,
}

impl<'a, 'i, 'd> TableReader<'a, 'i, 'd> {
    pub fn new(
        table: &'a DeTable<'i>,
        anchor: Span,
        what: impl Into<String>,
        source: &'a SourceFile,
        diags: &'d mut Diagnostics,
    ) -> Self {
        Self {
            table,
            anchor,
            what: what.into(),
            asked: Vec::new(),
            source,
            diags,
        }
    }

    pub fn anchor(&self) -> Span {
        self.anchor.clone()
    }

    pub fn set_anchor(&mut self, anchor: Span) {
        self.anchor = anchor;
    }

    /// The raw value of a key, marking the key as known.
    pub fn raw(&mut self, key: &'static str) -> Option<&'a Value<'i>> {
        if !self.asked.contains(&key) {
            self.asked.push(key);
        }
        self.table.get(key)
    }

    pub fn has(&mut self, key: &'static str) -> bool {
        self.raw(key).is_some()
    }

    /// The span of a key as written (for "remove this key" diagnostics).
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.table
            .get_key_value(key)
            .map(|(written, _)| written.span())
    }

    pub fn type_error(&mut self, key: &str, value: &Value<'_>, expected: &str) {
        self.diags.error(
            value.span(),
            format!(
                "`{key}` must be {expected}, not {}",
                article(value.get_ref().type_str())
            ),
        );
    }

    pub fn missing(&mut self, key: &str, hint: Option<&str>) {
        let what = self.what.clone();
        let diag = self
            .diags
            .error(self.anchor.clone(), format!("{what} is missing `{key}`"));
        if let Some(hint) = hint {
            diag.with_hint(hint);
        }
    }

    /// A key that may be left out, but whose absence deserves a word.
    pub fn warn_missing(&mut self, key: &str, hint: &str) {
        let what = self.what.clone();
        self.diags
            .warning(self.anchor.clone(), format!("{what} has no `{key}`"))
            .with_hint(hint);
    }

    pub fn string(&mut self, key: &'static str) -> Option<Located<String>> {
        let value = self.raw(key)?;
        match value.get_ref() {
            DeValue::String(text) => Some(Located::new(text.to_string(), value.span())),
            _ => {
                self.type_error(key, value, "a string");
                None
            }
        }
    }

    pub fn required_string(&mut self, key: &'static str) -> Option<Located<String>> {
        let found = self.string(key);
        if found.is_none() && !self.table.contains_key(key) {
            self.missing(key, None);
        }
        found
    }

    pub fn template(&mut self, key: &'static str) -> Option<Template> {
        let value = self.raw(key)?;
        self.template_of(key, value)
    }

    pub fn required_template(&mut self, key: &'static str) -> Option<Template> {
        let found = self.template(key);
        if found.is_none() && !self.table.contains_key(key) {
            self.missing(key, None);
        }
        found
    }

    /// A string value parsed as a template; a placeholder that never closes is reported.
    pub fn template_of(&mut self, key: &str, value: &Value<'_>) -> Option<Template> {
        let DeValue::String(text) = value.get_ref() else {
            self.type_error(key, value, "a string");
            return None;
        };
        let span = value.span();
        let content_offset = content_offset(self.source.slice(&span), text).map(|o| span.start + o);
        match Template::parse(text, span.clone(), content_offset) {
            Ok(template) => Some(template),
            Err(err) => {
                let at = match content_offset {
                    Some(offset) => offset + err.at.start..offset + err.at.end,
                    None => span,
                };
                self.diags.error(at, err.message).with_hint(
                    "write `{{ name }}`, or leave Go templates such as `{{.Status}}` as they are",
                );
                None
            }
        }
    }

    pub fn bool(&mut self, key: &'static str) -> Option<bool> {
        let value = self.raw(key)?;
        match value.get_ref() {
            DeValue::Boolean(flag) => Some(*flag),
            _ => {
                self.type_error(key, value, "`true` or `false`");
                None
            }
        }
    }

    pub fn integer(&mut self, key: &'static str) -> Option<Located<i64>> {
        let value = self.raw(key)?;
        self.integer_of(key, value)
    }

    pub fn integer_of(&mut self, key: &str, value: &Value<'_>) -> Option<Located<i64>> {
        match value.get_ref() {
            DeValue::Integer(int) => match i64::from_str_radix(int.as_str(), int.radix()) {
                Ok(number) => Some(Located::new(number, value.span())),
                Err(_) => {
                    self.diags
                        .error(value.span(), format!("`{key}` is out of range"));
                    None
                }
            },
            _ => {
                self.type_error(key, value, "an integer");
                None
            }
        }
    }

    /// An integer that must lie in `range`, e.g. `retries` in 0..=100.
    pub fn integer_in(
        &mut self,
        key: &'static str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<Located<i64>> {
        let found = self.integer(key)?;
        if range.contains(&found.value) {
            Some(found)
        } else {
            self.diags.error(
                found.span.clone(),
                format!(
                    "`{key}` must be between {} and {}, not {}",
                    range.start(),
                    range.end(),
                    found.value
                ),
            );
            None
        }
    }

    /// A number written as an integer or a float.
    pub fn number(&mut self, key: &'static str) -> Option<Located<f64>> {
        let value = self.raw(key)?;
        match value.get_ref() {
            DeValue::Float(float) => match float.as_str().parse::<f64>() {
                Ok(number) if number.is_finite() => Some(Located::new(number, value.span())),
                _ => {
                    self.diags
                        .error(value.span(), format!("`{key}` must be a finite number"));
                    None
                }
            },
            DeValue::Integer(_) => self
                .integer_of(key, value)
                .map(|int| Located::new(int.value as f64, int.span)),
            _ => {
                self.type_error(key, value, "a number");
                None
            }
        }
    }

    pub fn duration(&mut self, key: &'static str) -> Option<Located<Duration>> {
        let found = self.string(key)?;
        match parse_duration(&found.value) {
            Ok(duration) => Some(Located::new(duration, found.span)),
            Err(problem) => {
                self.diags
                    .error(found.span, format!("`{key}` is not a duration: {problem}"))
                    .with_hint("write durations like `200ms`, `90s`, `2m` or `1h30m`");
                None
            }
        }
    }

    pub fn array(&mut self, key: &'static str) -> Option<&'a [Value<'i>]> {
        let value = self.raw(key)?;
        match value.get_ref() {
            DeValue::Array(items) => Some(items.as_ref()),
            _ => {
                self.type_error(key, value, "an array");
                None
            }
        }
    }

    pub fn string_list(&mut self, key: &'static str) -> Vec<Located<String>> {
        let Some(items) = self.array(key) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| match item.get_ref() {
                DeValue::String(text) => Some(Located::new(text.to_string(), item.span())),
                _ => {
                    self.type_error(&format!("each item of `{key}`"), item, "a string");
                    None
                }
            })
            .collect()
    }

    pub fn template_list(&mut self, key: &'static str) -> Vec<Template> {
        let Some(items) = self.array(key) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.template_of(&format!("each item of `{key}`"), item))
            .collect()
    }

    pub fn table(&mut self, key: &'static str) -> Option<(&'a DeTable<'i>, Span)> {
        let value = self.raw(key)?;
        match value.get_ref() {
            DeValue::Table(table) => Some((table, value.span())),
            _ => {
                self.type_error(key, value, "a table");
                None
            }
        }
    }

    /// A table of `name = "template"` entries (headers, env).
    pub fn template_map(&mut self, key: &'static str) -> Vec<(Located<String>, Template)> {
        let Some((table, _)) = self.table(key) else {
            return Vec::new();
        };
        table
            .iter()
            .filter_map(|(name, value)| {
                let template = self.template_of(&format!("{key}.{}", name.get_ref()), value)?;
                Some((
                    Located::new(name.get_ref().to_string(), name.span()),
                    template,
                ))
            })
            .collect()
    }

    /// One of a fixed set of words, e.g. `on_failure = "rollback"`.
    pub fn choice<T: Copy>(&mut self, key: &'static str, options: &[(&str, T)]) -> Option<T> {
        let found = self.string(key)?;
        if let Some((_, choice)) = options.iter().find(|(word, _)| *word == found.value) {
            return Some(*choice);
        }
        let words: Vec<&str> = options.iter().map(|(word, _)| *word).collect();
        let list = words
            .iter()
            .map(|word| format!("`{word}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let diag = self.diags.error(
            found.span,
            format!("`{key}` must be one of {list}, not `{}`", found.value),
        );
        if let Some(close) = did_you_mean(&found.value, words.iter().copied()) {
            diag.with_hint(format!("did you mean `{close}`?"));
        }
        None
    }

    /// Reports every key of the table that no parser asked for.
    /// A string value compiled as a regular expression; one that does not compile is reported.
    pub fn regex(&mut self, key: &'static str) -> Option<Located<regex::Regex>> {
        let pattern = self.string(key)?;
        match regex::Regex::new(&pattern.value) {
            Ok(regex) => Some(Located::new(regex, pattern.span)),
            Err(err) => {
                self.invalid_regex(pattern.span, &err);
                None
            }
        }
    }

    /// Reports a regex that does not compile, with the regex crate's own explanation.
    pub(crate) fn invalid_regex(&mut self, span: Span, err: &regex::Error) {
        let detail = match err {
            regex::Error::Syntax(text) => {
                let last = text.lines().last().unwrap_or(text).trim();
                last.strip_prefix("error: ").unwrap_or(last).to_string()
            }
            other => other.to_string(),
        };
        self.diags
            .error(span, format!("invalid regular expression: {detail}"))
            .with_hint(
                "the syntax is the Rust `regex` crate's (no look-around or back-references)",
            );
    }

    pub fn finish(self) {
        for (key, _) in self.table.iter() {
            let name = key.get_ref().as_ref();
            if self.asked.contains(&name) {
                continue;
            }
            let diag = self
                .diags
                .error(key.span(), format!("unknown key `{name}` in {}", self.what));
            if let Some(close) = did_you_mean(name, self.asked.iter().copied()) {
                diag.with_hint(format!("did you mean `{close}`?"));
            }
        }
    }
}

/// Where a string's content starts inside its TOML literal, when the content is written
/// exactly as it is (no escapes), so that a position inside the string maps onto the file.
fn content_offset(raw: &str, content: &str) -> Option<usize> {
    for delimiter in ["\"\"\"", "'''", "\"", "'"] {
        if raw.len() >= 2 * delimiter.len()
            && raw.starts_with(delimiter)
            && raw.ends_with(delimiter)
        {
            let mut start = delimiter.len();
            let inner = &raw[start..raw.len() - delimiter.len()];
            let inner = if delimiter.len() == 3 {
                let trimmed = inner
                    .strip_prefix("\r\n")
                    .or_else(|| inner.strip_prefix('\n'))
                    .unwrap_or(inner);
                start += inner.len() - trimmed.len();
                trimmed
            } else {
                inner
            };
            return (inner == content).then_some(start);
        }
    }
    None
}

fn article(type_name: &str) -> String {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::content_offset;

    #[test]
    fn content_offset_maps_plain_strings_and_gives_up_on_escapes() {
        assert_eq!(content_offset("\"abc\"", "abc"), Some(1));
        assert_eq!(content_offset("'a\\b'", "a\\b"), Some(1));
        assert_eq!(content_offset("\"\"\"\nabc\"\"\"", "abc"), Some(4));
        assert_eq!(content_offset("\"a\\tb\"", "a\tb"), None);
    }
}
