//! The run loop: phases in order, steps in order, each step through its state machine
//! (pending → running → passed | failed | skipped | simulated | done-manually), failures
//! through the step's policy or the operator's choice, and the rollback section when chosen.
//! Every side effect is preceded by its intent and followed by its outcome, both durable.

use crate::engine::run::course::Course;
use crate::runbook::model::FailurePolicy;
use crate::runbook::template::Secrecy;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use super::condition::StepFact;
use super::context::{Captured, RunSettings, StepContext, StepOutcome, StepStop, Then};
use super::control_queue::ControlQueue;
use super::controller::ControlIntake;
use super::emitter::Emitter;
pub use super::error::EngineError;
use conditions::Evaluated;

mod approvals;
mod conditions;
mod course;
mod decisions;
mod presence;
mod rollback;
mod rolling;
mod undo;
use super::events::Event;
use super::interrupt::{Interrupt, InterruptReceiver};
use super::reaper::{left_behind, stop_processes, stopped_list};
use super::scrub::Scrubber;
use super::services::Services;
use super::spawn::ProcessScope;
use super::ssh::run_hosts::RunHosts;
use super::steps::dispatch::{execute, shown_action};
use super::steps::http_client::LazyHttpClients;
use super::window_clock::WindowClock;
use crate::protocol::decision::Decision;
use crate::protocol::mode::Mode;
use crate::protocol::status::{RunStatus, ServiceState, StepStatus};
use crate::runbook::model::{Runbook, Step, StepAction};
use crate::runbook::template::Scope;
use crate::runbook::template::{Quoting, RenderError, Template};

/// Everything the engine needs to run, decided by the command line.
pub struct RunPlan {
    pub runbook: Runbook,
    pub scope: Scope,
    pub run_id: String,
    pub run_dir: PathBuf,
    pub mode: Mode,
    pub dry_run: bool,
    /// Automated steps run without waiting for Enter.
    pub auto: bool,
    pub inject_failures: BTreeSet<String>,
    pub settings: RunSettings,
    /// Where a resumed run picks up; `None` for a new run.
    pub resume: Option<ResumePoint>,
    /// The run's host groups (the runbook's steps are already placed on them).
    pub hosts: crate::runbook::rolling::HostPlan,
}

/// What a resumed run already has behind it (rebuilt from the journal).
#[derive(Clone, Debug, Default)]
pub struct ResumePoint {
    /// Steps not to run again.
    pub done: BTreeSet<String>,
    /// The rollback had started: continue it.
    pub in_rollback: bool,
    /// `service` steps that ran before: their processes died with the previous process, so
    /// they are started again.
    pub services: Vec<String>,
    /// The last attempt number journaled for each step; attempts continue after it.
    pub attempts: std::collections::BTreeMap<String, u32>,
    /// How long ago the run started (its header's time): the run's duration counts from
    /// there, not from the resume.
    pub since_start: std::time::Duration,
    /// What each step that ended did, as journaled, for `when` conditions.
    pub facts: BTreeMap<String, StepFact>,
    /// For each step run on hosts, the hosts it passed on.
    pub hosts_passed: BTreeMap<String, BTreeSet<String>>,
    /// Hosts out of the run (failed within `max_fail`), with the step they failed at.
    pub hosts_excluded: BTreeMap<String, String>,
}

/// What to do after a step.
enum Flow {
    Next,
    Rollback,
    Abort,
    Suspend(String),
}

pub struct Engine {
    plan: RunPlan,
    emitter: Emitter,
    controls: ControlQueue,
    interrupt: InterruptReceiver,
    /// Whether anyone holds the controls, for a run people attach to (`run/presence.rs`).
    presence: Option<tokio::sync::watch::Receiver<bool>>,
    http: LazyHttpClients,
    services: Services,
    window: WindowClock,
    scrubber: Scrubber,
    started: Instant,
    first_failure: Option<Instant>,
    /// What each step that ended did, for `when` conditions.
    facts: BTreeMap<String, StepFact>,
    /// The run's ssh connections, and what each host has done so far.
    hosts: RunHosts,
    /// Where approvals of a step arrive (`run/approvals.rs`).
    approvals: crate::approval::desk::ApprovalDesk,
    /// Spends the operator's stop of one step once that step has stopped.
    stop_spent: super::interrupt::InterruptSender,
}

