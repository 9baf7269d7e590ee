//! `check`'s rules for `when`: a condition names only what exists when it is evaluated —
//! the runbook's variables, steps that come before it (and their `status` or `exit`), status
//! words a step can have, captures some step makes — so that a typo is an error before the
//! window, not a condition that is quietly false during it.

use std::collections::HashMap;

use super::condition::{Condition, STATUS_WORDS};
use super::diagnostic::Diagnostics;
use super::model::Runbook;
use super::suggest::did_you_mean;

const STEP_FIELDS: [&str; 2] = ["status", "exit"];
const ROOTS: [&str; 3] = ["steps", "captures", "run"];

pub(crate) fn check_conditions(runbook: &Runbook, diags: &mut Diagnostics) {
    // Document order: a condition may name only steps before the place it is evaluated.
    let order: HashMap<&str, usize> = runbook
        .steps()
        .map(|(_, step)| step)
        .chain(&runbook.rollback)
        .enumerate()
        .map(|(index, step)| (step.id.value.as_str(), index))
        .collect();
    // Each captured (or input) name, with the position of the first step that sets it.
    let mut captured_at: HashMap<&str, usize> = HashMap::new();
    for (index, step) in runbook
        .steps()
        .map(|(_, step)| step)
        .chain(&runbook.rollback)
        .enumerate()
    {
        for name in step.action.captures() {
            captured_at.entry(name.value.as_str()).or_insert(index);
        }
    }
    let captures: Vec<&str> = captured_at.keys().copied().collect();
    let context = Context {
        runbook,
        order: &order,
        captures: &captures,
        captured_at: &captured_at,
    };
    for phase in &runbook.phases {
        // In a rolling phase, a condition is evaluated for each host, and `host` names it.
        let has_host = phase.for_each.is_some();
        if let (Some(when), Some(first)) = (&phase.when, phase.steps.first()) {
            context.check(when, order[first.id.value.as_str()], has_host, diags);
        }
        for step in &phase.steps {
            if let Some(when) = &step.when {
                context.check(when, order[step.id.value.as_str()], has_host, diags);
            }
        }
    }
    for step in &runbook.rollback {
        if let Some(when) = &step.when {
            context.check(when, order[step.id.value.as_str()], false, diags);
        }
    }
}

struct Context<'a> {
    runbook: &'a Runbook,
    order: &'a HashMap<&'a str, usize>,
    captures: &'a [&'a str],
    captured_at: &'a HashMap<&'a str, usize>,
}

impl Context<'_> {
    /// Checks a condition evaluated just before the step at `position`.
    fn check(&self, when: &Condition, position: usize, has_host: bool, diags: &mut Diagnostics) {
        // Variables, and what steps set (captures, inputs' answers), by name.
        let vars: Vec<&str> = self
            .runbook
            .vars
            .iter()
            .map(|var| var.name.value.as_str())
            .chain(self.captures.iter().copied())
            .chain(has_host.then_some(super::check::HOST))
            .collect();
        // A value a step sets exists only after that step: read before it, the condition
        // would fail at run time.
        let read_too_early = |name: &str| {
            self.captured_at
                .get(name)
                .is_some_and(|&set_at| set_at >= position)
        };
        for name in when
            .names()
            .into_iter()
            .chain(when.captures_named())
            .filter(|name| read_too_early(name))
        {
            diags
                .error(
                    when.span(),
                    format!("`when` reads `{name}`, which no step before it has set"),
                )
                .with_hint(
                    "a captured or asked value exists from the step after the one that sets it",
                );
        }
        for name in when.names() {
            if ROOTS.contains(&name.as_str()) || vars.contains(&name.as_str()) {
                continue;
            }
            let error = diags.error(
                when.span(),
                format!("`when` names `{name}`, which is not a variable of this runbook"),
            );
            match did_you_mean(&name, vars.iter().copied().chain(ROOTS)) {
                Some(known) => error.with_hint(format!("did you mean `{known}`?")),
                None => error.with_hint(
                    "a condition reads variables by name, `steps.<id>.status`, `steps.<id>.exit`, `captures.<name>` and `run.id`",
                ),
            };
        }
        for (step, field) in when.steps_named() {
            match self.order.get(step.as_str()) {
                None => {
                    let error = diags.error(
                        when.span(),
                        format!("`when` names step `{step}`, which this runbook does not have"),
                    );
                    if let Some(known) = did_you_mean(&step, self.order.keys().copied()) {
                        error.with_hint(format!("did you mean `{known}`?"));
                    }
                }
                Some(&at) if at >= position => {
                    diags
                        .error(
                            when.span(),
                            format!("`when` names step `{step}`, which has not run yet where this condition is evaluated"),
                        )
                        .with_hint("a condition can only look at steps before it");
                }
                Some(_) => {}
            }
            match field {
                Some(field) if STEP_FIELDS.contains(&field.as_str()) => {}
                Some(field) => {
                    diags
                        .error(
                            when.span(),
                            format!("`steps.{step}` has no field `{field}`"),
                        )
                        .with_hint("a step has `status` and `exit`");
                }
                None => {
                    diags
                        .error(
                            when.span(),
                            format!("`steps.{step}` is a step, not a value"),
                        )
                        .with_hint(format!(
                            "write `steps.{step}.status` or `steps.{step}.exit`"
                        ));
                }
            }
        }
        for word in when.status_words() {
            if !STATUS_WORDS.contains(&word.as_str()) {
                let error = diags.error(when.span(), format!("a step's status is never `{word}`"));
                match did_you_mean(&word, STATUS_WORDS) {
                    Some(known) => error.with_hint(format!("did you mean `{known}`?")),
                    None => error.with_hint(format!("it is one of {}", STATUS_WORDS.join(", "))),
                };
            }
        }
        for capture in when.captures_named() {
            if !self.captures.contains(&capture.as_str()) {
                diags.error(
                    when.span(),
                    format!("`when` names capture `{capture}`, which no step captures"),
                );
            }
        }
    }
}
