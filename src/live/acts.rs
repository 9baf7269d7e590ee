//! What a person did at the controls, as their client sent it, and the journal entry that
//! records it. Both ends keep the acts a seat sent: the engine asks a person to sign only an
//! entry that records one of them (an abort from SIGTERM is the engine's own, and it signs it
//! with the session key), and the person's client signs only such an entry — it knows what it
//! sent. Each act is matched once, so one key press is never signed twice.
//!
//! Texts are compared as typed, except where the engine masked a secret: the journal never
//! holds one, so a masked part of a note stands for whatever the person typed there.

use std::collections::VecDeque;

use crate::engine::control::Control;
use crate::engine::interrupt::Interrupt;
use crate::journal::entry::Body;
use crate::protocol::decision::{ConfirmVia, Decision};
use crate::runbook::template::SECRET_MASK;

/// Acts kept waiting for their entry: a person sends a handful a minute; a client that sends
/// more without the engine recording them is a program, and the oldest are forgotten.
const KEPT: usize = 64;

/// The acts one seat sent, oldest first, each to be matched once.
#[derive(Debug, Default)]
pub(crate) struct SentActs {
    acts: VecDeque<Control>,
}

impl SentActs {
    /// Keeps `control` if the journal records it as a person's act.
    pub(crate) fn push(&mut self, control: &Control) {
        // An answer bound to the question's step is journaled as the answer itself.
        let control = control.unbound();
        if !is_act(control) {
            return;
        }
        if self.acts.len() == KEPT {
            self.acts.pop_front();
        }
        self.acts.push_back(control.clone());
    }

    /// Takes the act `body` records; `false` when this seat sent no such act.
    pub(crate) fn take(&mut self, body: &Body) -> bool {
        match self.acts.iter().position(|act| records(body, act)) {
            Some(index) => {
                self.acts.remove(index);
                true
            }
            None => false,
        }
    }
}

/// A control the journal records as a person's own entry (a confirmation, a decision, a note,
/// an answer); the rest (Enter on an automated step, a suspend) are not signed by anyone.
fn is_act(control: &Control) -> bool {
    matches!(
        control,
        Control::Phrase { .. }
            | Control::Confirm { .. }
            | Control::Choose { .. }
            | Control::Input { .. }
            | Control::Retry
            | Control::Skip { .. }
            | Control::MarkDone { .. }
            | Control::Rollback
            | Control::Abort
            | Control::Note { .. }
            | Control::Interrupt {
                interrupt: Interrupt::AbortNow | Interrupt::KillNow
            }
    )
}

/// Whether `body` is the journal's record of `act`.
pub(crate) fn records(body: &Body, act: &Control) -> bool {
    match (body, act) {
        (
            Body::Confirm(confirm),
            Control::Confirm {
                checklist, note, ..
            },
        ) => {
            confirm.via != Some(ConfirmVia::CommandLine)
                && confirm.checklist == *checklist
                && optional_text(confirm.note.as_deref(), note.as_deref())
        }
        (Body::Confirm(confirm), Control::Phrase { text, note, .. }) => {
            confirm.via != Some(ConfirmVia::CommandLine)
                && confirm.checklist.as_slice() == std::slice::from_ref(text)
                && optional_text(confirm.note.as_deref(), note.as_deref())
        }
        (Body::Note(note), Control::Note { step, text }) => {
            note.step == *step && same_text(&note.text, text)
        }
        (Body::Input(input), Control::Input { value, .. }) => match &input.value {
            // A secret answer is never journaled.
            None => true,
            Some(journaled) => same_text(journaled, value),
        },
        (Body::Decision(decision), act) => decides(&decision.decision, act),
        _ => false,
    }
}

fn decides(decision: &Decision, act: &Control) -> bool {
    match (decision, act) {
        (Decision::Retry, Control::Retry)
        | (Decision::Rollback, Control::Rollback)
        | (Decision::Abort, Control::Abort)
        | (
            Decision::Abort,
            Control::Interrupt {
                interrupt: Interrupt::AbortNow | Interrupt::KillNow,
            },
        ) => true,
        (Decision::Skip { reason }, Control::Skip { reason: typed }) => same_text(reason, typed),
        (Decision::MarkDone { evidence }, Control::MarkDone { evidence: typed }) => {
            same_text(evidence, typed)
        }
        (Decision::Chose { option, via, .. }, Control::Choose { option: typed, .. }) => {
            *via != ConfirmVia::CommandLine && option == typed
        }
        _ => false,
    }
}

/// A note the engine may have dropped (the runbook wants none), or kept as typed.
fn optional_text(journaled: Option<&str>, typed: Option<&str>) -> bool {
    match (journaled, typed) {
        (None, _) => true,
        (Some(journaled), Some(typed)) => same_text(journaled, typed),
        (Some(_), None) => false,
    }
}

