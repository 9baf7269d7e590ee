//! What the header records of each secret: enough for `resume` to check that the same value is
//! set again, and nothing that gives the value away.
//!
//! An Argon2id hash (the PHC string `$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH`, OWASP's
//! recommended parameters) with a random salt of its own. Format 1 journals before it recorded
//! HMAC-SHA256 keyed by the session id; the session id is in every line, so a short or common
//! secret fell to an offline guess in well under a millisecond. Argon2id makes each guess cost
//! about 19 MiB of memory and tens of milliseconds, per secret, per journal. A secret of 8
//! characters or more (shorter ones are refused at start) with that cost is out of reach of an
//! offline search; a password from a leaked list is not, and no record would make it so: such
//! a value should not be a release secret. Older journals keep being read: their HMAC is
//! checked as before.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::keys::random::random_bytes;
use crate::protocol::encoding::hex;

/// The record of a secret's value for the header.
pub(crate) fn fingerprint(value: &str) -> std::io::Result<String> {
    // Neither can fail for 16 bytes of salt and the default parameters; the error type is
    // the crate's own, not std's.
    let failed = |err: argon2::password_hash::Error| std::io::Error::other(err.to_string());
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(failed)?;
    Argon2::default()
        .hash_password(value.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(failed)
}

/// Whether `value` is the secret the header recorded (`sid` checks records of older journals).
pub(crate) fn matches(recorded: &str, value: &str, sid: &str) -> bool {
    if recorded.starts_with("$argon2") {
        return PasswordHash::new(recorded).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(value.as_bytes(), &hash)
                .is_ok()
        });
    }
    legacy_hmac(sid, value) == recorded
}

/// HMAC-SHA256 of a secret value keyed by the session id: what journals recorded before.
fn legacy_hmac(sid: &str, value: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(sid.as_bytes()).expect("HMAC takes any key length");
    mac.update(value.as_bytes());
    hex(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_matches_its_value_only_and_differs_each_time() {
        let a = fingerprint("hunter2-hunter2").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(!a.contains("hunter2"));
        assert!(matches(&a, "hunter2-hunter2", "sid"));
        assert!(!matches(&a, "hunter2-hunter3", "sid"));
        assert_ne!(
            a,
            fingerprint("hunter2-hunter2").unwrap(),
            "a random salt each time"
        );
    }

    #[test]
    fn records_of_older_journals_are_still_checked() {
        let old = legacy_hmac("aa", "hunter2-hunter2");
        assert!(matches(&old, "hunter2-hunter2", "aa"));
        assert!(!matches(&old, "hunter2-hunter2", "bb"));
    }
}
