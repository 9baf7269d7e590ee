//! `kind = "decision"`: a go/no-go question. Each option names what it does — go on, roll
//! back, abort, or hold (wait, and be asked again). With a `deadline`, a `default` is required:
//! when the deadline passes unanswered, the default is taken and journaled as exactly that,
//! never as anyone's choice. Headless, `--decide STEP=OPTION` answers in advance.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::protocol::decision::OptionAction;
use toml::de::DeValue;

use super::super::fields::{TableReader, Value};
use super::super::model::TemplateUse;
use super::super::template::Template;

/// One answer the question allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionOption {
    pub name: String,
    pub action: OptionAction,
}

#[derive(Clone, Debug)]
pub struct DecisionStep {
    pub question: Template,
    pub options: Vec<DecisionOption>,
    pub deadline: Option<Duration>,
    /// The option taken when the deadline passes unanswered.
    pub default: Option<String>,
}

impl DecisionStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let question = fields.template("question");
        if question.is_none() && !fields.has("question") {
            fields.missing(
                "question",
                Some("what is being decided: `question = \"Go for the full rollout?\"`"),
            );
        }
        let options = match fields.array("options") {
            Some(items) => items
                .iter()
                .filter_map(|item| parse_option(fields, item))
                .collect::<Vec<_>>(),
            None => {
                fields.missing(
                    "options",
                    Some("the answers and what each does: `options = [\"go\", \"rollback\"]`"),
                );
                Vec::new()
            }
        };
        for (index, option) in options.iter().enumerate() {
            if options[..index].iter().any(|o| o.name == option.name) {
                let anchor = fields
                    .key_span("options")
                    .unwrap_or_else(|| fields.anchor());
                fields.diags.error(
                    anchor,
                    format!("the option `{}` is listed twice", option.name),
                );
            }
        }
        let deadline = fields.duration("deadline");
        let default = fields.string("default");
        match (&deadline, &default) {
            (Some(deadline), None) => {
                fields
                    .diags
                    .error(
                        deadline.span.clone(),
                        "a decision with a `deadline` needs a `default`: what happens when nobody answers in time",
                    )
                    .with_hint("add `default = \"rollback\"` (or the option that is safe when nobody is there)");
            }
            (_, Some(default)) if !options.iter().any(|o| o.name == default.value) => {
                fields.diags.error(
                    default.span.clone(),
                    format!("the default `{}` is not one of the options", default.value),
                );
            }
            (_, Some(default))
                if options
                    .iter()
                    .any(|o| o.name == default.value && o.action == OptionAction::Hold) =>
            {
                fields.diags.error(
                    default.span.clone(),
                    "the default cannot be `hold`: a deadline that passes must end the wait",
                );
            }
            _ => {}
        }
        if options.is_empty() {
            return None;
        }
        Some(Self {
            question: question?,
            options,
            deadline: deadline.map(|d| d.value),
            default: default.map(|d| d.value),
        })
    }

    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        vec![TemplateUse::text(&self.question)]
    }

    pub fn option(&self, name: &str) -> Option<&DecisionOption> {
        self.options.iter().find(|option| option.name == name)
    }
}

/// `"go"`, or `{ name = "ship it", action = "go" }`.
fn parse_option(fields: &mut TableReader, item: &Value<'_>) -> Option<DecisionOption> {
    let words = "one of go, rollback, abort, hold";
    match item.get_ref() {
        DeValue::String(word) => match OptionAction::of(word) {
            Some(action) => Some(DecisionOption {
                name: word.to_string(),
                action,
            }),
            None => {
                fields.diags.error(
                    item.span(),
                    format!("the option `{word}` is not {words}; name others as a table: `{{ name = \"{word}\", action = \"go\" }}`"),
                );
                None
            }
        },
        DeValue::Table(table) => {
            let text = |key: &str| match table.get(key).map(|v| v.get_ref()) {
                Some(DeValue::String(text)) => Some(text.to_string()),
                _ => None,
            };
            let (Some(name), Some(action)) = (text("name"), text("action")) else {
                fields.diags.error(
                    item.span(),
                    "an option table has a `name` and an `action` (strings)",
                );
                return None;
            };
            match OptionAction::of(&action) {
                Some(action) if !name.trim().is_empty() => Some(DecisionOption { name, action }),
                Some(_) => {
                    fields
                        .diags
                        .error(item.span(), "an option's `name` cannot be empty");
                    None
                }
                None => {
                    fields
                        .diags
                        .error(item.span(), format!("the action `{action}` is not {words}"));
                    None
                }
            }
        }
        _ => {
            fields.type_error("each item of `options`", item, "a string or a table");
            None
        }
    }
}
