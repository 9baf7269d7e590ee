//! `{{ name }}` placeholders in runbook strings, and the variables they resolve from.
//!
//! Why not a template engine crate: minijinja, handlebars and tera all bring a language
//! (blocks, comments, filters) whose delimiters collide with what operators write in shell
//! commands — `${#array[@]}` opens a Jinja comment, `{{{ x }}}` bypasses Handlebars escaping —
//! and none reports byte positions `cutover check` can point at. The runbook language has one
//! construct, a name between double braces, so parsing it is a dozen lines. The part that is
//! easy to get wrong, quoting a value for `sh`, is done by the `shlex` crate (the quoter cargo
//! itself relies on). Anything between braces that is not a single name — a Go template such as
//! `{{.State.Health.Status}}`, `{{json .}}` or `{{end}}`, as docker and kubectl take — is left
//! as written; the Go action words (`end`, `range`, …) are therefore not variable names.

use std::collections::BTreeMap;
use std::ops::Range;

use super::source::Span;

/// A runbook string that may hold placeholders, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub source: String,
    /// The span of the TOML value (quotes included).
    pub span: Span,
    /// File offset of the first character of the string's content, when the content maps
    /// one-to-one onto the file (no escape sequences), so positions inside it are exact.
    pub content_offset: Option<usize>,
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    Placeholder { name: String, at: Range<usize> },
}

/// A placeholder that does not close.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateSyntaxError {
    pub at: Range<usize>,
    pub message: String,
}

impl Template {
    /// Parses a template. `span` and `content_offset` locate it in the runbook file.
    pub fn parse(
        source: &str,
        span: Span,
        content_offset: Option<usize>,
    ) -> Result<Self, TemplateSyntaxError> {
        Ok(Self {
            source: source.to_string(),
            span,
            content_offset,
            pieces: split_pieces(source)?,
        })
    }

    /// Parses a string that was already checked (a JSON body's strings): an unclosed `{{` is
    /// then kept as text.
    pub fn literal_parse(text: &str) -> Self {
        Self::parse(text, 0..0, None).unwrap_or_else(|_| Self::literal(text))
    }

    /// A template with no placeholders, for values built in code.
    pub fn literal(text: &str) -> Self {
        Self {
            source: text.to_string(),
            span: 0..0,
            content_offset: None,
            pieces: vec![Piece::Text(text.to_string())],
        }
    }

