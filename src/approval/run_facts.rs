//! What an approval is judged against, read from the run's own journal: the run id, the
//! runbook and its SHA-256 as the header recorded them, and every key that has run the run —
//! the operator's (the header's, each resume's) and each person's who held the controls. The
//! journal is the truth verify will read later, so the engine judges by the same lines.

use std::path::Path;

use crate::engine::events::Mode;
use crate::journal::entry::{Body, Entry};

/// A key that has done the run's work, by its SHA256 fingerprint, with who it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Implementer {
    pub fingerprint: String,
    pub principal: String,
    /// `operator` or `controller`.
    pub role: &'static str,
}

#[derive(Clone, Debug)]
pub struct RunFacts {
    pub run_id: String,
    pub runbook: String,
    pub runbook_sha256: String,
    pub mode: Mode,
    pub implementers: Vec<Implementer>,
}

/// Reads `journal` (a run folder's `journal.log`); an error in words when it has no header.
pub fn read(journal: &Path) -> Result<RunFacts, String> {
    let text = std::fs::read(journal)
        .map_err(|err| format!("cannot read the journal {}: {err}", journal.display()))?;
    let mut facts: Option<RunFacts> = None;
    // A torn last line (no LF) is not an entry yet.
    for line in text.split(|&b| b == b'\n') {
        let json = line.split(|&b| b == b'\t').next().unwrap_or_default();
        let Ok(entry) = std::str::from_utf8(json).map(Entry::parse) else {
            continue;
        };
        let Ok(entry) = entry else { continue };
        match (&mut facts, entry.body) {
            (None, Body::Header(header)) => {
                facts = Some(RunFacts {
                    run_id: header.run_id,
                    runbook: header.runbook.name,
                    runbook_sha256: header.runbook.sha256,
                    mode: header.mode,
                    implementers: vec![Implementer {
                        fingerprint: header.operator.fingerprint,
                        principal: header.operator.principal,
                        role: "operator",
                    }],
                });
            }
            (Some(facts), Body::Resume(resume)) => facts.implementers.push(Implementer {
                fingerprint: resume.operator.fingerprint,
                principal: resume.operator.principal,
                role: "operator",
            }),
            (Some(facts), Body::Attach(change)) => {
                if let Some(person) = change.person {
                    facts.implementers.push(Implementer {
                        fingerprint: person.fingerprint,
                        principal: person.principal,
                        role: "controller",
                    });
                }
            }
            _ => {}
        }
    }
    facts.ok_or_else(|| {
        format!(
            "the journal {} has no header: approvals are judged against it",
            journal.display()
        )
    })
}
