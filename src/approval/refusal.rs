//! Why the desk turned an approval (or a request for its statement) away. Each says what to do
//! instead; the person who offered it reads it as written.

use super::facts::FactsError;
use super::statement::{Mismatch, NAMESPACE};
use crate::keys::trust_root::NotAdmitted;

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "`{principal}` cannot be a principal: a name without spaces, quotes or commas, as allowed_signers files write it"
    )]
    NotAPrincipal { principal: String },
    #[error("the run waits for approvals of step `{waiting}`, not `{asked}`")]
    OtherStep { waiting: String, asked: String },
    #[error(
        "the run is not waiting for approvals of step `{step}`: approve once it asks (its `approval` notification, or `cutover ls`, says when)"
    )]
    NotWaiting { step: String },
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error(
        "{mismatch}. `cutover approve RUN {step} --print --as NAME` prints the statement the run accepts now"
    )]
    NotTheStatement { mismatch: Mismatch, step: String },
    #[error(
        "the signature does not verify over this statement in namespace `{NAMESPACE}`: sign the statement's exact bytes with `ssh-keygen -Y sign -f KEY -n {NAMESPACE} FILE`"
    )]
    BadSignature,
    #[error("the signature is not base64 of an SSHSIG blob")]
    NotBase64,
    #[error(transparent)]
    NotAdmitted(#[from] NotAdmitted),
    #[error(
        "this signature is in the run's journal already: an approval answers one wait. `cutover approve RUN {step} --print --as NAME` prints the statement of this one"
    )]
    Replayed { step: String },
    #[error(
        "{principal} ({fingerprint}) runs this run: that is the {role}'s {what} ({implementer}). An approval comes from a person other than those who run the step"
    )]
    RunsTheRun {
        principal: String,
        fingerprint: String,
        role: &'static str,
        /// `key` or `name`: what the approver shares with them.
        what: &'static str,
        implementer: String,
    },
    #[error(
        "the key {fingerprint} has approved step `{step}` already (as {earlier}): one key counts once"
    )]
    KeyCountedOnce {
        fingerprint: String,
        step: String,
        earlier: String,
    },
    #[error(
        "{principal} has approved step `{step}` already, with another key: one person counts once"
    )]
    PersonCountedOnce { principal: String, step: String },
    #[error(
        "the key {fingerprint} acted as {earlier} in this run, not as {principal}: one key is one person"
    )]
    KeyIsSomeoneElse {
        fingerprint: String,
        earlier: String,
        principal: String,
    },
    #[error("{principal} may not approve step `{step}`: the runbook's `approvers` are {approvers}")]
    NotAnApprover {
        principal: String,
        step: String,
        approvers: String,
    },
    #[error("step `{step}` has its {required} approvals already")]
    Enough { step: String, required: u32 },
}
