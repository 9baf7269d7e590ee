//! Checking an SSHSIG blob (PROTOCOL.sshsig) over exact bytes: what `ssh-keygen -Y verify`
//! checks, less the allowed-signers file, which the caller applies to the key returned.

use ssh_encoding::Decode;
use ssh_key::{PublicKey, SshSig};

/// The key that made `blob`, when it is an SSHSIG over exactly `message` in `namespace`.
pub(crate) fn signed_by(blob: &[u8], namespace: &str, message: &[u8]) -> Option<PublicKey> {
    let signature = SshSig::decode(&mut &blob[..]).ok()?;
    if signature.namespace() != namespace {
        return None;
    }
    let key = PublicKey::from(signature.public_key().clone());
    key.verify(namespace, message, &signature).ok()?;
    Some(key)
}

/// The armored form `ssh-keygen -Y sign` writes, or the bare base64 of the blob, as bytes.
pub(crate) fn blob_of(text: &str) -> Option<Vec<u8>> {
    let body: String = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("-----"))
        .collect();
    crate::protocol::encoding::decode(&body).ok()
}
