//! One approval as the journal keeps it (`approval` entries) and the events carry it: who, with
//! which key, the exact statement and their SSHSIG over it — enough for an auditor to check it
//! with `ssh-keygen -Y verify -n cutover-approval` and nothing but the journal.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub step: String,
    /// The approver, as their statement names them.
    pub principal: String,
    /// OpenSSH public key (`ssh-ed25519 AAAA…`) that signed the statement.
    pub key: String,
    pub fingerprint: String,
    /// The statement, byte for byte as signed.
    pub statement: String,
    /// Base64 of the SSHSIG blob, namespace `cutover-approval`.
    pub signature: String,
    /// This approval is the `count`th of the `required` for the step's action.
    pub count: u32,
    pub required: u32,
}

/// An approval as a step's start names it: who approved what it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproverRef {
    pub principal: String,
    pub fingerprint: String,
}

impl Approval {
    pub fn approver(&self) -> ApproverRef {
        ApproverRef {
            principal: self.principal.clone(),
            fingerprint: self.fingerprint.clone(),
        }
    }
}
