//! The session key: a fresh Ed25519 key made in memory for one process, delegated by the
//! header (or a resume entry), never written to disk and wiped when it is dropped. Once the
//! process ends nobody — not even someone holding the host — can append to the session.

use ed25519_dalek::{Signer, SigningKey};
use zeroize::Zeroize;

use super::random::random_bytes;
use crate::protocol::encoding::encode;

pub(crate) struct SessionKey {
    /// `ed25519_dalek::SigningKey` zeroizes itself on drop.
    signing: SigningKey,
}

impl SessionKey {
    pub(crate) fn generate() -> std::io::Result<Self> {
        let mut seed = random_bytes::<32>()?;
        let signing = SigningKey::from_bytes(&seed);
        seed.zeroize();
        Ok(Self { signing })
    }

    /// Base64 of the 32-byte public key, as the header records it.
    pub(crate) fn public_base64(&self) -> String {
        encode(self.signing.verifying_key().as_bytes())
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    #[test]
    fn signatures_verify_with_the_published_key() {
        let key = SessionKey::generate().unwrap();
        let public = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            key.public_base64(),
        )
        .unwrap();
        let verifying = VerifyingKey::from_bytes(&public.try_into().unwrap()).unwrap();
        let signature = Signature::from_bytes(&key.sign(b"entry\n"));
        assert!(verifying.verify(b"entry\n", &signature).is_ok());
        assert!(verifying.verify(b"other\n", &signature).is_err());
    }
}
