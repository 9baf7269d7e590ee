//! The line format: `JSON` TAB `SIGNATURE` LF. The signed message is the JSON bytes followed by
//! LF — exactly what `cut -f1` prints.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

pub(crate) const SSHSIG_PREFIX: &str = "sshsig:";
pub(crate) const ED25519_PREFIX: &str = "ed25519:";

/// The message a signature covers: the JSON and a LF.
pub(crate) fn signed_message(json: &str) -> Vec<u8> {
    let mut message = Vec::with_capacity(json.len() + 1);
    message.extend_from_slice(json.as_bytes());
    message.push(b'\n');
    message
}

/// A whole line, ready for one `write`.
pub(crate) fn format_line(json: &str, signature: &str) -> Vec<u8> {
    let mut line = Vec::with_capacity(json.len() + signature.len() + 2);
    line.extend_from_slice(json.as_bytes());
    line.push(b'\t');
    line.extend_from_slice(signature.as_bytes());
    line.push(b'\n');
    line
}

pub(crate) enum Signature {
    SshSig(Vec<u8>),
    Ed25519(Vec<u8>),
}

/// Decodes the signature column; `None` unless it is a known prefix and strict base64.
pub(crate) fn parse_signature(column: &[u8]) -> Option<Signature> {
    let text = std::str::from_utf8(column).ok()?;
    if let Some(encoded) = text.strip_prefix(SSHSIG_PREFIX) {
        STANDARD.decode(encoded).ok().map(Signature::SshSig)
    } else if let Some(encoded) = text.strip_prefix(ED25519_PREFIX) {
        STANDARD.decode(encoded).ok().map(Signature::Ed25519)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_column_is_strict() {
        assert!(parse_signature(b"ed25519:AAAA").is_some());
        assert!(
            parse_signature(b"ed25519:AAAA\r").is_none(),
            "CRLF conversion"
        );
        assert!(parse_signature(b"ed25519:AA AA").is_none());
        assert!(parse_signature(b"rsa:AAAA").is_none());
        assert!(parse_signature(b"ed25519:AAA").is_none(), "bad padding");
    }
}
