//! What verify found: the verdict, the first error, warnings, and the trusted entries.

use std::fmt;

use crate::journal::entry::{Entry, HeaderBody};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Valid,
    Incomplete,
    Tampered,
}

impl Verdict {
    /// The word verify prints, the same in the review banner and the report.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Valid => "VALID",
            Verdict::Incomplete => "INCOMPLETE",
            Verdict::Tampered => "TAMPERED",
        }
    }
}

/// One error or warning: `E_CODE: line N (seq S, kind K): what is wrong`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub line: Option<usize>,
    pub seq: Option<u64>,
    pub kind: Option<String>,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code)?;
        if let Some(line) = self.line {
            let seq = self.seq.map_or("?".to_string(), |s| s.to_string());
            let kind = self.kind.as_deref().unwrap_or("?");
            write!(f, "line {line} (seq {seq}, kind {kind}): ")?;
        }
        f.write_str(&self.message)
    }
}

/// An entry whose signature, chain and sequence held.
#[derive(Clone, Debug)]
pub struct VerifiedEntry {
    pub line: usize,
    pub offset: u64,
    pub entry: Entry,
    /// Which key signed it: part of the evidence.
    pub signer: Signer,
}

/// Which key signed an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Signer {
    /// The operator's SSH key, SSHSIG: the header, a resume, and in a process with its own
    /// terminal the acts of its operator.
    Operator,
    /// The SSH key of the person at a terminal run's controls, as their `attach` entry named
    /// it: their acts, signed by their own client.
    Person,
    /// The session key the latest header or resume delegated: the engine, alone.
    Session,
}

/// Where the chain stands after the last whole, verified line (what resume appends after).
#[derive(Clone, Debug)]
pub struct ChainEnd {
    pub next_seq: u64,
    pub prev: String,
    /// Offset just after the last whole line.
    pub bytes: u64,
}

#[derive(Debug)]
pub struct Verification {
    pub verdict: Verdict,
    pub error: Option<Finding>,
    pub warnings: Vec<Finding>,
    /// Entries up to the first error (all of them when there is none).
    pub entries: Vec<VerifiedEntry>,
    pub header: Option<HeaderBody>,
    /// `upto_bytes:prefix_sha256` of the last checkpoint or footer that verified.
    pub anchor: Option<String>,
    pub chain: ChainEnd,
    /// Bytes after the last LF not accounted for by a resume: (offset, bytes).
    pub torn_tail: Option<(u64, Vec<u8>)>,
    pub has_footer: bool,
    /// Whether the keys were checked against `--allowed-signers`.
    pub keys_checked: bool,
    /// Things worth a look that change no verdict (`N_*`): files no entry names, a run folder
    /// whose name is not the run id.
    pub notices: Vec<Finding>,
}

/// How many trusted entries each key signed, and which closed the journal.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SignatureCounts {
    /// Entries under the operator's SSH key: the header, resumes, and in a process with its
    /// own terminal its operator's acts and what follows them.
    pub operator: usize,
    /// Of those, the acts themselves (confirmations, decisions, notes, answers).
    pub acts: usize,
    /// Entries under the key of a person at a terminal run's controls (their attach, their
    /// acts, what follows them), signed by their own client.
    pub persons: usize,
    /// Those persons, as their attach entries named them: `alice (SHA256:…)`, in order.
    pub people: Vec<String>,
    /// Entries under the session key: what the engine wrote alone.
    pub session: usize,
    /// The footer's signer, when the journal has one.
    pub closed_by: Option<Signer>,
}

impl SignatureCounts {
    /// In words, as verify, the review and the reports say it.
    pub fn sentence(&self) -> String {
        let closed = match self.closed_by {
            Some(Signer::Operator) => "; closed by the operator's key (a person ended the run)",
            Some(Signer::Person) => {
                "; closed by the key of the person at the controls (a person ended the run)"
            }
            Some(Signer::Session) => "; closed by the session key (the run ended on its own)",
            None => "",
        };
        let persons = if self.persons > 0 {
            format!(
                ", {} by the keys of the persons at the controls ({})",
                self.persons,
                self.people.join("; ")
            )
        } else {
            String::new()
        };
        format!(
            "{} entries by the operator's key ({} of them a person's acts){persons}, {} by the session key{closed}",
            self.operator, self.acts, self.session
        )
    }
}

impl Verification {
    pub fn signature_counts(&self) -> SignatureCounts {
        use crate::journal::entry::Body;
        let mut counts = SignatureCounts::default();
        for verified in &self.entries {
            match verified.signer {
                Signer::Operator => {
                    counts.operator += 1;
                    if !matches!(
                        verified.entry.body,
                        Body::Header(_) | Body::Resume(_) | Body::Checkpoint(_) | Body::Footer(_)
                    ) {
                        counts.acts += 1;
                    }
                }
                Signer::Person => {
                    counts.persons += 1;
                    if let Body::Attach(change) = &verified.entry.body
                        && let Some(person) = &change.person
                    {
                        let named = format!("{} ({})", person.principal, person.fingerprint);
                        if !counts.people.contains(&named) {
                            counts.people.push(named);
                        }
                    }
                }
                Signer::Session => counts.session += 1,
            }
            if matches!(verified.entry.body, Body::Footer(_)) {
                counts.closed_by = Some(verified.signer);
            }
        }
        counts
    }
}
