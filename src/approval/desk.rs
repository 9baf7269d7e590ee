//! Where the engine and the run's socket meet over approvals. The engine opens the desk when a
//! step that requires approvals is reached (what it waits for), and closes it when the wait
//! ends; `cutover approve`, through the socket, reads the statement there and offers
//! approvals, judged under the desk's lock (`offer.rs`) so that two approvers at once are
//! counted right. The engine journals each accepted approval and starts the step once enough
//! have come.

use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::facts::{FactsError, FactsReader, RunFacts};
use super::offer::{Awaited, judge};
use super::refusal::Refusal;
use super::statement::signed_text;
use crate::keys::trust_root::TrustRoot;
use crate::protocol::approval::{Approval, ApproverRef};
use crate::protocol::principal::valid_principal;

#[derive(Clone, Default)]
pub struct ApprovalDesk {
    state: Arc<Mutex<DeskState>>,
    arrived: Arc<Notify>,
}

#[derive(Default)]
struct DeskState {
    open: Option<OpenWait>,
    /// Accepted and not yet taken by the engine to journal.
    unjournaled: Vec<Approval>,
    /// A step whose approvals are all in and that has not started yet, with its approvers:
    /// none of them may take the controls meanwhile.
    approved: Option<(String, Vec<ApproverRef>)>,
    /// Who may approve, when the run is held to allowed signers.
    trust_root: Option<Arc<TrustRoot>>,
    /// Reads what approvals are judged against: the run's journal, as the launch says.
    facts: Option<FactsReader>,
}

struct OpenWait {
    awaited: Awaited,
    accepted: Vec<Approval>,
}

/// How far a step's approvals are.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub count: u32,
    pub required: u32,
}

impl ApprovalDesk {
    /// The engine waits for approvals of `awaited.step`.
    pub fn open(&self, awaited: Awaited) {
        let mut state = self.locked();
        state.approved = None;
        state.open = Some(OpenWait {
            awaited,
            accepted: Vec::new(),
        });
    }

    /// Approvals are judged against what `reader` reads: the run's journal.
    pub fn judge_by(&self, reader: FactsReader) {
        self.locked().facts = Some(reader);
    }

    /// The run's facts as its journal says them now.
    pub fn facts(&self) -> Result<RunFacts, FactsError> {
        let reader = self.locked().facts.clone().ok_or(FactsError::NoReader)?;
        reader()
    }

    /// The run is held to `root`: an approver is the principal it gives their key.
    pub fn hold_to(&self, root: Option<Arc<TrustRoot>>) {
        self.locked().trust_root = root;
    }

    /// The wait ended: no more offers. Returns what was accepted and not taken yet, which is
    /// journaled all the same (it was given and judged).
    pub fn close(&self) -> Vec<Approval> {
        let mut state = self.locked();
        if let Some(open) = state.open.take()
            && open.accepted.len() as u32 >= open.awaited.required
        {
            let approvers = open.accepted.iter().map(Approval::approver).collect();
            state.approved = Some((open.awaited.step, approvers));
        }
        std::mem::take(&mut state.unjournaled)
    }

    /// The approved step started: its approvers may take the controls again.
    pub fn started(&self) {
        self.locked().approved = None;
    }

    /// Who approved the step the run waits at, or the approved step that has not started yet,
    /// and that step: none of them may hold the controls when it starts.
    pub fn approvers_now(&self) -> Option<(String, Vec<ApproverRef>)> {
        let state = self.locked();
        if let Some(open) = &state.open {
            let approvers = open.accepted.iter().map(Approval::approver).collect();
            return Some((open.awaited.step.clone(), approvers));
        }
        state.approved.clone()
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, DeskState> {
        crate::locked::locked(&self.state)
    }

    /// The approvals accepted since the engine last looked.
    pub fn take_new(&self) -> Vec<Approval> {
        std::mem::take(&mut self.locked().unjournaled)
    }

    /// Resolves once an approval was accepted since the last call (at once if one was).
    pub async fn arrival(&self) {
        self.arrived.notified().await;
    }

    /// The statement `principal` would sign for `step`, if the run waits for its approvals.
    pub fn statement(&self, step: &str, principal: &str) -> Result<String, Refusal> {
        if !valid_principal(principal) {
            return Err(Refusal::NotAPrincipal {
                principal: principal.to_string(),
            });
        }
        let state = self.locked();
        let open = waiting_at(&state, step)?;
        Ok(signed_text(&open.awaited.body, principal))
    }

    /// Judges an offered approval of `step`; how far its approvals are when it counts.
    pub fn offer(
        &self,
        step: &str,
        statement: &str,
        signature: &[u8],
    ) -> Result<Progress, Refusal> {
        // The journal is read before the lock is taken: the engine's wait never stands behind
        // a file being read.
        let trust_root = {
            let state = self.locked();
            waiting_at(&state, step)?;
            state.trust_root.clone()
        };
        let facts = self.facts()?;
        let mut state = self.locked();
        let open = waiting_at(&state, step)?;
        let approval = judge(
            &open.awaited,
            &open.accepted,
            &facts,
            trust_root.as_deref(),
            statement,
            signature,
        )?;
        let progress = Progress {
            count: approval.count,
            required: approval.required,
        };
        state
            .open
            .as_mut()
            .expect("checked")
            .accepted
            .push(approval.clone());
        state.unjournaled.push(approval);
        drop(state);
        self.arrived.notify_one();
        Ok(progress)
    }
}

fn waiting_at<'a>(state: &'a DeskState, step: &str) -> Result<&'a OpenWait, Refusal> {
    match &state.open {
        Some(open) if open.awaited.step == step => Ok(open),
        Some(open) => Err(Refusal::OtherStep {
            waiting: open.awaited.step.clone(),
            asked: step.to_string(),
        }),
        None => Err(Refusal::NotWaiting {
            step: step.to_string(),
        }),
    }
}
