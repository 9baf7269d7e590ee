//! Which acts the journal signs with the key of the person at the controls: only theirs, once
//! an `attach` entry they signed proved their key; the session key signs everything else.

use ssh_key::PublicKey;

use crate::journal::entry::Body;
use crate::keys::person::PersonKey;

/// The journal's memory of the person whose key its acts are signed with: set by an `attach`
/// entry that person signed, cleared by a detach. An act is signed by the person at the
/// controls only when they are that person; otherwise by the session key.
#[derive(Default)]
pub(crate) struct ProvenPerson {
    key: Option<PublicKey>,
}

impl ProvenPerson {
    /// The signature to put on `body`, if the person signing now may sign it.
    pub(crate) fn accept(
        &mut self,
        body: &Body,
        signed: Option<(PublicKey, Vec<u8>)>,
    ) -> Option<Vec<u8>> {
        use crate::engine::controller_change::SeatAction;
        if let Body::Attach(change) = body {
            if change.action == SeatAction::Detach {
                self.key = None;
                return None;
            }
            // An attach is signed by the key it names, or the person is not proven.
            let named = change.person.as_ref().and_then(PersonKey::public_key);
            let proven = match (signed, named) {
                (Some((key, blob)), Some(named)) if key.key_data() == named.key_data() => {
                    self.key = Some(key);
                    Some(blob)
                }
                _ => {
                    self.key = None;
                    None
                }
            };
            return proven;
        }
        match (signed, &self.key) {
            (Some((key, blob)), Some(proven)) if key.key_data() == proven.key_data() => Some(blob),
            _ => None,
        }
    }
}
