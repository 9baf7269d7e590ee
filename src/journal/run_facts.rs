//! The facts an approval is judged against (`approval/facts.rs`), read from the run's journal:
//! only the header, resumes, attaches and approvals are parsed (a long run has thousands of
//! other lines), and a torn last line is not an entry yet.

use std::path::{Path, PathBuf};

use crate::approval::facts::{FactsError, FactsReader, Implementer, RunFacts};
use crate::journal::entry::{Body, Entry};

/// Reads `journal` (a run folder's `journal.log`); an error in words when it has no header.
pub(crate) fn read(journal: &Path) -> Result<RunFacts, FactsError> {
    let text = std::fs::read(journal).map_err(|source| FactsError::Read {
        journal: journal.to_path_buf(),
        source,
    })?;
    let mut facts: Option<RunFacts> = None;
    // A torn last line (no LF) is not an entry yet. Only the header, resumes and attaches say
    // who runs the run, and approvals what was approved: the other lines are not parsed (a
    // long run has thousands).
    for line in text.split_inclusive(|&b| b == b'\n') {
        if !line.ends_with(b"\n") {
            continue;
        }
        let json = line.split(|&b| b == b'\t').next().unwrap_or_default();
        let names_someone = [
            &b"\"kind\":\"header\""[..],
            b"\"kind\":\"resume\"",
            b"\"kind\":\"attach\"",
            b"\"kind\":\"approval\"",
        ]
        .iter()
        .any(|kind| json.windows(kind.len()).any(|w| w == *kind));
        if !names_someone {
            continue;
        }
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
                    approval_signatures: Vec::new(),
                    approvers: Vec::new(),
                });
            }
            (Some(facts), Body::Resume(resume)) => facts.implementers.push(Implementer {
                fingerprint: resume.operator.fingerprint,
                principal: resume.operator.principal,
                role: "operator",
            }),
            (Some(facts), Body::Approval(approval)) => {
                facts.approvers.push(Implementer {
                    fingerprint: approval.fingerprint,
                    principal: approval.principal,
                    role: "approver",
                });
                facts.approval_signatures.push(approval.signature);
            }
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
    facts.ok_or_else(|| FactsError::NoHeader {
        journal: journal.to_path_buf(),
    })
}

/// The reader of the journal at `journal`, for the approval desk.
pub(crate) fn reader(journal: PathBuf) -> FactsReader {
    std::sync::Arc::new(move || read(&journal))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::engine::controller_change::{ControllerChange, Seat, SeatAction};
    use crate::journal::entry::NoteBody;
    use crate::journal::test_journal::drill_journal;
    use crate::keys::person::PersonKey;

    #[test]
    fn the_operator_and_everyone_who_attached_run_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = drill_journal(dir.path());
        journal
            .append(Body::Note(NoteBody {
                step: None,
                text: "\"kind\":\"attach\" in a note is a note".into(),
            }))
            .unwrap();
        journal
            .append(Body::Attach(ControllerChange {
                at: String::new(),
                action: SeatAction::Attach,
                seat: Seat::default(),
                from: None,
                person: Some(PersonKey {
                    principal: "bob".into(),
                    key: String::new(),
                    fingerprint: "SHA256:bob".into(),
                }),
            }))
            .unwrap();
        // A torn last line is not an entry yet.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("journal.log"))
            .unwrap();
        file.write_all(b"{\"v\":1,\"kind\":\"attach\"").unwrap();
        let facts = read(&dir.path().join("journal.log")).unwrap();
        assert_eq!(facts.run_id, "test");
        let who: Vec<(&str, &str)> = facts
            .implementers
            .iter()
            .map(|i| (i.principal.as_str(), i.role))
            .collect();
        assert_eq!(who, [("tester", "operator"), ("bob", "controller")]);
    }
}