impl Engine {
    pub fn new(plan: RunPlan, emitter: Emitter, intake: ControlIntake) -> Self {
        let ControlIntake {
            answers: controls,
            interrupt,
            presence,
            approvals,
            stop_spent,
        } = intake;
        let scrubber = Scrubber::new(plan.scope.secret_values());
        let plan_facts = plan
            .resume
            .as_ref()
            .map(|resume| resume.facts.clone())
            .unwrap_or_default();
        // A resumed run's duration is the run's, not only the resumed part's.
        let started = plan
            .resume
            .as_ref()
            .and_then(|resume| Instant::now().checked_sub(resume.since_start))
            .unwrap_or_else(Instant::now);
        let mut emitter = emitter;
        emitter.scrub_with(scrubber.clone());
        let mut hosts = RunHosts::new(plan.runbook.ssh_command.clone(), &plan.run_id);
        if let Some(resume) = &plan.resume {
            hosts.passed = resume.hosts_passed.clone();
            hosts.excluded = resume.hosts_excluded.clone();
        }
        Self {
            http: LazyHttpClients::default(),
            plan,
            emitter,
            controls: ControlQueue::new(controls),
            interrupt,
            presence,
            services: Services::default(),
            window: WindowClock::default(),
            scrubber,
            started,
            first_failure: None,
            facts: plan_facts,
            hosts,
            approvals,
            stop_spent,
        }
    }

    /// Runs to the end. Services are stopped however the run ends.
    pub async fn run(mut self) -> Result<RunStatus, EngineError> {
        let watcher = self.services.watch_interrupts(self.interrupt.clone());
        let result = self.run_phases().await;
        watcher.abort();
        let grace = self.plan.settings.grace;
        self.hosts.connections.close_all(grace).await;
        // Drills measure from the first failure to the end of the rollback, not of the cleanup.
        let recovery = self.first_failure.map(|first| first.elapsed());
        // Whatever is still being committed is on disk before services are stopped.
        let result = match (result, self.emitter.flush().await) {
            (Ok(_), Err(err)) => Err(EngineError::Record(err)),
            (result, _) => result,
        };
        let grace = match self.interrupt.current() {
            Interrupt::KillNow => Duration::ZERO,
            _ => self.plan.settings.grace,
        };
        for step in self.services.stop_all(grace).await {
            if result.is_ok() {
                self.emitter
                    .emit(Event::Service {
                        step,
                        state: ServiceState::Stopped,
                    })
                    .await?;
            }
        }
        // However the run ends, nothing it started outlives it.
        let prefix = ProcessScope::run_prefix(&self.plan.run_id);
        let left = left_behind(&|scope| scope.starts_with(&prefix), &BTreeSet::new(), true);
        if !left.is_empty() {
            let stopped = stop_processes(&left, grace).await;
            self.emitter.show(Event::Progress {
                step: String::new(),
                message: format!(
                    "stopped what the run left running: {}",
                    stopped_list(&stopped)
                ),
            });
        }
        let status = result?;
        // What arrived meanwhile (notes, a change of controller, a notification's outcome) is
        // journaled before the footer closes the journal.
        self.controls.record_asides(&mut self.emitter).await?;
        let recovery_ms = match (status, recovery) {
            (RunStatus::RolledBack, Some(took)) => Some(took.as_millis() as u64),
            _ => None,
        };
        self.emitter
            .emit(Event::RunFinished {
                status,
                duration_ms: self.started.elapsed().as_millis() as u64,
                recovery_ms,
            })
            .await?;
        Ok(status)
    }

