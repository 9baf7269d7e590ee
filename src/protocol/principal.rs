//! What a person's name may be: a principal as OpenSSH's allowed_signers files write it.

/// A principal as allowed_signers files write one: no spaces, quotes or control characters.
pub(crate) fn valid_principal(principal: &str) -> bool {
    !principal.is_empty()
        && principal
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != ',')
}
