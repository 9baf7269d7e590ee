//! What a screen shows of the journal while the run goes: entries written and the last anchor
//! (the `upto_bytes:prefix_sha256` an operator pastes in a ticket).

use super::file::JournalFile;

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct JournalStatus {
    pub entries: u64,
    pub anchor: Option<String>,
}

impl JournalStatus {
    pub(crate) fn of(journal: &JournalFile) -> Self {
        Self {
            entries: journal.entries(),
            anchor: journal.last_anchor.clone(),
        }
    }
}