    async fn run_phases(&mut self) -> Result<RunStatus, EngineError> {
        let runbook = self.plan.runbook.clone();
        let vars = runbook
            .vars
            .iter()
            .filter(|var| !var.secret)
            .filter_map(|var| {
                let value = self.plan.scope.get(&var.name.value)?;
                Some((var.name.value.clone(), value.text.clone()))
            })
            .collect();
        self.emitter
            .emit(Event::RunStarted {
                run_id: self.plan.run_id.clone(),
                runbook: runbook.name.value.clone(),
                title: runbook.title.clone(),
                mode: self.plan.mode,
                run_dir: self.plan.run_dir.display().to_string(),
                vars,
                expected_ms: runbook.expected_duration.map(|d| d.as_millis() as u64),
            })
            .await?;
        let resume = self.plan.resume.clone().unwrap_or_default();
        if resume.in_rollback {
            return self.rollback().await;
        }
        for phase in &runbook.phases {
            let remaining = phase.steps.iter().any(|step| {
                !resume.done.contains(&step.id.value) || resume.services.contains(&step.id.value)
            });
            if !remaining {
                continue;
            }
            let pending: Vec<&Step> = phase
                .steps
                .iter()
                .filter(|step| !resume.done.contains(&step.id.value))
                .collect();
            // A rolling phase decides its condition per host, at each host's first turn.
            let rolling = phase.for_each.is_some();
            if let (Some(when), Some(first), false) = (&phase.when, pending.first(), rolling) {
                match self
                    .evaluate_condition(when, first, Some(&phase.id.value))
                    .await?
                {
                    Evaluated::Holds => {}
                    Evaluated::False => {
                        for step in &pending[1..] {
                            self.not_applicable(when, step, Some(&phase.id.value))
                                .await?;
                        }
                        continue;
                    }
                    Evaluated::Failed(message) => {
                        match self
                            .condition_failed(first, &message, Course::Forward)
                            .await?
                        {
                            Flow::Next => continue,
                            Flow::Rollback => return self.rollback().await,
                            Flow::Abort => return Ok(RunStatus::Aborted),
                            Flow::Suspend(reason) => {
                                return self.suspend(reason, Some(first)).await;
                            }
                        }
                    }
                }
            }
            let phase_started = Instant::now();
            self.emitter
                .emit(Event::PhaseStarted {
                    phase: phase.id.value.clone(),
                    title: phase.title.clone(),
                })
                .await?;
            let mut phase_hosts = rolling::PhaseHosts::default();
            for step in &phase.steps {
                let restart_service = resume.services.contains(&step.id.value);
                if resume.done.contains(&step.id.value) && !restart_service {
                    continue;
                }
                match self.interrupt.current() {
                    Interrupt::SuspendAfterStep => {
                        return self
                            .suspend(
                                "the terminal was lost (hang-up, or its input closed)".into(),
                                Some(step),
                            )
                            .await;
                    }
                    Interrupt::AbortNow | Interrupt::KillNow => {
                        self.decide(step, Decision::Abort).await?;
                        return Ok(RunStatus::Aborted);
                    }
                    // A stop for a step that had already ended: spent when the next starts.
                    Interrupt::StopStep | Interrupt::None => {}
                }
                if let Some(ended) = self.await_controller(step).await? {
                    return Ok(ended);
                }
                self.report_overrun().await?;
                match self.enter_turn(phase, step, &mut phase_hosts).await? {
                    rolling::Gate::Run => {}
                    rolling::Gate::NotApplicable => continue,
                    rolling::Gate::Flow(Flow::Next) => continue,
                    rolling::Gate::Flow(Flow::Rollback) => return self.rollback().await,
                    rolling::Gate::Flow(Flow::Abort) => return Ok(RunStatus::Aborted),
                    rolling::Gate::Flow(Flow::Suspend(reason)) => {
                        return self.suspend(reason, Some(step)).await;
                    }
                }
                match self.run_step_when(step, Course::Forward).await? {
                    Flow::Next => {}
                    Flow::Rollback => return self.rollback().await,
                    Flow::Abort => return Ok(RunStatus::Aborted),
                    Flow::Suspend(reason) => return self.suspend(reason, Some(step)).await,
                }
            }
            self.emitter
                .emit(Event::PhaseFinished {
                    phase: phase.id.value.clone(),
                    duration_ms: phase_started.elapsed().as_millis() as u64,
                    expected_ms: phase.expected_duration.map(|d| d.as_millis() as u64),
                })
                .await?;
        }
        self.report_overrun().await?;
        Ok(RunStatus::Passed)
    }

