//! The approvals of a journal (`E_APPROVAL`): each `approval` entry's statement is a
//! statement of this run (its id and runbook SHA-256, as the header says them) by the
//! approver the entry names, and its SSHSIG in namespace `cutover-approval` is by the key the
//! entry names, over exactly that statement; the key and the person are not the operator's
//! nor any controller's before it. A `step_start` that names approvers must find each one's
//! approval before it, for exactly its action, from distinct keys and distinct people. With
//! `--allowed-signers`, each approver must be allowed in namespace `cutover-approval`
//! (`E_SIGNER`).
//!
//! An approval answers one wait: its statement names the wait (a random value), the step start
//! names the same wait, and no step start of a later session may name it again — a signature
//! copied out of the journal and handed in after a resume never counts twice. The same
//! signature twice in a journal is a copy. Whoever holds the controls when the step starts is
//! not one of its approvers (separation of duties).

use std::collections::{BTreeMap, BTreeSet};

use ssh_key::PublicKey;

use crate::approval::statement::{NAMESPACE, bound_action, read};
use crate::journal::entry::{Body, Entry, HeaderBody, StepStartBody};
use crate::keys::allowed_signers::AllowedSigners;
use crate::keys::sshsig::signed_by;
use crate::protocol::approval::Approval;

/// An approval journaled and checked, waiting for the step start that uses it.
struct Held {
    fingerprint: String,
    principal: String,
    action: String,
    /// The wait its statement answers (`None` in the first statement format).
    wait: Option<String>,
}

#[derive(Default)]
pub(super) struct ApprovalLedger {
    /// Keys and people who ran the run so far: (fingerprint, principal).
    implementers: Vec<(String, String)>,
    held: BTreeMap<String, Vec<Held>>,
    /// Every approval signature so far: one seen twice is a copy.
    signatures: BTreeSet<String>,
    /// Each wait named by a step start, with the step and the session that named it.
    waits: BTreeMap<String, (String, String)>,
    /// The person at the controls now, as their attach named them: (fingerprint, principal).
    controller: Option<(String, String)>,
}

