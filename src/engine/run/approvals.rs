//! The wait for approvals before a step that requires them (`approvals = N`): the engine
//! states exactly what the step will do, opens the approval desk with it, and journals each
//! approval `cutover approve` brings through the run's socket. The step starts once N people
//! other than those running the run have approved that statement; the operator may abort or
//! suspend meanwhile, and a `deadline` ends the wait as the runbook says, journaled as the
//! deadline's — never as an approval.

use super::{Engine, Flow};
use crate::approval::offer::Awaited;
use crate::approval::statement::Statement;
use crate::engine::condition::StepFact;
use crate::engine::control::{Control, record_aside};
use crate::engine::error::EngineError;
use crate::engine::events::{Event, Prompt};
use crate::engine::run::course::Course;
use crate::protocol::approval::ApproverRef;
use crate::protocol::decision::Decision;
use crate::protocol::decision::OptionAction;
use crate::protocol::on_deadline::OnDeadline;
use crate::protocol::status::StepStatus;
use crate::runbook::model::Step;

/// The masked value of a secret variable in a statement.
const MASKED: &str = "********";

/// What a step starts with: who approved it, and the wait they answered (none for a step
/// that requires no approvals).
#[derive(Default)]
pub(super) struct Approved {
    pub by: Vec<ApproverRef>,
    pub wait: Option<String>,
}

impl Engine {
    /// Waits for a step's approvals. `Ok(Ok(approved))`: the step may start, approved by them
    /// (none for a step that requires none). `Ok(Err(flow))`: the run goes elsewhere.
    pub(super) async fn await_approvals(
        &mut self,
        step: &Step,
        action: &str,
        course: Course,
    ) -> Result<Result<Approved, Flow>, EngineError> {
        if step.approvals == 0 || self.simulated(step) {
            return Ok(Ok(Approved::default()));
        }
        // Judged against the journal as it is on disk: what came before is written first.
        self.emitter.flush().await?;
        let facts = match self.approvals.facts() {
            Ok(facts) => facts,
            Err(problem) => {
                return Ok(Err(Flow::Suspend(format!(
                    "step `{}` requires approvals, and {problem}",
                    step.id.value
                ))));
            }
        };
        // Drawn anew for every wait: a signature answers this one, never a later one.
        let mut drawn = [0u8; 16];
        getrandom::fill(&mut drawn).map_err(|err| EngineError::Randomness(err.into()))?;
        let wait = crate::protocol::encoding::hex(&drawn);
        let statement = Statement {
            run_id: facts.run_id,
            wait: wait.clone(),
            runbook: facts.runbook,
            runbook_sha256: facts.runbook_sha256,
            mode: facts.mode,
            step: step.id.value.clone(),
            title: self.scrubber.scrub_text(&self.filled(&step.title)),
            // As the step's start will journal it: approvals bind to exactly that.
            action: self.scrubber.scrub_text(action),
            vars: self.statement_vars(),
            reads: self.statement_reads(step),
        };
        let body = statement.body();
        self.approvals.open(Awaited {
            step: step.id.value.clone(),
            body: body.clone(),
            required: step.approvals,
            approvers: step.approvers.clone(),
        });
        let deadline = step.approval_deadline.map(|(after, then)| {
            let after = self.plan.settings.scaled(after);
            (tokio::time::Instant::now() + after, then, after)
        });
        let mut approved: Vec<ApproverRef> = Vec::new();
        loop {
            let prompt = Prompt::Approvals {
                step: step.id.value.clone(),
                run: self.plan.run_id.clone(),
                required: step.approvals,
                approved: approved.clone(),
                approvers: step.approvers.clone(),
                statement: body.clone(),
                deadline_s: deadline.map(|(at, _, _)| {
                    at.saturating_duration_since(tokio::time::Instant::now())
                        .as_secs()
                }),
                on_deadline: deadline.map(|(_, then, _)| then),
            };
            self.emitter.emit(Event::Waiting(prompt)).await?;
            let ended = tokio::select! {
                () = self.approvals.arrival() => {
                    for approval in self.approvals.take_new() {
                        approved.push(approval.approver());
                        self.emitter.emit(Event::Approved(Box::new(approval))).await?;
                    }
                    if approved.len() as u32 >= step.approvals {
                        self.close_desk().await?;
                        return Ok(Ok(Approved { by: approved, wait: Some(wait) }));
                    }
                    None
                }
                control = self.controls.recv() => match control {
                    None => Some(Flow::Suspend(format!(
                        "step `{}` waits for approvals, and nobody can answer the run any more",
                        step.id.value
                    ))),
                    // An answer to another step's question is not this wait's.
                    Some(control) => match control.for_step(&step.id.value) {
                        None => None,
                        Some(control) => match record_aside(control, &mut self.emitter).await? {
                        Some(Control::Abort) => {
                            self.close_desk().await?;
                            self.decide(step, Decision::Abort).await?;
                            return Ok(Err(Flow::Abort));
                        }
                        Some(Control::Suspend { reason }) => Some(Flow::Suspend(reason)),
                        // Nothing else answers a wait for other people.
                        _ => None,
                        },
                    },
                },
                () = until(deadline.map(|(at, _, _)| at)) => {
                    let (_, then, waited) = deadline.expect("only with a deadline");
                    self.close_desk().await?;
                    return self
                        .approvals_too_late(step, approved.len() as u32, then, waited, course)
                        .await
                        .map(Err);
                }
            };
            if let Some(flow) = ended {
                self.close_desk().await?;
                return Ok(Err(flow));
            }
        }
    }