    /// Every placeholder name, with its span in the runbook file (the placeholder itself when
    /// the string maps onto the file, else the whole value).
    pub fn references(&self) -> impl Iterator<Item = (&str, Span)> + '_ {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Placeholder { name, at } => Some((name.as_str(), self.file_span(at))),
            Piece::Text(_) => None,
        })
    }

    /// Every placeholder name with where it stands inside the string.
    pub fn reference_ranges(&self) -> impl Iterator<Item = (&str, Range<usize>)> + '_ {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Placeholder { name, at } => Some((name.as_str(), at.clone())),
            Piece::Text(_) => None,
        })
    }

    /// Maps a range inside the string onto the file.
    pub fn file_span(&self, at: &Range<usize>) -> Span {
        match self.content_offset {
            Some(offset) => offset + at.start..offset + at.end,
            None => self.span.clone(),
        }
    }

    /// Placeholders written inside shell quotes, such as `"{{ x }}"` or `-m "done: {{ x }}"`
    /// in a `run` string: the value is already quoted for the shell, so inside quotes its own
    /// quotes become characters of the argument (`it's` would arrive as `'it'\''s'`).
    pub fn quoted_placeholders(&self) -> Vec<(String, Span)> {
        let mut quote: Option<char> = None;
        let mut escaped = false;
        let mut found = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => {
                    for c in text.chars() {
                        match (quote, c) {
                            (_, _) if escaped => escaped = false,
                            (Some('\''), '\'') => quote = None,
                            (Some('\''), _) => {}
                            (_, '\\') => escaped = true,
                            (Some('"'), '"') => quote = None,
                            (None, '\'' | '"') => quote = Some(c),
                            _ => {}
                        }
                    }
                }
                Piece::Placeholder { name, at } if quote.is_some() => {
                    found.push((name.clone(), self.file_span(at)));
                }
                Piece::Placeholder { .. } => {}
            }
        }
        found
    }

    /// The name of the one placeholder that is the whole template (`"{{ nodes }}"`), if so:
    /// in `argv`, a list there becomes several arguments.
    pub fn sole_placeholder(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [Piece::Placeholder { name, .. }] => Some(name),
            _ => None,
        }
    }

    pub fn has_placeholders(&self) -> bool {
        self.pieces
            .iter()
            .any(|piece| matches!(piece, Piece::Placeholder { .. }))
    }

    /// Replaces every placeholder by its value. With [`Quoting::Shell`], each value becomes one
    /// literal shell word whatever it holds, and a secret is refused: it would show in `ps`.
    pub fn render(&self, scope: &Scope, quoting: Quoting) -> Result<Rendered, RenderError> {
        let mut text = String::with_capacity(self.source.len());
        let mut display = String::with_capacity(self.source.len());
        for piece in &self.pieces {
            match piece {
                Piece::Text(literal) => {
                    text.push_str(literal);
                    display.push_str(literal);
                }
                Piece::Placeholder { name, .. } => {
                    let value = scope
                        .get(name)
                        .ok_or_else(|| RenderError::Undefined(name.clone()))?;
                    match quoting {
                        Quoting::Verbatim => text.push_str(&value.text),
                        Quoting::Shell if value.secret => {
                            return Err(RenderError::SecretInShell(name.clone()));
                        }
                        Quoting::Shell => {
                            let quoted = shell_words(value)
                                .ok_or_else(|| RenderError::NulByte(name.clone()))?;
                            text.push_str(&quoted);
                        }
                    }
                    if value.secret {
                        display.push_str(SECRET_MASK);
                    } else if quoting == Quoting::Shell {
                        display.push_str(&shell_words(value).unwrap_or_default());
                    } else {
                        display.push_str(&value.text);
                    }
                }
            }
        }
        Ok(Rendered { text, display })
    }
}

/// A value as shell words: one quoted word, or for a list one quoted word per item, separated
/// by spaces (an empty list is no word at all). `None` when a value holds a NUL byte.
fn shell_words(value: &Value) -> Option<String> {
    let quote = |text: &str| shlex::try_quote(text).ok().map(|q| q.into_owned());
    match &value.items {
        None => quote(&value.text),
        Some(items) => Some(
            items
                .iter()
                .map(|item| quote(item))
                .collect::<Option<Vec<_>>>()?
                .join(" "),
        ),
    }
}

/// What replaces a secret wherever it would be shown or stored.
pub(crate) const SECRET_MASK: &str = "***";

fn split_pieces(source: &str) -> Result<Vec<Piece>, TemplateSyntaxError> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest_start = 0;
    while let Some(open) = source[rest_start..].find("{{").map(|i| i + rest_start) {
        let Some(close) = source[open + 2..].find("}}").map(|i| i + open + 2) else {
            return Err(TemplateSyntaxError {
                at: open..open + 2,
                message: "`{{` is never closed by `}}`".into(),
            });
        };
        text.push_str(&source[rest_start..open]);
        let inner = &source[open + 2..close];
        let name = inner.trim();
        if is_placeholder_name(name) {
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Placeholder {
                name: name.to_string(),
                at: open..close + 2,
            });
        } else {
            text.push_str(&source[open..close + 2]);
        }
        rest_start = close + 2;
    }
    text.push_str(&source[rest_start..]);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// Go template actions that look like names; they stay Go's, so `{{end}}` passes through.
pub(crate) const GO_TEMPLATE_WORDS: [&str; 11] = [
    "end", "else", "if", "range", "with", "define", "template", "block", "break", "continue", "nil",
];

fn is_placeholder_name(name: &str) -> bool {
    if GO_TEMPLATE_WORDS.contains(&name) {
        return false;
    }
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quoting {
    /// Values go in as they are (URLs, headers, bodies, instructions).
    Verbatim,
    /// Values become single shell words (`run` strings).
    Shell,
}

/// A rendered template: `text` is what runs, `display` is what may be shown and recorded
/// (secrets replaced by `***`).
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub display: String,
}