/// A finding's code and message.
type Problem = (&'static str, String);

impl ApprovalLedger {
    /// Takes in a trusted entry: who runs the run, an approval, a step start naming approvers.
    pub(super) fn observe(
        &mut self,
        entry: &Entry,
        header: &HeaderBody,
        allowed: Option<&AllowedSigners>,
    ) -> Result<(), Problem> {
        match &entry.body {
            Body::Header(header) => self.implementers.push((
                header.operator.fingerprint.clone(),
                header.operator.principal.clone(),
            )),
            Body::Resume(resume) => {
                self.implementers.push((
                    resume.operator.fingerprint.clone(),
                    resume.operator.principal.clone(),
                ));
                // Nobody else holds the controls of a resumed run until they attach.
                self.controller = None;
            }
            Body::Attach(change) => {
                self.controller = change
                    .person
                    .as_ref()
                    .map(|person| (person.fingerprint.clone(), person.principal.clone()));
                if let Some(person) = &change.person {
                    self.implementers
                        .push((person.fingerprint.clone(), person.principal.clone()));
                }
            }
            Body::Approval(approval) => self.approval(approval, &entry.ts, header, allowed)?,
            Body::StepStart(start) if !start.approvals.is_empty() => {
                self.step_start(start, &entry.sid)?
            }
            _ => {}
        }
        Ok(())
    }

    fn approval(
        &mut self,
        approval: &Approval,
        ts: &str,
        header: &HeaderBody,
        allowed: Option<&AllowedSigners>,
    ) -> Result<(), Problem> {
        let who = format!(
            "the approval of `{}` by {}",
            approval.step, approval.principal
        );
        let bad = |message: String| ("E_APPROVAL", format!("{who}: {message}"));
        if !self.signatures.insert(approval.signature.clone()) {
            return Err(bad(
                "its signature is in the journal already: an approval counts for the one wait it answered".into(),
            ));
        }
        let statement = read(&approval.statement)
            .ok_or_else(|| bad("its statement is not a cutover approval statement".into()))?;
        if statement.approver != approval.principal || statement.step != approval.step {
            return Err(bad(format!(
                "its statement names {} for step `{}`",
                statement.approver, statement.step
            )));
        }
        if statement.run_id != header.run_id || statement.runbook_sha256 != header.runbook.sha256 {
            return Err(bad(format!(
                "its statement is for run {} of runbook sha256 {}, not this run",
                statement.run_id, statement.runbook_sha256
            )));
        }
        let key = PublicKey::from_openssh(&approval.key)
            .map_err(|e| bad(format!("its key is not an OpenSSH key: {e}")))?;
        let fingerprint = key.fingerprint(Default::default()).to_string();
        if fingerprint != approval.fingerprint {
            return Err(bad(format!(
                "its key is {fingerprint}, not the {} it names",
                approval.fingerprint
            )));
        }
        let signed = crate::protocol::encoding::decode(&approval.signature)
            .ok()
            .and_then(|blob| signed_by(&blob, NAMESPACE, approval.statement.as_bytes()));
        if signed.is_none_or(|signer| signer.key_data() != key.key_data()) {
            return Err(bad(format!(
                "its signature is not an SSHSIG by {fingerprint} over its statement in namespace `{NAMESPACE}`"
            )));
        }
        if let Some((_, principal)) = self
            .implementers
            .iter()
            .find(|(fp, principal)| *fp == fingerprint || *principal == approval.principal)
        {
            return Err(bad(format!(
                "{fingerprint} ({}) is a key or person running this run ({principal}): an approval comes from someone else",
                approval.principal
            )));
        }
        if let Some(allowed) = allowed {
            let when: jiff::Timestamp = ts
                .parse()
                .map_err(|_| ("E_GARBAGE", format!("`ts` {ts} is not an RFC 3339 time")))?;
            allowed
                .check(&approval.principal, NAMESPACE, &key, when)
                .map_err(|refusal| {
                    (
                        "E_SIGNER",
                        format!(
                            "{who} ({fingerprint}): {}",
                            refusal.words(&approval.principal, NAMESPACE, ts)
                        ),
                    )
                })?;
        }
        self.held
            .entry(approval.step.clone())
            .or_default()
            .push(Held {
                fingerprint,
                principal: approval.principal.clone(),
                action: bound_action(&statement.action),
                wait: statement.wait,
            });
        Ok(())
    }

    fn step_start(&mut self, start: &StepStartBody, sid: &str) -> Result<(), Problem> {
        let action = bound_action(&start.action);
        if let Some(wait) = &start.approval_wait {
            let named = (start.step.clone(), sid.to_string());
            match self.waits.get(wait) {
                Some(earlier) if *earlier != named => {
                    return Err((
                        "E_APPROVAL",
                        format!(
                            "step `{}` starts on the approvals of wait {wait}, which answered step `{}` in an earlier session: approvals count for one wait",
                            start.step, earlier.0
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    self.waits.insert(wait.clone(), named);
                }
            }
        }
        if let Some((fingerprint, principal)) = &self.controller
            && start
                .approvals
                .iter()
                .any(|a| a.fingerprint == *fingerprint || a.principal == *principal)
        {
            return Err((
                "E_APPROVAL",
                format!(
                    "step `{}` started while {principal} ({fingerprint}), one of its approvers, held the controls: whoever approves a step does not run it",
                    start.step
                ),
            ));
        }
        let held = self.held.get(&start.step).map_or(&[][..], Vec::as_slice);
        for (index, approver) in start.approvals.iter().enumerate() {
            let earlier = &start.approvals[..index];
            if earlier
                .iter()
                .any(|a| a.fingerprint == approver.fingerprint || a.principal == approver.principal)
            {
                return Err((
                    "E_APPROVAL",
                    format!(
                        "step `{}` counts {} ({}) twice among its approvers",
                        start.step, approver.principal, approver.fingerprint
                    ),
                ));
            }
            let found = held.iter().any(|h| {
                h.fingerprint == approver.fingerprint
                    && h.principal == approver.principal
                    && h.action == action
                    && h.wait == start.approval_wait
            });
            if !found {
                return Err((
                    "E_APPROVAL",
                    format!(
                        "step `{}` names {} ({}) as an approver, and no approval before it by that key is for the action it started and the wait it answered",
                        start.step, approver.principal, approver.fingerprint
                    ),
                ));
            }
        }
        Ok(())
    }
}