    /// A title or a confirmation phrase with its placeholders filled in from the run's values
    /// (secrets masked); as written if one has no value yet.
    fn filled(&self, text: &str) -> String {
        // Most titles hold no placeholder: no template to build for them.
        if !text.contains("{{") {
            return text.to_string();
        }
        Template::literal_parse(text)
            .render(&self.plan.scope, Quoting::Verbatim)
            .map_or_else(|_| text.to_string(), |rendered| rendered.display)
    }

    async fn suspend(
        &mut self,
        reason: String,
        next: Option<&Step>,
    ) -> Result<RunStatus, EngineError> {
        self.emitter
            .emit(Event::Suspended {
                reason,
                next_step: next.map(|s| s.id.value.clone()),
            })
            .await?;
        Ok(RunStatus::Suspended)
    }

    async fn report_overrun(&mut self) -> Result<(), EngineError> {
        if let Some(overrun) = self.window.take_overrun() {
            self.emitter
                .emit(Event::WindowOverrun {
                    overrun_ms: overrun.as_millis() as u64,
                })
                .await?;
        }
        Ok(())
    }

    async fn decide(&mut self, step: &Step, decision: Decision) -> Result<(), EngineError> {
        let ended = match &decision {
            Decision::Skip { .. } => Some(StepStatus::Skipped),
            Decision::MarkDone { .. } => Some(StepStatus::DoneManually),
            _ => None,
        };
        if let Some(status) = ended {
            self.facts
                .insert(step.id.value.clone(), StepFact::ended(status, None));
        }
        self.emitter
            .emit(Event::Decided {
                step: step.id.value.clone(),
                decision,
            })
            .await?;
        Ok(())
    }

    fn simulated(&self, step: &Step) -> bool {
        self.plan.dry_run && !step.readonly
    }

