//! What an approval is judged against, as the run's own journal says it: the run id, the
//! runbook and its SHA-256 as the header recorded them, and every key that has run the run —
//! the operator's (the header's, each resume's) and each person's who held the controls. The
//! journal is the truth verify will read later, so the engine judges by the same lines; the
//! journal reads them (`journal/run_facts.rs`) and the launch hands the desk that reader.

use std::path::PathBuf;
use std::sync::Arc;

use crate::protocol::mode::Mode;

/// A key that has done the run's work, by its SHA256 fingerprint, with who it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Implementer {
    pub fingerprint: String,
    pub principal: String,
    /// `operator`, `controller` or `approver`.
    pub role: &'static str,
}

#[derive(Clone, Debug)]
pub struct RunFacts {
    pub run_id: String,
    pub runbook: String,
    pub runbook_sha256: String,
    pub mode: Mode,
    pub implementers: Vec<Implementer>,
    /// Every approval signature the journal holds: one handed in again is a copy.
    pub approval_signatures: Vec<String>,
    /// Everyone who approved a step of the run, with the key they approved with.
    pub approvers: Vec<Implementer>,
}

/// Why the facts could not be read: approvals cannot be judged without them.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("cannot read the journal {}: {source}", journal.display())]
    Read {
        journal: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the journal {} has no header: approvals are judged against it", journal.display())]
    NoHeader { journal: PathBuf },
    #[error("nothing reads this run's journal, so no approval can be judged")]
    NoReader,
}

/// Reads the run's facts as its journal says them now.
pub(crate) type FactsReader = Arc<dyn Fn() -> Result<RunFacts, FactsError> + Send + Sync>;
