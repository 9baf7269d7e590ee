//! `kind = "input"`: the run asks the operator for a value and keeps it in a variable (to
//! choose a branch with `when`, to name the node to drain). The answer is that person's act
//! and is journaled as such; headless it comes from `--input NAME=VALUE`.

use std::time::Duration;

use regex::Regex;

use super::super::fields::TableReader;
use super::super::model::TemplateUse;
use super::super::source::Located;
use super::super::template::Template;

#[derive(Clone, Debug)]
pub struct InputStep {
    /// The question, as the operator reads it.
    pub prompt: Template,
    /// The variable the answer goes into.
    pub variable: Located<String>,
    /// The answers allowed, when it is a choice.
    pub options: Vec<String>,
    pub pattern: Option<Located<Regex>>,
    pub default: Option<String>,
    /// Masked as typed, never journaled, scrubbed from output.
    pub secret: bool,
    /// Nobody answered in this long: the default is taken (journaled as such), else the step
    /// fails.
    pub deadline: Option<Duration>,
}

impl InputStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let prompt = fields.template("prompt");
        let variable = fields.required_string("variable");
        let options: Vec<String> = fields
            .string_list("options")
            .into_iter()
            .map(|option| option.value)
            .collect();
        let pattern = fields.regex("pattern");
        let default = fields.string("default");
        let secret = fields.bool("secret").unwrap_or(false);
        let deadline = fields.duration("deadline").map(|d| d.value);
        if prompt.is_none() && !fields.has("prompt") {
            fields.missing(
                "prompt",
                Some("ask the operator something: `prompt = \"…\"`"),
            );
        }
        if let (Some(pattern), false) = (&pattern, options.is_empty()) {
            fields.diags.error(
                pattern.span.clone(),
                "an input takes `options` or `pattern`, not both",
            );
        }
        if let Some(default) = &default {
            let allowed = (options.is_empty() || options.contains(&default.value))
                && pattern
                    .as_ref()
                    .is_none_or(|p| p.value.is_match(&default.value));
            if secret {
                fields
                    .diags
                    .error(
                        default.span.clone(),
                        "a secret input has its default written in the runbook",
                    )
                    .with_hint("remove `default`: a secret is typed, never written down");
            } else if !allowed {
                fields.diags.error(
                    default.span.clone(),
                    format!(
                        "the default `{}` is not an answer this input accepts",
                        default.value
                    ),
                );
            }
        }
        Some(Self {
            prompt: prompt?,
            variable: variable?,
            options,
            pattern,
            default: default.map(|d| d.value),
            secret,
            deadline,
        })
    }

    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        vec![TemplateUse::text(&self.prompt)]
    }

    /// Why `value` is not an answer, if it is not.
    pub fn refuses(&self, value: &str) -> Option<String> {
        if value.is_empty() {
            return Some("the answer cannot be empty".into());
        }
        if !self.options.is_empty() && !self.options.iter().any(|o| o == value) {
            return Some(format!("answer one of: {}", self.options.join(", ")));
        }
        if let Some(pattern) = &self.pattern
            && !pattern.value.is_match(value)
        {
            return Some(format!(
                "the answer must match `{}`",
                pattern.value.as_str()
            ));
        }
        None
    }
}