    /// One step, from its confirmation to its last attempt and the decision after a failure.
    async fn run_step(&mut self, step: &Step, course: Course) -> Result<Flow, EngineError> {
        let action = {
            let ctx = self.context(step, 0);
            shown_action(&step.action, &ctx)
        };
        let action_text = action
            .clone()
            .unwrap_or_else(|problem| format!("(cannot resolve: {problem})"));
        // Approvals first: the operator's go comes for an approved action.
        let approvals = match &action {
            Ok(_) => match self.await_approvals(step, &action_text, course).await? {
                Ok(approvals) => approvals,
                Err(flow) => return Ok(flow),
            },
            // Nothing will run: the attempt fails on the action it cannot resolve.
            Err(_) => Default::default(),
        };
        if !self.simulated(step)
            && let Some(flow) = self.confirm_before(step, &action_text).await?
        {
            return Ok(flow);
        }
        let mut attempt = self
            .plan
            .resume
            .as_ref()
            .and_then(|resume| resume.attempts.get(&step.id.value).copied())
            .unwrap_or(0);
        let mut retries_left = step.retries;
        loop {
            attempt += 1;
            self.emitter
                .emit(Event::StepStarted {
                    step: step.id.value.clone(),
                    title: self.filled(&step.title),
                    kind: step.kind(),
                    attempt,
                    action: action_text.clone(),
                    rollback: course.is_rollback(),
                    approvals: approvals.by.clone(),
                    approval_wait: approvals.wait.clone(),
                })
                .await?;
            // Its approvers may take the controls again: what they approved has started.
            if approvals.wait.is_some() {
                self.approvals.started();
            }
            // A stop pressed for a step that ended meanwhile is not this one's.
            self.stop_spent.clear_stop();
            let started = Instant::now();
            let result = self.attempt(step, attempt, &action).await;
            // Ctrl-C on this step alone: it stopped, and the operator chooses what now.
            let stopped_alone = matches!(result, Err(StepStop::Abort))
                && self.interrupt.current() == Interrupt::StopStep;
            let (mut outcome, stop) = match result {
                Ok(outcome) => (outcome, None),
                Err(StepStop::Abort) if stopped_alone => {
                    self.stop_spent.clear_stop();
                    let mut outcome = StepOutcome::fail(
                        "stopped by the operator (Ctrl-C): its processes were stopped",
                    );
                    outcome.policy_override = Some(FailurePolicy::Ask);
                    (outcome, None)
                }
                Err(StepStop::Abort) => (
                    StepOutcome::fail("stopped by the operator"),
                    Some(Flow::Abort),
                ),
                Err(StepStop::Suspend(reason)) => (
                    StepOutcome::fail(format!("suspended: {reason}")),
                    Some(Flow::Suspend(reason)),
                ),
                Err(StepStop::Record(err)) => return Err(EngineError::Record(err)),
                Err(StepStop::RunFolder(err)) => return Err(EngineError::RunFolder(err)),
            };
            let status = match (outcome.status_override, outcome.passed) {
                (Some(status), _) => status,
                (None, true) => StepStatus::Passed,
                (None, false) => StepStatus::Failed,
            };
            // Captured values join the run's variables before the result is recorded: one that
            // is declared secret, or contains a secret, is a secret from now on, so that the
            // result, and everything after it, masks it.
            if outcome.passed {
                self.take_captures(&mut outcome.captures);
            }
            // A suspended manual step has no result yet: it is asked again on resume.
            // The result is committed with whatever the engine records next (the next step's
            // start, a decision): nothing happens to the world in between.
            if !matches!(stop, Some(Flow::Suspend(_))) || step_is_automated(step) {
                self.emitter.emit_deferred(Event::StepResult {
                    step: step.id.value.clone(),
                    attempt,
                    status,
                    duration_ms: started.elapsed().as_millis() as u64,
                    expected_ms: step.expected_duration.map(|d| d.as_millis() as u64),
                    exit_code: outcome.exit_code,
                    http_status: outcome.http_status,
                    message: self.scrubber.scrub_text(&outcome.message),
                    output: outcome.output.clone(),
                    tail: if outcome.passed {
                        Vec::new()
                    } else {
                        outcome.tail.clone()
                    },
                    // Secret captures are never journaled; a resumed run cannot have them back,
                    // and a step using one after the resume point says it is missing.
                    captures: if outcome.passed {
                        outcome
                            .captures
                            .iter()
                            .filter(|c| !c.secret)
                            .map(|c| (c.name.clone(), c.value.clone()))
                            .collect()
                    } else {
                        Vec::new()
                    },
                })?;
            }
            self.facts.insert(
                step.id.value.clone(),
                StepFact::ended(status, outcome.exit_code),
            );
            if !matches!(stop, Some(Flow::Suspend(_))) {
                self.turn_ended(
                    step,
                    attempt,
                    status,
                    outcome.exit_code,
                    started.elapsed().as_millis() as u64,
                    &outcome.message,
                )
                .await?;
            }
            if let Some(flow) = stop {
                if matches!(flow, Flow::Abort) {
                    self.decide(step, Decision::Abort).await?;
                }
                return Ok(flow);
            }
            if outcome.passed {
                return Ok(match outcome.then {
                    Then::Next => Flow::Next,
                    Then::Rollback => {
                        // A drill's time to rollback counts from the decision.
                        self.first_failure.get_or_insert_with(Instant::now);
                        Flow::Rollback
                    }
                    // The decision to stop is journaled already, as what it was.
                    Then::Abort => Flow::Abort,
                });
            }
            self.first_failure.get_or_insert_with(Instant::now);
            // Stopped by the operator, the step is not retried on its own: they choose.
            if retries_left > 0 && !stopped_alone {
                retries_left -= 1;
                let delay = self.plan.settings.scaled(step.retry_delay);
                // After the attempt's result, which is committed first.
                self.emitter
                    .emit(Event::Retrying {
                        step: step.id.value.clone(),
                        attempt,
                        of: attempt + retries_left + 1,
                        delay_ms: delay.as_millis() as u64,
                    })
                    .await?;
                tokio::select! {
                    _ = tokio::time::sleep(delay) => continue,
                    _ = self.interrupt.aborted() => {
                        self.decide(step, Decision::Abort).await?;
                        return Ok(Flow::Abort);
                    }
                }
            }
            if !course.is_rollback()
                && !stopped_alone
                && let Some(flow) = self.tolerate_turn_failure(step).await?
            {
                return Ok(flow);
            }
            let policy = outcome.policy_override.unwrap_or(step.on_failure);
            match self
                .after_failure(step, policy, &outcome.message, course)
                .await?
            {
                AfterFailure::Retry => retries_left = step.retries,
                AfterFailure::Flow(flow) => return Ok(flow),
            }
        }
    }

