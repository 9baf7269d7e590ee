//! Typing a note, a reason, evidence or a confirmation phrase: a ratatui-textarea, with what the
//! text is for. Enter gives what was typed (Ctrl-D too); in a note or a reason Alt-Enter starts
//! a new line; Esc cancels. A phrase is one line.

use ratatui_textarea::TextArea;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    Note,
    SkipReason,
    Evidence,
    /// What went wrong, for a manual step reported as not done.
    FailNote,
    Phrase,
    /// A value for a required variable on the start screen; masked when secret.
    Variable,
    /// The answer to an input step; masked when secret.
    Answer,
    /// In production, the word that confirms an irreversible act (`rollback`, `abort`).
    Irreversible(Irreversible),
    /// What `/` looks for in the viewer.
    Search,
}

/// What one key must never do alone: roll the release back, or end the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Irreversible {
    Rollback,
    Abort,
}

impl Irreversible {
    /// The word typed to confirm it in production.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Self::Rollback => "rollback",
            Self::Abort => "abort",
        }
    }

    /// The control it sends once confirmed.
    pub(crate) fn control(self) -> crate::engine::control::Control {
        match self {
            Self::Rollback => crate::engine::control::Control::Rollback,
            Self::Abort => crate::engine::control::Control::Abort,
        }
    }

    /// What it does, said before it is done.
    pub(crate) fn consequence(self) -> &'static str {
        match self {
            Self::Rollback => {
                "Roll back: the steps done are undone, then the rollback section runs."
            }
            Self::Abort => "Abort: the run ends here, nothing more runs and nothing is undone.",
        }
    }
}

pub(crate) struct TextEntry {
    pub purpose: Purpose,
    pub area: TextArea<'static>,
}

impl TextEntry {
    pub(crate) fn new(purpose: Purpose) -> Self {
        Self {
            purpose,
            area: TextArea::default(),
        }
    }

    pub(crate) fn masked(purpose: Purpose) -> Self {
        let mut area = TextArea::default();
        area.set_mask_char('•');
        Self { purpose, area }
    }

    pub(crate) fn single_line(&self) -> bool {
        matches!(
            self.purpose,
            Purpose::Phrase
                | Purpose::Variable
                | Purpose::Answer
                | Purpose::Irreversible(_)
                | Purpose::Search
        )
    }

    pub(crate) fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub(crate) fn title(&self) -> &'static str {
        match self.purpose {
            Purpose::Note => "Note",
            Purpose::SkipReason => "Why skip this step?",
            Purpose::Evidence => "Evidence that it was done by hand",
            Purpose::FailNote => "What did not work?",
            Purpose::Phrase => "Type the confirmation phrase",
            Purpose::Variable => "Value",
            Purpose::Answer => "Answer",
            Purpose::Irreversible(Irreversible::Rollback) => "Type rollback to roll back",
            Purpose::Irreversible(Irreversible::Abort) => "Type abort to abort the run",
            Purpose::Search => "Find",
        }
    }
}