/// `journaled` is `typed`, but for parts the engine masked: each mask stands for at least one
/// character of what was typed, and everything around the masks is as typed.
fn same_text(journaled: &str, typed: &str) -> bool {
    let pieces: Vec<&str> = journaled.split(SECRET_MASK).collect();
    let Some((first, rest)) = pieces.split_first() else {
        return false;
    };
    typed
        .strip_prefix(first)
        .is_some_and(|typed| hidden_then(rest, typed))
}

/// `typed` is, for each of `pieces`, at least one hidden character and then the piece.
fn hidden_then(pieces: &[&str], typed: &str) -> bool {
    let Some((piece, rest)) = pieces.split_first() else {
        return typed.is_empty();
    };
    typed
        .char_indices()
        .map(|(at, _)| at)
        .skip(1)
        .chain((!typed.is_empty()).then_some(typed.len()))
        .any(|at| {
            typed[at..]
                .strip_prefix(piece)
                .is_some_and(|after| hidden_then(rest, after))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::entry::{ConfirmBody, DecisionBody, NoteBody};

    fn note(text: &str) -> Body {
        Body::Note(NoteBody {
            step: Some("s".into()),
            text: text.into(),
        })
    }

    fn typed_note(text: &str) -> Control {
        Control::Note {
            step: Some("s".into()),
            text: text.into(),
        }
    }

    #[test]
    fn each_act_is_matched_once_and_only_by_its_own_record() {
        let mut sent = SentActs::default();
        sent.push(&Control::Retry);
        sent.push(&Control::Proceed);
        let retry = Body::Decision(DecisionBody {
            step: "s".into(),
            decision: Decision::Retry,
        });
        let abort = Body::Decision(DecisionBody {
            step: "s".into(),
            decision: Decision::Abort,
        });
        assert!(!sent.take(&abort), "the person did not abort");
        assert!(sent.take(&retry));
        assert!(!sent.take(&retry), "one key press is signed once");
    }

    #[test]
    fn a_confirmation_is_of_the_checklist_and_note_sent() {
        let confirm = |checklist: &[&str], note: Option<&str>, via| {
            Body::Confirm(ConfirmBody {
                step: "s".into(),
                note: note.map(str::to_string),
                checklist: checklist.iter().map(|c| c.to_string()).collect(),
                via: Some(via),
            })
        };
        let sent = Control::Confirm {
            checklist: vec!["Dashboard green".into()],
            note: Some("all good".into()),
            via: ConfirmVia::Terminal,
        };
        assert!(records(
            &confirm(&["Dashboard green"], Some("all good"), ConfirmVia::Terminal),
            &sent
        ));
        assert!(
            records(
                &confirm(&["Dashboard green"], None, ConfirmVia::Terminal),
                &sent
            ),
            "a note the runbook does not want is dropped"
        );
        assert!(!records(
            &confirm(&["Backup taken"], Some("all good"), ConfirmVia::Terminal),
            &sent
        ));
        assert!(!records(
            &confirm(
                &["Dashboard green"],
                Some("all good"),
                ConfirmVia::CommandLine
            ),
            &sent
        ));
        let phrase = Control::Phrase {
            text: "migrate".into(),
            note: None,
            via: ConfirmVia::Terminal,
        };
        assert!(records(
            &confirm(&["migrate"], None, ConfirmVia::Terminal),
            &phrase
        ));
        assert!(!records(
            &confirm(&["drop-db"], None, ConfirmVia::Terminal),
            &phrase
        ));
    }

    #[test]
    fn a_masked_secret_stands_for_what_was_typed_there_and_nothing_else() {
        assert!(records(
            &note("token *** rotated"),
            &typed_note("token s3cr3t-value rotated")
        ));
        assert!(records(
            &note("*** at start"),
            &typed_note("s3cr3tvalue at start")
        ));
        assert!(records(
            &note("ends with ***"),
            &typed_note("ends with s3cr3tvalue")
        ));
        assert!(!records(
            &note("token *** rotated"),
            &typed_note("token  rotated")
        ));
        assert!(!records(
            &note("token *** rotated"),
            &typed_note("other s3cr3t rotated")
        ));
        assert!(!records(&note("rm -rf /"), &typed_note("all good")));
        assert!(!records(&note("***"), &typed_note("")));
    }

    #[test]
    fn ctrl_c_at_the_controls_is_the_persons_abort() {
        let abort = Body::Decision(DecisionBody {
            step: "s".into(),
            decision: Decision::Abort,
        });
        assert!(records(
            &abort,
            &Control::Interrupt {
                interrupt: Interrupt::AbortNow
            }
        ));
        assert!(!records(
            &abort,
            &Control::Interrupt {
                interrupt: Interrupt::SuspendAfterStep
            }
        ));
    }
}
