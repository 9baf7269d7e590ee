//! `kind = "service"`: starts a background process that lives until the run ends (the sandbox
//! of a drill, a port-forward, a log tail). The step passes once the service is ready.

use std::time::Duration;

use regex::Regex;

use super::super::fields::TableReader;
use super::super::model::TemplateUse;
use super::super::source::Located;
use super::super::template::Template;
use super::command::ProcessSpec;

#[derive(Clone, Debug)]
pub enum Readiness {
    /// A GET on this URL answers 2xx.
    Url(Template),
    /// A line of the service's output matches.
    Pattern(Located<Regex>),
    /// Nothing to wait for: ready once started (`check` warns).
    Started,
}

#[derive(Clone, Debug)]
pub struct ServiceStep {
    pub process: ProcessSpec,
    pub ready: Readiness,
    pub ready_timeout: Duration,
}

impl ServiceStep {
    pub fn parse(fields: &mut TableReader) -> Option<Self> {
        let process = ProcessSpec::parse(fields);
        let url = fields.template("ready_url");
        let pattern = fields.string("ready_pattern");
        let ready_timeout = fields
            .duration("ready_timeout")
            .map_or(Duration::from_secs(30), |d| d.value);
        let ready = match (url, pattern) {
            (Some(url), None) => Readiness::Url(url),
            (None, Some(pattern)) => match Regex::new(&pattern.value) {
                Ok(regex) => Readiness::Pattern(Located::new(regex, pattern.span)),
                Err(err) => {
                    fields.invalid_regex(pattern.span, &err);
                    return None;
                }
            },
            (Some(_), Some(pattern)) => {
                fields.diags.error(
                    pattern.span,
                    "a service is ready by `ready_url` or `ready_pattern`, not both",
                );
                return None;
            }
            (None, None) => {
                if fields.has("ready_url") || fields.has("ready_pattern") {
                    return None;
                }
                fields.warn_missing(
                    "ready_url",
                    "without `ready_url` or `ready_pattern` the service counts as ready as soon as it has started",
                );
                Readiness::Started
            }
        };
        Some(Self {
            process: process?,
            ready,
            ready_timeout,
        })
    }

    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        let mut uses = self.process.templates();
        if let Readiness::Url(url) = &self.ready {
            uses.push(TemplateUse::url(url));
        }
        uses
    }
}