    async fn attempt(
        &mut self,
        step: &Step,
        attempt: u32,
        action: &Result<String, RenderError>,
    ) -> Result<StepOutcome, StepStop> {
        if self.simulated(step) {
            let mut outcome = StepOutcome::pass("simulated (dry run): not executed");
            outcome.status_override = Some(StepStatus::Simulated);
            return Ok(outcome);
        }
        if self.plan.mode == Mode::Drill && self.plan.inject_failures.contains(&step.id.value) {
            return Ok(StepOutcome::fail(
                "failure injected for the drill (--inject-failure)",
            ));
        }
        if let Err(problem) = action {
            return Ok(StepOutcome::fail(problem.to_string()));
        }
        let mut ctx = self.context(step, attempt);
        execute(&step.action, &mut ctx).await
    }

    /// Sets captured values as variables. A value is secret if the runbook says so or if it
    /// contains a secret (an API that echoes a token): the scrubber learns it at once.
    fn take_captures(&mut self, captures: &mut [Captured]) {
        let mut new_secret = false;
        for captured in captures.iter_mut() {
            if !captured.secret && self.scrubber.scrub_text(&captured.value) != captured.value {
                captured.secret = true;
            }
            new_secret |= captured.secret;
            self.plan.scope.set(
                &captured.name,
                captured.value.clone(),
                Secrecy::declared(captured.secret),
            );
        }
        if new_secret {
            self.scrubber = Scrubber::new(self.plan.scope.secret_values());
            self.emitter.scrub_with(self.scrubber.clone());
        }
    }

    fn context<'a>(&'a mut self, step: &'a Step, attempt: u32) -> StepContext<'a> {
        StepContext {
            step,
            attempt,
            scope: &self.plan.scope,
            run_id: &self.plan.run_id,
            run_dir: &self.plan.run_dir,
            emitter: &mut self.emitter,
            interrupt: &mut self.interrupt,
            controls: &mut self.controls,
            scrubber: &self.scrubber,
            settings: &self.plan.settings,
            http: &self.http,
            services: &mut self.services,
            window: &mut self.window,
            hosts: &mut self.hosts,
        }
    }
}

enum AfterFailure {
    Retry,
    Flow(Flow),
}

fn step_is_automated(step: &Step) -> bool {
    !matches!(step.action, StepAction::Manual(_))
}

/// Whether "Run it?" comes before the step: not before one that asks its own question (a
/// manual step, a decision, an input), whose question — and its deadline — comes at once.
fn asks_before_it_runs(step: &Step) -> bool {
    !matches!(
        step.action,
        StepAction::Manual(_) | StepAction::Decision(_) | StepAction::Input(_)
    )
}
