//! Evaluating a `when` condition against what the run knows now: its variables, the status
//! and exit code of every step so far, the values captured, the run's own facts. A condition
//! that is not `true` or `false`, or cannot be evaluated, is an error the step fails with:
//! never a silent "false".

use std::collections::{BTreeMap, HashMap};

use cel::{Context, Program, Value};

use crate::protocol::status::StepStatus;
use crate::runbook::condition::Condition;
use crate::runbook::model::Runbook;
use crate::runbook::template::Scope;

/// What a condition, and a rollback's undo, can know of a step that ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepFact {
    /// How it ended; `None` when its condition was false (not applicable).
    pub status: Option<StepStatus>,
    pub exit: Option<i32>,
}

impl StepFact {
    pub fn ended(status: StepStatus, exit: Option<i32>) -> Self {
        Self {
            status: Some(status),
            exit,
        }
    }

    pub fn not_applicable() -> Self {
        Self {
            status: None,
            exit: None,
        }
    }

    /// The word a condition compares: the journal's, or `not-applicable`.
    pub fn word(&self) -> &'static str {
        self.status.map_or("not-applicable", StepStatus::as_str)
    }

    /// It did what it does (and so has something to undo).
    pub fn completed(&self) -> bool {
        matches!(
            self.status,
            Some(StepStatus::Passed | StepStatus::DoneManually)
        )
    }
}

