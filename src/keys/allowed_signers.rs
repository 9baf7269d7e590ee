//! OpenSSH `allowed_signers` files (ssh-keygen(1), ALLOWED SIGNERS): which key may sign for which
//! principals, in which namespaces, during which period.
//!
//! `principals [options] keytype base64 [comment]`; principals is a comma-separated list of
//! patterns (`*`, `?`, `!negation`), options are `namespaces="a,b"`, `valid-after=…`,
//! `valid-before=…` (`YYYYMMDD[HHMM[SS]][Z]`, UTC with Z, else local time) and `cert-authority`.

use ssh_key::PublicKey;

#[derive(Clone, Debug)]
pub struct AllowedSigner {
    pub principals: Vec<String>,
    pub namespaces: Option<Vec<String>>,
    pub valid_after: Option<jiff::Timestamp>,
    pub valid_before: Option<jiff::Timestamp>,
    pub cert_authority: bool,
    pub key: PublicKey,
    pub line: usize,
}

#[derive(Clone)]
pub struct AllowedSigners {
    pub signers: Vec<AllowedSigner>,
}

/// A line `ssh-keygen` would not accept either; the problem says what is wrong in it.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct AllowedSignersError {
    pub line: usize,
    pub problem: LineProblem,
}

/// What is wrong in one line of an allowed signers file.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    #[error("no principals")]
    NoPrincipals,
    #[error("no key")]
    NoKey,
    #[error("no key type after the options")]
    NoKeyType,
    #[error("no key after the key type")]
    NoKeyAfterType,
    #[error("bad key: {0}")]
    BadKey(#[source] ssh_key::Error),
    #[error("unknown option `{0}`")]
    UnknownOption(String),
    #[error("unclosed quote")]
    UnclosedQuote,
    #[error("`{0}` is not YYYYMMDD[HHMM[SS]][Z]")]
    TimeShape(String),
    #[error("`{text}`: {source}")]
    Time {
        text: String,
        #[source]
        source: jiff::Error,
    },
}

/// Why a signer is not allowed, for the E_SIGNER message.
pub enum Refusal {
    UnknownKey,
    Principal,
    Namespace,
    NotYetValid(String),
    Expired(String),
}

impl Refusal {
    /// Why, in words, for a signature by `principal` in `namespace` made at `ts`.
    pub fn words(&self, principal: &str, namespace: &str, ts: &str) -> String {
        match self {
            Self::UnknownKey => "the key is not in allowed_signers".to_string(),
            Self::Principal => format!("the key is not allowed for principal `{principal}`"),
            Self::Namespace => format!("the key is not allowed in namespace `{namespace}`"),
            Self::NotYetValid(after) => {
                format!("the key is only valid after {after}; it signed at {ts}")
            }
            Self::Expired(before) => format!("the key expired at {before}; it signed at {ts}"),
        }
    }
}

impl AllowedSigners {
    pub fn parse(text: &str) -> Result<Self, AllowedSignersError> {
        let mut signers = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            signers.push(
                parse_line(line, index + 1).map_err(|problem| AllowedSignersError {
                    line: index + 1,
                    problem,
                })?,
            );
        }
        Ok(Self { signers })
    }

    /// Whether `key` may sign for `principal` in `namespace` at `at`.
    pub fn check(
        &self,
        principal: &str,
        namespace: &str,
        key: &PublicKey,
        at: jiff::Timestamp,
    ) -> Result<(), Refusal> {
        let mut refusal = Refusal::UnknownKey;
        for signer in self
            .signers
            .iter()
            .filter(|s| !s.cert_authority && s.key.key_data() == key.key_data())
        {
            if !matches_principal(&signer.principals, principal) {
                refusal = Refusal::Principal;
                continue;
            }
            if let Some(namespaces) = &signer.namespaces
                && !namespaces.iter().any(|n| pattern_match(n, namespace))
            {
                refusal = Refusal::Namespace;
                continue;
            }
            if let Some(after) = signer.valid_after
                && at < after
            {
                refusal = Refusal::NotYetValid(after.to_string());
                continue;
            }
            if let Some(before) = signer.valid_before
                && at > before
            {
                refusal = Refusal::Expired(before.to_string());
                continue;
            }
            return Ok(());
        }
        Err(refusal)
    }
}