/// Why a template cannot be filled in now: the step fails with this as its message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RenderError {
    #[error("variable `{0}` has no value yet")]
    Undefined(String),
    #[error("secret `{0}` cannot be placed in a command line; use ${env}", env = env_name(.0))]
    SecretInShell(String),
    #[error("variable `{0}` holds a NUL byte")]
    NulByte(String),
}

/// One variable's value.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// A list's text is its items joined with commas (how `--var` gives one, and how the
    /// header and `$CUTOVER_<NAME>` hold it).
    pub text: String,
    pub secret: bool,
    /// The items of a list variable.
    pub items: Option<Vec<String>>,
}

/// What separates a list's items in its text form.
pub(crate) const LIST_SEPARATOR: char = ',';

/// Whether a value may be shown: a secret's is masked wherever it would appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secrecy {
    Plain,
    Secret,
}

impl Secrecy {
    /// As the runbook declares it (`secret = true`).
    pub fn declared(secret: bool) -> Self {
        if secret { Self::Secret } else { Self::Plain }
    }
}

/// The variables visible to a step: declared ones, built-ins and captures so far.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    values: BTreeMap<String, Value>,
}

impl Scope {
    pub fn set(&mut self, name: &str, text: impl Into<String>, secrecy: Secrecy) {
        self.values.insert(
            name.to_string(),
            Value {
                text: text.into(),
                secret: secrecy == Secrecy::Secret,
                items: None,
            },
        );
    }

    /// Sets a list variable: in a shell command line each item is a word of its own.
    pub fn set_list(&mut self, name: &str, items: Vec<String>, secrecy: Secrecy) {
        let text = items.join(&LIST_SEPARATOR.to_string());
        self.values.insert(
            name.to_string(),
            Value {
                text,
                secret: secrecy == Secrecy::Secret,
                items: Some(items),
            },
        );
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// Every variable as `CUTOVER_<NAME>` for a child's environment. Secrets included: the
    /// environment is the one way a secret reaches a command.
    pub fn exported_env(&self) -> impl Iterator<Item = (String, &str)> + '_ {
        self.values
            .iter()
            .map(|(name, value)| (env_name(name), value.text.as_str()))
    }

    /// The variables a process gets as `CUTOVER_<NAME>`: every one that is not secret, and a
    /// secret only when `named` says the process names it — least privilege: a step that does
    /// not use the admin token never has it in its environment.
    pub fn exported_env_for<'a>(
        &'a self,
        named: &'a dyn Fn(&str) -> bool,
    ) -> impl Iterator<Item = (String, &'a str)> + 'a {
        self.values
            .iter()
            .filter(move |(name, value)| !value.secret || named(name))
            .map(|(name, value)| (env_name(name), value.text.as_str()))
    }

    /// The values to scrub from output and messages.
    pub fn secret_values(&self) -> impl Iterator<Item = &str> + '_ {
        self.values
            .values()
            .filter(|value| value.secret && !value.text.is_empty())
            .map(|value| value.text.as_str())
    }
}

