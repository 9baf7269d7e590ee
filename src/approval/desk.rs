//! Where the engine and the run's socket meet over approvals. The engine opens the desk when a
//! step that requires approvals is reached (what it waits for), and closes it when the wait
//! ends; `cutover approve`, through the socket, reads the statement there and offers
//! approvals, judged under the desk's lock (`offer.rs`) so that two approvers at once are
//! counted right. The engine journals each accepted approval and starts the step once enough
//! have come.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::offer::{Awaited, judge};
use super::record::Approval;
use super::run_facts;
use super::statement::{signed_text, valid_principal};

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
}

struct OpenWait {
    awaited: Awaited,
    /// The run's journal, which says who runs the run.
    journal: PathBuf,
    accepted: Vec<Approval>,
}

/// How far a step's approvals are.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub count: u32,
    pub required: u32,
}

impl ApprovalDesk {
    /// The engine waits for approvals of `awaited.step`; the run's journal is `journal`.
    pub fn open(&self, awaited: Awaited, journal: PathBuf) {
        let mut state = self.state.lock().expect("never poisoned");
        state.open = Some(OpenWait {
            awaited,
            journal,
            accepted: Vec::new(),
        });
    }

    /// The wait ended: no more offers. Returns what was accepted and not taken yet, which is
    /// journaled all the same (it was given and judged).
    pub fn close(&self) -> Vec<Approval> {
        let mut state = self.state.lock().expect("never poisoned");
        state.open = None;
        std::mem::take(&mut state.unjournaled)
    }

    /// The approvals accepted since the engine last looked.
    pub fn take_new(&self) -> Vec<Approval> {
        std::mem::take(&mut self.state.lock().expect("never poisoned").unjournaled)
    }

    /// Resolves once an approval was accepted since the last call (at once if one was).
    pub async fn arrival(&self) {
        self.arrived.notified().await;
    }

    /// The statement `principal` would sign for `step`, if the run waits for its approvals.
    pub fn statement(&self, step: &str, principal: &str) -> Result<String, String> {
        if !valid_principal(principal) {
            return Err(format!(
                "`{principal}` cannot be a principal: a name without spaces, quotes or commas, as allowed_signers files write it"
            ));
        }
        let state = self.state.lock().expect("never poisoned");
        let open = waiting_at(&state, step)?;
        Ok(signed_text(&open.awaited.body, principal))
    }

    /// Judges an offered approval of `step`; how far its approvals are when it counts.
    pub fn offer(&self, step: &str, statement: &str, signature: &[u8]) -> Result<Progress, String> {
        // The journal is read before the lock is taken: the engine's wait never stands behind
        // a file being read.
        let journal = waiting_at(&self.state.lock().expect("never poisoned"), step)?
            .journal
            .clone();
        let facts = run_facts::read(&journal)?;
        let mut state = self.state.lock().expect("never poisoned");
        let open = waiting_at(&state, step)?;
        let approval = judge(&open.awaited, &open.accepted, &facts, statement, signature)?;
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

fn waiting_at<'a>(state: &'a DeskState, step: &str) -> Result<&'a OpenWait, String> {
    match &state.open {
        Some(open) if open.awaited.step == step => Ok(open),
        Some(open) => Err(format!(
            "the run waits for approvals of step `{}`, not `{step}`",
            open.awaited.step
        )),
        None => Err(format!(
            "the run is not waiting for approvals of step `{step}`: approve once it asks (its `approval` notification, or `cutover ls`, says when)"
        )),
    }
}