/// Why a condition has no value: the step it guards fails, with these words.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConditionError {
    #[error("`when` is too large: {0}")]
    TooLarge(crate::runbook::cel_bounds::OverBounds),
    #[error(transparent)]
    Crash(#[from] crate::runbook::cel_bounds::CelCrash),
    #[error("`when` is not a CEL expression: {0}")]
    Compile(#[source] cel::ParseErrors),
    #[error("`when` gave {0}, not true or false")]
    NotABoolean(String),
    #[error("`when` could not be evaluated: {0}")]
    Evaluation(#[source] cel::ExecutionError),
}

/// Evaluates `condition`. `facts` holds the steps that have ended; every other step of the
/// runbook reads as `pending`.
pub(crate) fn evaluate(
    condition: &Condition,
    runbook: &Runbook,
    scope: &Scope,
    facts: &BTreeMap<String, StepFact>,
    host: Option<&str>,
) -> Result<bool, ConditionError> {
    // On a stack of its own, its panics caught (`runbook/cel_bounds.rs`): a condition can fail
    // the step, never end the engine.
    if let Some(over) = crate::runbook::cel_bounds::over_bounds(&condition.text.value) {
        return Err(ConditionError::TooLarge(over));
    }
    crate::runbook::cel_bounds::on_cel_stack(|| {
        evaluate_here(condition, runbook, scope, facts, host)
    })?
}

fn evaluate_here(
    condition: &Condition,
    runbook: &Runbook,
    scope: &Scope,
    facts: &BTreeMap<String, StepFact>,
    host: Option<&str>,
) -> Result<bool, ConditionError> {
    let program = Program::compile(&condition.cel).map_err(ConditionError::Compile)?;
    let mut context = Context::default();
    for var in &runbook.vars {
        let name = &var.name.value;
        match scope.get(name).and_then(|v| v.items.clone()) {
            // A list variable is a CEL list: `'web-2' in nodes`, `nodes.size() > 3`.
            Some(items) => context.add_variable_from_value(name.clone(), items),
            None => {
                let value = scope.get(name).map_or("", |v| v.text.as_str());
                context.add_variable_from_value(name.clone(), value.to_string());
            }
        }
    }
    let steps = step_values(runbook, facts, host);
    context.add_variable_from_value("steps", steps);
    if let Some(host) = host {
        context.add_variable_from_value(crate::runbook::check::HOST, host.to_string());
    }
    let captures: HashMap<String, Value> = runbook
        .steps()
        .map(|(_, step)| step)
        .chain(&runbook.rollback)
        .flat_map(|step| step.action.captures())
        .filter_map(|name| {
            let value = scope.get(&name.value)?;
            Some((name.value.clone(), value.text.clone().into()))
        })
        .collect();
    // What steps set (captures, inputs' answers) is also readable by its name.
    for (name, value) in &captures {
        context.add_variable_from_value(name.clone(), value.clone());
    }
    context.add_variable_from_value("captures", captures);
    let run: HashMap<String, Value> = ["id", "dir", "started"]
        .into_iter()
        .map(|field| {
            let value = scope
                .get(&format!("run.{field}"))
                .map_or(String::new(), |v| v.text.clone());
            (field.to_string(), value.into())
        })
        .collect();
    context.add_variable_from_value("run", run);
    match program.execute(&context) {
        Ok(Value::Bool(value)) => Ok(value),
        Ok(other) => Err(ConditionError::NotABoolean(shown(&other))),
        Err(err) => Err(ConditionError::Evaluation(err)),
    }
}

/// `steps.<id>` for every step. A step of a rolling phase is also there under its runbook id:
/// for the host whose turn it is, that host's turn; elsewhere, all the turns at once (failed
/// if one failed, else as the last one that ended, pending before any has).
fn step_values(
    runbook: &Runbook,
    facts: &BTreeMap<String, StepFact>,
    host: Option<&str>,
) -> HashMap<String, Value> {
    let value = |fact: Option<&StepFact>| -> Value {
        let mut fields: HashMap<String, Value> = HashMap::new();
        fields.insert(
            "status".into(),
            fact.map_or("pending", StepFact::word).to_string().into(),
        );
        fields.insert(
            "exit".into(),
            fact.and_then(|f| f.exit)
                .map_or(Value::Null, |code| Value::Int(code.into())),
        );
        fields.into()
    };
    let mut values = HashMap::new();
    let mut turns: BTreeMap<&str, Option<&StepFact>> = BTreeMap::new();
    let mut own_turns: BTreeMap<&str, Option<&StepFact>> = BTreeMap::new();
    for step in runbook
        .steps()
        .map(|(_, step)| step)
        .chain(&runbook.rollback)
    {
        let fact = facts.get(&step.id.value);
        values.insert(step.id.value.clone(), value(fact));
        let Some(turn) = &step.placement.turn else {
            continue;
        };
        if Some(turn.host.as_str()) == host {
            own_turns.insert(&turn.step, fact);
        }
        let seen = turns.entry(&turn.step).or_insert(None);
        let failed = |f: &&StepFact| f.status == Some(StepStatus::Failed);
        if fact.is_some() && !seen.is_some_and(|s| failed(&s)) {
            *seen = fact;
        }
    }
    for (base, fact) in turns {
        values.insert(base.to_string(), value(fact));
    }
    for (base, fact) in own_turns {
        values.insert(base.to_string(), value(fact));
    }
    values
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => format!("the string {text:?}"),
        Value::Int(n) => format!("the number {n}"),
        Value::Null => "null".into(),
        other => format!("{:?}", other.type_of()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::diagnostic::Diagnostics;
    use crate::runbook::load::check_bytes;
    use crate::runbook::source::Located;
    use crate::runbook::template::Secrecy;

    const RUNBOOK: &str = "[runbook]\nname = \"t\"\ntitle = \"T\"\n\n[vars.release]\ndefault = \"v2\"\n\n\
        [[phase]]\nid = \"main\"\n\n[[phase.step]]\nid = \"drain-node\"\nkind = \"command\"\nrun = \"true\"\n\n\
        [[phase.step]]\nid = \"after\"\nkind = \"command\"\nrun = \"true\"\n";

    fn eval(text: &str, facts: &BTreeMap<String, StepFact>) -> Result<bool, String> {
        let runbook = check_bytes(std::path::Path::new("t.toml"), RUNBOOK.as_bytes().to_vec())
            .runbook
            .unwrap();
        let mut scope = Scope::default();
        scope.set("release", "v2", Secrecy::Plain);
        let condition = Condition::parse(
            Located::new(text.to_string(), 0..1),
            &mut Diagnostics::default(),
        )
        .unwrap();
        evaluate(&condition, &runbook, &scope, facts, None).map_err(|err| err.to_string())
    }

    #[test]
    fn conditions_read_variables_and_what_earlier_steps_did() {
        let mut facts = BTreeMap::new();
        assert_eq!(
            eval(r#"steps.drain-node.status == "pending""#, &facts),
            Ok(true)
        );
        facts.insert(
            "drain-node".to_string(),
            StepFact::ended(StepStatus::Failed, Some(3)),
        );
        assert_eq!(
            eval(r#"steps.drain-node.status == "failed""#, &facts),
            Ok(true)
        );
        assert_eq!(eval("steps.drain-node.exit == 3", &facts), Ok(true));
        assert_eq!(eval(r#"release == "v2""#, &facts), Ok(true));
        assert_eq!(eval(r#"release != "v2""#, &facts), Ok(false));
        assert_eq!(eval("release.startsWith('v')", &facts), Ok(true));
    }

    #[test]
    fn what_is_not_a_boolean_is_an_error_not_false() {
        let facts = BTreeMap::new();
        let err = eval("release", &facts).unwrap_err();
        assert!(err.contains("not true or false"), "{err}");
        let err = eval("steps.after.exit > 0", &facts).unwrap_err();
        assert!(err.contains("could not be evaluated"), "{err}");
    }
}