    /// Ends the wait: an approval accepted as it ended is journaled all the same.
    async fn close_desk(&mut self) -> Result<(), EngineError> {
        for approval in self.approvals.close() {
            self.emitter
                .emit(Event::Approved(Box::new(approval)))
                .await?;
        }
        Ok(())
    }

    /// The deadline passed without enough approvals: what the runbook says, journaled as the
    /// deadline's. `continue` leaves the step undone — it never runs unapproved.
    async fn approvals_too_late(
        &mut self,
        step: &Step,
        count: u32,
        then: OnDeadline,
        waited: std::time::Duration,
        course: Course,
    ) -> Result<Flow, EngineError> {
        let (action, flow) = match then {
            OnDeadline::Continue => (OptionAction::Go, Flow::Next),
            OnDeadline::Rollback if !course.is_rollback() => {
                (OptionAction::Rollback, Flow::Rollback)
            }
            OnDeadline::Rollback | OnDeadline::Abort => (OptionAction::Abort, Flow::Abort),
        };
        self.emitter.show(Event::Progress {
            step: step.id.value.clone(),
            message: format!(
                "{count} of {} approvals within {}: {}, as the runbook says",
                step.approvals,
                crate::runbook::duration::format_duration(waited),
                then.as_str()
            ),
        });
        self.decide(
            step,
            Decision::Deadline {
                option: then.as_str().to_string(),
                action,
            },
        )
        .await?;
        match flow {
            Flow::Next => {
                self.facts.insert(
                    step.id.value.clone(),
                    StepFact::ended(StepStatus::Skipped, None),
                );
            }
            Flow::Rollback => {
                self.first_failure
                    .get_or_insert_with(tokio::time::Instant::now);
            }
            _ => {}
        }
        Ok(flow)
    }

    /// Every other value the step's action reads — an input's answer, a captured value, a
    /// built-in — in the order it first appears, a secret's masked.
    fn statement_reads(&self, step: &Step) -> Vec<(String, String)> {
        let declared: std::collections::BTreeSet<&str> = self
            .plan
            .runbook
            .vars
            .iter()
            .map(|var| var.name.value.as_str())
            .collect();
        let mut reads: Vec<(String, String)> = Vec::new();
        for usage in step.action.templates() {
            for (name, _) in usage.template.references() {
                if declared.contains(name) || reads.iter().any(|(seen, _)| seen == name) {
                    continue;
                }
                let Some(value) = self.plan.scope.get(name) else {
                    continue;
                };
                let shown = if value.secret {
                    MASKED.to_string()
                } else {
                    self.scrubber.scrub_text(&value.text)
                };
                reads.push((name.to_string(), shown));
            }
        }
        reads
    }

    /// The runbook's variables as the statement lists them: a secret's value masked.
    fn statement_vars(&self) -> Vec<(String, String)> {
        self.plan
            .runbook
            .vars
            .iter()
            .filter_map(|var| {
                let name = &var.name.value;
                let value = self.plan.scope.get(name)?;
                let shown = if var.secret || value.secret {
                    MASKED.to_string()
                } else {
                    self.scrubber.scrub_text(&value.text)
                };
                Some((name.clone(), shown))
            })
            .collect()
    }
}

/// Resolves at `at`; never without one.
async fn until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
