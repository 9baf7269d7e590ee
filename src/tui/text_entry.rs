//! Typing a note, a reason, evidence or a confirmation phrase: a ratatui-textarea, with what the
//! text is for. In a multi-line area Enter is a newline, Ctrl-D submits and Esc cancels; a phrase
//! is one line and Enter submits it.

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
            Purpose::Phrase | Purpose::Variable | Purpose::Answer
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
        }
    }
}