fn parse_line(line: &str, number: usize) -> Result<AllowedSigner, LineProblem> {
    let tokens = tokenize(line)?;
    let mut tokens = tokens.into_iter();
    let principals_field = tokens.next().ok_or(LineProblem::NoPrincipals)?;
    let mut next = tokens.next().ok_or(LineProblem::NoKey)?;
    let mut options = None;
    if !looks_like_key_type(&next) {
        options = Some(next);
        next = tokens.next().ok_or(LineProblem::NoKeyType)?;
    }
    let key_type = next;
    let base64 = tokens.next().ok_or(LineProblem::NoKeyAfterType)?;
    let key =
        PublicKey::from_openssh(&format!("{key_type} {base64}")).map_err(LineProblem::BadKey)?;
    let mut signer = AllowedSigner {
        // OpenSSH accepts the principals quoted (`"alice@corp"`), as it does option values.
        principals: unquote(&principals_field)
            .split(',')
            .map(str::to_string)
            .collect(),
        namespaces: None,
        valid_after: None,
        valid_before: None,
        cert_authority: false,
        key,
        line: number,
    };
    if let Some(options) = options {
        for option in split_options(&options) {
            let (name, value) = match option.split_once('=') {
                Some((name, value)) => (name.to_ascii_lowercase(), Some(unquote(value))),
                None => (option.to_ascii_lowercase(), None),
            };
            match (name.as_str(), value) {
                ("cert-authority", None) => signer.cert_authority = true,
                ("namespaces", Some(value)) => {
                    signer.namespaces = Some(value.split(',').map(str::to_string).collect())
                }
                ("valid-after", Some(value)) => signer.valid_after = Some(parse_time(&value)?),
                ("valid-before", Some(value)) => signer.valid_before = Some(parse_time(&value)?),
                (other, _) => return Err(LineProblem::UnknownOption(other.to_string())),
            }
        }
    }
    Ok(signer)
}

/// Splits on spaces outside double quotes; quotes stay in the tokens.
fn tokenize(line: &str) -> Result<Vec<String>, LineProblem> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ' ' | '\t' if !quoted => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if quoted {
        return Err(LineProblem::UnclosedQuote);
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    Ok(tokens)
}

/// Splits `a,b="x,y",c` on commas outside quotes.
fn split_options(options: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in options.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

fn unquote(value: &str) -> String {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
        .to_string()
}

fn looks_like_key_type(token: &str) -> bool {
    token.starts_with("ssh-") || token.starts_with("ecdsa-") || token.starts_with("sk-")
}

/// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, UTC when it ends in `Z`, else local time.
fn parse_time(text: &str) -> Result<jiff::Timestamp, LineProblem> {
    let (digits, utc) = match text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        Some(digits) => (digits, true),
        None => (text, false),
    };
    let padded = match digits.len() {
        8 => format!("{digits}000000"),
        12 => format!("{digits}00"),
        14 => digits.to_string(),
        _ => return Err(LineProblem::TimeShape(text.to_string())),
    };
    let civil = jiff::civil::DateTime::strptime("%Y%m%d%H%M%S", &padded).map_err(|source| {
        LineProblem::Time {
            text: text.to_string(),
            source,
        }
    })?;
    let zone = if utc {
        jiff::tz::TimeZone::UTC
    } else {
        jiff::tz::TimeZone::system()
    };
    civil
        .to_zoned(zone)
        .map(|z| z.timestamp())
        .map_err(|source| LineProblem::Time {
            text: text.to_string(),
            source,
        })
}

fn matches_principal(patterns: &[String], principal: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        if let Some(negated) = pattern.strip_prefix('!') {
            if pattern_match(negated, principal) {
                return false;
            }
        } else if pattern_match(pattern, principal) {
            matched = true;
        }
    }
    matched
}

/// OpenSSH patterns: `*` any run, `?` any one character.
fn pattern_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL1oftx5lYDw9bEh3SOajGE+pukxQESJ17kUn+fwCOyD";

    #[test]
    fn parses_quoted_namespace_lists_and_validity() {
        let text = format!(
            "# team\nalice@example.com,ops-* namespaces=\"cutover-journal,cutover-drill\",valid-after=\"20260101\",valid-before=\"20261231Z\" {KEY} alice\n"
        );
        let signers = AllowedSigners::parse(&text).unwrap();
        let key = PublicKey::from_openssh(KEY).unwrap();
        let during: jiff::Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        assert!(
            signers
                .check("alice@example.com", "cutover-journal", &key, during)
                .is_ok()
        );
        assert!(
            signers
                .check("ops-bob", "cutover-drill", &key, during)
                .is_ok()
        );
        assert!(matches!(
            signers.check("mallory", "cutover-drill", &key, during),
            Err(Refusal::Principal)
        ));
        assert!(matches!(
            signers.check("ops-bob", "file", &key, during),
            Err(Refusal::Namespace)
        ));
        let after: jiff::Timestamp = "2027-01-02T00:00:00Z".parse().unwrap();
        assert!(matches!(
            signers.check("ops-bob", "cutover-drill", &key, after),
            Err(Refusal::Expired(_))
        ));
    }

    #[test]
    fn patterns_and_negation() {
        assert!(pattern_match("ops-*", "ops-alice"));
        assert!(pattern_match("a?c", "abc"));
        assert!(!pattern_match("a?c", "abbc"));
        assert!(!matches_principal(
            &["*".into(), "!mallory".into()],
            "mallory"
        ));
        assert!(matches_principal(&["*".into(), "!mallory".into()], "alice"));
    }

    #[test]
    fn a_bad_line_says_which() {
        let err = AllowedSigners::parse(&format!("ok {KEY}\nbroken\n"))
            .err()
            .unwrap();
        assert_eq!(err.line, 2, "{err}");
    }
}
