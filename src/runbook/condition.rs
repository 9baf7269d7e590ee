//! `when` conditions: a CEL expression (the `cel` crate; CEL is what Kubernetes and Argo use)
//! over the run's values — variables by name, `steps.<id>.status` and `steps.<id>.exit`,
//! `captures.<name>`, `run.id`/`run.dir`/`run.started`.
//!
//! Step ids and capture names may hold `-`, which CEL reads as a minus: `steps.drain-node`
//! is rewritten to `steps["drain-node"]` before CEL sees it, outside string literals, so that
//! a runbook can name a step as it is written. `check` compiles every condition and checks
//! what it names: known variables, steps that run before it, the fields a step has, the
//! words a status can be, captures that exist.

use std::sync::LazyLock;

use regex::Regex;

use super::diagnostic::Diagnostics;
use super::source::{Located, Span};

/// The words `steps.<id>.status` can be: the journal's, `not-applicable`, and `pending` for
/// a step that has not ended.
pub(crate) const STATUS_WORDS: [&str; 7] = [
    "passed",
    "failed",
    "skipped",
    "simulated",
    "done-manually",
    "not-applicable",
    "pending",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// As the runbook writes it: journaled and shown.
    pub text: Located<String>,
    /// What CEL compiles (dashed names rewritten).
    pub cel: String,
}

impl Condition {
    /// Reads a condition; a syntax error is reported at the field and gives `None`.
    pub(crate) fn parse(text: Located<String>, diags: &mut Diagnostics) -> Option<Self> {
        // Measured before CEL sees it: past the bounds, CEL's recursion would end the process.
        if let Some(over) = super::cel_bounds::over_bounds(&text.value) {
            diags
                .error(text.span.clone(), format!("`when` is too large: {over}"))
                .with_hint("split the decision: an earlier step can capture a value the condition compares");
            return None;
        }
        let cel = rewrite_dashed_names(&text.value);
        let compiled = super::cel_bounds::on_cel_stack(|| {
            cel::Program::compile(&cel)
                .map(drop)
                .map_err(|err| err.to_string())
        })
        .map_err(|crash| crash.to_string())
        .and_then(|compiled| compiled);
        if let Err(err) = compiled {
            diags
                .error(
                    text.span.clone(),
                    format!("`when` is not a CEL expression: {}", first_line(&err)),
                )
                .with_hint("write a CEL expression, e.g. `steps.drain.status == \"failed\"` or `release != \"\"`; the macros `exists`, `all`, `exists_one`, `map`, `filter` and `has` work");
            return None;
        }
        Some(Self { text, cel })
    }

    /// The step ids it names (`steps.x`, `steps["x"]`).
    pub(crate) fn steps_named(&self) -> Vec<(String, Option<String>)> {
        static STEP: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r#"\bsteps\["([^"]*)"\](?:\.([A-Za-z_]\w*))?"#).expect("valid")
        });
        STEP.captures_iter(&self.cel)
            .map(|c| (c[1].to_string(), c.get(2).map(|f| f.as_str().to_string())))
            .collect()
    }

    /// The capture names it names (`captures.x`, `captures["x"]`).
    pub(crate) fn captures_named(&self) -> Vec<String> {
        static CAPTURE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r#"\bcaptures\["([^"]*)"\]"#).expect("valid"));
        CAPTURE
            .captures_iter(&self.cel)
            .map(|c| c[1].to_string())
            .collect()
    }

    /// The status words it compares a step's status with.
    pub(crate) fn status_words(&self) -> Vec<String> {
        static COMPARED: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r#"\.status\s*(?:==|!=)\s*"([^"]*)"|"([^"]*)"\s*(?:==|!=)\s*steps\["[^"]*"\]\.status"#)
                .expect("valid")
        });
        COMPARED
            .captures_iter(&self.cel)
            .filter_map(|c| c.get(1).or(c.get(2)).map(|m| m.as_str().to_string()))
            .collect()
    }

    /// The top-level names it reads (variables, `steps`, `captures`, `run`).
    pub(crate) fn names(&self) -> Vec<String> {
        super::cel_bounds::on_cel_stack(|| {
            cel::Program::compile(&self.cel)
                .map(|program| {
                    program
                        .references()
                        .variables()
                        .into_iter()
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        })
        .unwrap_or_default()
    }

    pub(crate) fn span(&self) -> Span {
        self.text.span.clone()
    }
}

/// `steps.a-b.status` → `steps["a-b"].status`, and the same for `captures`, outside string
/// literals. Plain names are rewritten too, so that one form is matched everywhere after.
fn rewrite_dashed_names(text: &str) -> String {
    static NAMED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(steps|captures)\.([a-z][a-z0-9_-]*[a-z0-9_]|[a-z])").expect("valid")
    });
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    // Split into code and string literals; only code is rewritten.
    while !rest.is_empty() {
        let literal_at = rest.find(['"', '\'']);
        let (code, tail) = rest.split_at(literal_at.unwrap_or(rest.len()));
        out.push_str(&NAMED.replace_all(code, r#"$1["$2"]"#));
        if tail.is_empty() {
            break;
        }
        let quote = tail.as_bytes()[0] as char;
        let end = tail[1..]
            .char_indices()
            .scan(false, |escaped, (i, c)| {
                let closes = c == quote && !*escaped;
                *escaped = c == '\\' && !*escaped;
                Some((i, closes))
            })
            .find(|(_, closes)| *closes)
            .map_or(tail.len(), |(i, _)| i + 2);
        out.push_str(&tail[..end]);
        rest = &tail[end..];
    }
    out
}

/// CEL's first line, without its `ERROR: <input>:1:30:` prefix: the position is of the
/// rewritten text, and the diagnostic points at the field anyway.
fn first_line(text: &str) -> &str {
    static POSITION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:ERROR: )?<input>:\d+:\d+: ").expect("valid"));
    let line = text.lines().next().unwrap_or(text);
    POSITION
        .find(line)
        .map_or(line, |prefix| &line[prefix.end()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashed_step_ids_are_names_not_subtractions_and_strings_are_left_alone() {
        assert_eq!(
            rewrite_dashed_names(r#"steps.rsync-standbys.status == "passed""#),
            r#"steps["rsync-standbys"].status == "passed""#
        );
        assert_eq!(
            rewrite_dashed_names(r#"captures.node_count > "2" && "steps.a-b" == x"#),
            r#"captures["node_count"] > "2" && "steps.a-b" == x"#
        );
        assert_eq!(
            rewrite_dashed_names(r#"steps.a.exit == 0"#),
            r#"steps["a"].exit == 0"#
        );
    }

    #[test]
    fn what_a_condition_names_is_found() {
        let mut diags = Diagnostics::default();
        let condition = Condition::parse(
            Located::new(
                r#"steps.drain-node.status == "failed" && captures.version != "" && release == "v2""#
                    .to_string(),
                0..1,
            ),
            &mut diags,
        )
        .unwrap();
        assert_eq!(
            condition.steps_named(),
            vec![("drain-node".to_string(), Some("status".to_string()))]
        );
        assert_eq!(condition.captures_named(), vec!["version".to_string()]);
        assert_eq!(condition.status_words(), vec!["failed".to_string()]);
        let mut names = condition.names();
        names.sort();
        assert_eq!(names, vec!["captures", "release", "steps"]);
    }

    #[test]
    fn a_syntax_error_is_a_diagnostic() {
        let mut diags = Diagnostics::default();
        assert!(
            Condition::parse(
                Located::new("steps.a.status ==".to_string(), 0..1),
                &mut diags
            )
            .is_none()
        );
        assert_eq!(diags.error_count(), 1);
    }
}
