//! Judging an offered approval against the step the run waits at: the statement must be the
//! step's own, byte for byte, with one approver line; the SSHSIG must be over exactly it in
//! namespace `cutover-approval`; the key and the person must not be anyone who runs the run
//! (the operator, a controller) nor an approver of this step already; the principal must be
//! one the runbook allows. Each refusal says what to do instead.

use super::facts::RunFacts;
use super::refusal::Refusal;
use super::statement::{NAMESPACE, approver_of};
use crate::keys::sshsig::signed_by;
use crate::keys::trust_root::TrustRoot;
use crate::protocol::approval::Approval;

/// What the run waits for at one step.
#[derive(Clone, Debug)]
pub struct Awaited {
    pub step: String,
    /// The statement's body: what the step will do now.
    pub body: String,
    pub required: u32,
    /// The principals allowed to approve; any when empty.
    pub approvers: Vec<String>,
}

/// Judges one offer; the approval to journal when it counts. `accepted` are this step's
/// approvals so far, `facts` the run as its journal says it now.
pub(crate) fn judge(
    awaited: &Awaited,
    accepted: &[Approval],
    facts: &RunFacts,
    trust_root: Option<&TrustRoot>,
    statement: &str,
    signature: &[u8],
) -> Result<Approval, Refusal> {
    let principal =
        approver_of(statement, &awaited.body).map_err(|mismatch| Refusal::NotTheStatement {
            mismatch,
            step: awaited.step.clone(),
        })?;
    let key = signed_by(signature, NAMESPACE, statement.as_bytes()).ok_or(Refusal::BadSignature)?;
    let fingerprint = key.fingerprint(Default::default()).to_string();
    // With a trust root, the approver is who the allowed signers say their key is: naming
    // someone else in the statement gets nothing.
    if let Some(root) = trust_root {
        root.admit(&key, Some(&principal), NAMESPACE)?;
    }
    let encoded = crate::protocol::encoding::encode(signature);
    if facts.approval_signatures.contains(&encoded) {
        return Err(Refusal::Replayed {
            step: awaited.step.clone(),
        });
    }
    if let Some(implementer) = facts
        .implementers
        .iter()
        .find(|who| who.fingerprint == fingerprint || who.principal == principal)
    {
        return Err(Refusal::RunsTheRun {
            principal,
            role: implementer.role,
            what: if implementer.fingerprint == fingerprint {
                "key"
            } else {
                "name"
            },
            fingerprint,
            implementer: implementer.principal.clone(),
        });
    }
    if let Some(earlier) = accepted.iter().find(|a| a.fingerprint == fingerprint) {
        return Err(Refusal::KeyCountedOnce {
            fingerprint,
            step: awaited.step.clone(),
            earlier: earlier.principal.clone(),
        });
    }
    if accepted.iter().any(|a| a.principal == principal) {
        return Err(Refusal::PersonCountedOnce {
            principal,
            step: awaited.step.clone(),
        });
    }
    if let Some(earlier) = facts
        .approvers
        .iter()
        .chain(&facts.implementers)
        .find(|who| who.fingerprint == fingerprint && who.principal != principal)
    {
        return Err(Refusal::KeyIsSomeoneElse {
            fingerprint,
            earlier: earlier.principal.clone(),
            principal,
        });
    }
    if !awaited.approvers.is_empty() && !awaited.approvers.contains(&principal) {
        return Err(Refusal::NotAnApprover {
            principal,
            step: awaited.step.clone(),
            approvers: awaited.approvers.join(", "),
        });
    }
    if accepted.len() as u32 >= awaited.required {
        return Err(Refusal::Enough {
            step: awaited.step.clone(),
            required: awaited.required,
        });
    }
    Ok(Approval {
        step: awaited.step.clone(),
        principal,
        key: key.to_openssh().unwrap_or_default(),
        fingerprint,
        statement: statement.to_string(),
        signature: encoded,
        count: accepted.len() as u32 + 1,
        required: awaited.required,
    })
}
