//! How bytes are written as text: lowercase hex for digests (as `sha256sum` prints them), strict
//! standard base64 for signatures and keys (as `ssh-keygen` and the journal write them).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Lowercase hex, as `sha256sum` prints digests. Verify formats a digest for every line of a
/// journal, so this is a table lookup, not a `format!` per byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    text
}

/// Standard base64 with padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Strict base64, as [`encode`] writes it.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    STANDARD.decode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }
}
