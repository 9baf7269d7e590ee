//! `kind = "manual"`: the operator does something by hand, ticks every checklist item and
//! confirms, with a note when the step asks for one — or, when the step `can_fail`, reports
//! with a note that it did not work, and the step fails into its `on_failure`.

use super::super::fields::TableReader;
use super::super::model::TemplateUse;
use super::super::template::Template;
use crate::protocol::on_deadline::OnDeadline;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotesPolicy {
    None,
    Optional,
    Required,
}

#[derive(Clone, Debug)]
pub struct ManualStep {
    pub instructions: Option<Template>,
    pub checklist: Vec<Template>,
    pub notes: NotesPolicy,
    /// The operator may answer "it did not work" (with a note): the step fails.
    pub can_fail: bool,
    /// Nobody confirmed in this long: `on_deadline` happens, journaled as the deadline's.
    pub deadline: Option<std::time::Duration>,
    pub on_deadline: Option<OnDeadline>,
}

impl ManualStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let instructions = fields.template("instructions");
        let checklist = fields.template_list("checklist");
        for item in &checklist {
            if item.source.trim().is_empty() {
                fields
                    .diags
                    .error(item.span.clone(), "a checklist item cannot be empty");
            }
        }
        let notes = fields
            .choice(
                "notes",
                &[
                    ("none", NotesPolicy::None),
                    ("optional", NotesPolicy::Optional),
                    ("required", NotesPolicy::Required),
                ],
            )
            .unwrap_or(NotesPolicy::Optional);
        let can_fail = fields.bool("can_fail").unwrap_or(false);
        let (deadline, on_deadline) = crate::runbook::deadline::deadline_fields(
            fields,
            "a manual step with a `deadline` says what happens when nobody confirms by then",
        );
        if instructions.is_none() && checklist.is_empty() && !fields.has("instructions") {
            fields.missing(
                "instructions",
                Some("tell the operator what to do: `instructions = \"…\"` or a `checklist`"),
            );
            return None;
        }
        Some(Self {
            instructions,
            checklist,
            notes,
            can_fail,
            deadline: deadline.map(|d| d.value),
            on_deadline,
        })
    }

    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        self.instructions
            .iter()
            .chain(&self.checklist)
            .map(TemplateUse::text)
            .collect()
    }
}
