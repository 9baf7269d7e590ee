//! `kind = "env"`: checks the process environment, or a dotenv file, before anything changes.

use regex::Regex;

use super::super::fields::TableReader;
use super::super::model::TemplateUse;
use super::super::names::check_env_name;
use super::super::source::Located;
use super::super::template::Template;

#[derive(Clone, Debug)]
pub struct EnvStep {
    /// Must be set and non-empty.
    pub require: Vec<Located<String>>,
    /// Must be unset (bypass switches that must never reach production).
    pub forbid: Vec<Located<String>>,
    /// Must be at least this many characters long.
    pub min_length: Vec<(Located<String>, usize)>,
    /// Must match the regex.
    pub matches: Vec<(Located<String>, Located<Regex>)>,
    /// Read the variables from this dotenv file instead of the process environment.
    pub env_file: Option<Template>,
}

impl EnvStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let require = fields.string_list("require");
        let forbid = fields.string_list("forbid");
        let mut min_length = Vec::new();
        if let Some((table, _)) = fields.table("min_length") {
            for (name, value) in table.iter() {
                let name = Located::new(name.get_ref().to_string(), name.span());
                match fields.integer_of(&format!("min_length.{}", name.value), value) {
                    Some(n) if n.value >= 1 => min_length.push((name, n.value as usize)),
                    Some(n) => {
                        fields
                            .diags
                            .error(n.span, "a minimum length must be at least 1");
                    }
                    None => {}
                }
            }
        }
        let mut matches = Vec::new();
        if let Some((table, _)) = fields.table("matches") {
            for (name, value) in table.iter() {
                let name = Located::new(name.get_ref().to_string(), name.span());
                let Some(pattern) = fields.template_of(&format!("matches.{}", name.value), value)
                else {
                    continue;
                };
                match Regex::new(&pattern.source) {
                    Ok(regex) => matches.push((name, Located::new(regex, pattern.span))),
                    Err(err) => fields.invalid_regex(pattern.span, &err),
                }
            }
        }
        let env_file = fields.template("env_file");
        let names = require
            .iter()
            .chain(&forbid)
            .chain(min_length.iter().map(|(name, _)| name))
            .chain(matches.iter().map(|(name, _)| name));
        for name in names {
            check_env_name(fields.diags, name);
        }
        if require.is_empty() && forbid.is_empty() && min_length.is_empty() && matches.is_empty() {
            fields.missing(
                "require",
                Some(
                    "an env step checks something: `require`, `forbid`, `min_length` or `matches`",
                ),
            );
            return None;
        }
        Some(Self {
            require,
            forbid,
            min_length,
            matches,
            env_file,
        })
    }

    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        self.env_file.iter().map(TemplateUse::text).collect()
    }
}
