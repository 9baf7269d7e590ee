//! Naming rules: ids and the runbook name are `[a-z0-9-]+` (they name folders and appear in
//! journals); variable names are lowercase too, so their `CUTOVER_*` exports cannot collide.

use super::diagnostic::Diagnostics;
use super::source::Located;

pub(crate) fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(crate) fn is_var_name(text: &str) -> bool {
    let mut bytes = text.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The id with every character outside `[a-z0-9-]` replaced, to suggest in a hint.
pub(crate) fn suggest_id(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            _ if !out.ends_with('-') => out.push('-'),
            _ => {}
        }
    }
    out.trim_matches('-').to_string()
}

pub(crate) fn check_id(diags: &mut Diagnostics, id: &Located<String>, what: &str) {
    if is_id(&id.value) {
        return;
    }
    let diag = diags.error(
        id.span.clone(),
        format!("{what} `{}` must use only a-z, 0-9 and `-`", id.value),
    );
    let suggestion = suggest_id(&id.value);
    if !suggestion.is_empty() {
        diag.with_hint(format!("e.g. `{suggestion}`"));
    }
}

pub(crate) fn is_env_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) fn check_env_name(diags: &mut Diagnostics, name: &Located<String>) {
    if !is_env_var_name(&name.value) {
        diags
            .error(
                name.span.clone(),
                format!("`{}` is not a valid environment variable name", name.value),
            )
            .with_hint("letters, digits and `_`, not starting with a digit");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_var_names() {
        assert!(is_id("db-backup-2"));
        assert!(!is_id("DB_backup"));
        assert!(!is_id(""));
        assert!(is_var_name("base_url"));
        assert!(is_var_name("admin-token"));
        assert!(!is_var_name("Base"));
        assert!(!is_var_name("1x"));
        assert_eq!(suggest_id("DB Backup_2"), "db-backup-2");
    }
}