/// `CUTOVER_` followed by the name uppercased, with `-` and `.` as `_`.
pub(crate) fn env_name(name: &str) -> String {
    let mut out = String::from("CUTOVER_");
    out.extend(name.chars().map(|c| match c {
        '-' | '.' => '_',
        c => c.to_ascii_uppercase(),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn template(text: &str) -> Template {
        Template::parse(text, 0..text.len(), Some(0)).expect("valid template")
    }

    fn scope_with(name: &str, value: &str) -> Scope {
        let mut scope = Scope::default();
        scope.set(name, value, Secrecy::Plain);
        scope
    }

    /// Runs `printf '%s\0' <rendered>` through a real `sh -c` and returns the arguments it got.
    fn shell_arguments(run: &str, value: &str) -> Vec<String> {
        let rendered = template(run)
            .render(&scope_with("v", value), Quoting::Shell)
            .expect("renders");
        let output = Command::new("sh")
            .arg("-c")
            .arg(&rendered.text)
            .output()
            .expect("sh runs");
        assert!(output.status.success(), "sh failed on {:?}", rendered.text);
        let stdout = String::from_utf8(output.stdout).unwrap();
        stdout
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn hostile_values_reach_the_command_as_one_literal_argument() {
        let hostile = [
            "two words",
            "it's",
            "say \"hi\"",
            "$HOME",
            "`id`",
            "$(id)",
            "line one\nline two",
            "-rf",
            "--help",
            "*",
            "a;b&&c|d",
            "tab\there",
            "back\\slash",
            "{{ v }}",
            "é ünïcode 🚀",
            "!event",
            "~",
        ];
        for value in hostile {
            let args = shell_arguments("printf '%s\\0' {{ v }}", value);
            assert_eq!(args, vec![value.to_string()], "value {value:?}");
        }
    }

    #[test]
    fn empty_value_is_still_one_argument() {
        let rendered = template("set -- {{ v }}; echo $#")
            .render(&scope_with("v", ""), Quoting::Shell)
            .unwrap();
        let out = Command::new("sh")
            .arg("-c")
            .arg(&rendered.text)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    }

    #[test]
    fn verbatim_rendering_inserts_values_as_they_are() {
        let rendered = template("{{base_url}}/api/health?v={{ release }}")
            .render(
                &{
                    let mut s = scope_with("base_url", "http://127.0.0.1:8080");
                    s.set("release", "v1.2.3", Secrecy::Plain);
                    s
                },
                Quoting::Verbatim,
            )
            .unwrap();
        assert_eq!(rendered.text, "http://127.0.0.1:8080/api/health?v=v1.2.3");
    }

    #[test]
    fn secrets_are_masked_for_display_and_refused_on_command_lines() {
        let mut scope = Scope::default();
        scope.set("token", "s3cr3t", Secrecy::Secret);
        let header = template("Bearer {{ token }}")
            .render(&scope, Quoting::Verbatim)
            .unwrap();
        assert_eq!(header.text, "Bearer s3cr3t");
        assert_eq!(header.display, "Bearer ***");
        assert_eq!(
            template("curl -H {{ token }}").render(&scope, Quoting::Shell),
            Err(RenderError::SecretInShell("token".into()))
        );
        assert_eq!(scope.secret_values().collect::<Vec<_>>(), vec!["s3cr3t"]);
    }

    #[test]
    fn an_undefined_or_not_yet_captured_variable_is_an_error() {
        assert_eq!(
            template("echo {{ later }}").render(&Scope::default(), Quoting::Shell),
            Err(RenderError::Undefined("later".into()))
        );
    }

    #[test]
    fn go_templates_and_shell_braces_pass_through() {
        for text in [
            "docker inspect -f '{{.State.Health.Status}}' app",
            "kubectl get pods -o go-template='{{range .items}}{{.metadata.name}}{{end}}'",
            "echo ${#PATH} {single}",
        ] {
            let t = template(text);
            assert!(!t.has_placeholders(), "{text}");
            assert_eq!(
                t.render(&Scope::default(), Quoting::Shell).unwrap().text,
                text
            );
        }
    }

    #[test]
    fn references_point_at_the_placeholder_in_the_file() {
        let t = Template::parse("echo {{ run.id }} {{x}}", 10..40, Some(11)).unwrap();
        let refs: Vec<_> = t.references().collect();
        assert_eq!(refs, vec![("run.id", 16..28), ("x", 29..34)]);
    }

    #[test]
    fn an_unclosed_placeholder_is_a_syntax_error() {
        let err = Template::parse("echo {{ x", 0..9, Some(0)).unwrap_err();
        assert_eq!(err.at, 5..7);
    }

    #[test]
    fn quoted_placeholders_are_found() {
        let t = template("echo \"{{ a }}\" '{{b}}' {{ c }}");
        let names: Vec<_> = t
            .quoted_placeholders()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, vec!["a", "b"]);
    }

    #[test]
    fn exported_names_are_uppercased_with_underscores() {
        assert_eq!(env_name("base_url"), "CUTOVER_BASE_URL");
        assert_eq!(env_name("run.id"), "CUTOVER_RUN_ID");
        assert_eq!(env_name("admin-token"), "CUTOVER_ADMIN_TOKEN");
        let mut scope = scope_with("a-b", "1");
        scope.set("tok", "x", Secrecy::Secret);
        let env: Vec<_> = scope.exported_env().collect();
        assert_eq!(
            env,
            vec![("CUTOVER_A_B".into(), "1"), ("CUTOVER_TOK".into(), "x")]
        );
    }
}
