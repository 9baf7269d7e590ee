//! What a step executor gets to work with, and what it gives back.

use std::path::Path;
use std::time::Duration;

use super::control::Control;
use super::emitter::{Emitter, RecordError};
use super::events::{Event, Prompt};
use super::interrupt::InterruptReceiver;
use super::scrub::Scrubber;
use crate::protocol::output::OutputRecord;
use crate::runbook::model::Step;
use crate::runbook::template::Scope;

/// Settings of the whole run that steps need.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// Between SIGTERM and SIGKILL when a step's processes are stopped.
    pub grace: Duration,
    /// Default per-request timeout of http checks.
    pub http_timeout: Duration,
    /// Drills only: every wait, bake, poll interval and timeout, and retry delay is
    /// multiplied by it (`--time-scale`), so that a rehearsal need not wait out real hours.
    pub time_scale: f64,
    /// Folders put first on PATH for every process of the run: a drill target's stand-ins
    /// for the host's tools (`tools`).
    pub path_prefix: Vec<std::path::PathBuf>,
    /// Each secret variable and the environment variable its value came from: a process that
    /// does not name the secret inherits neither.
    pub secret_sources: Vec<(String, String)>,
}

impl RunSettings {
    /// `duration` as this run waits it.
    pub fn scaled(&self, duration: Duration) -> Duration {
        if self.time_scale == 1.0 {
            return duration;
        }
        Duration::try_from_secs_f64(duration.as_secs_f64() * self.time_scale).unwrap_or(duration)
    }
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            grace: Duration::from_secs(5),
            http_timeout: Duration::from_secs(10),
            time_scale: 1.0,
            path_prefix: Vec::new(),
            secret_sources: Vec::new(),
        }
    }
}

pub(crate) struct StepContext<'a> {
    pub step: &'a Step,
    pub attempt: u32,
    pub scope: &'a Scope,
    pub run_id: &'a str,
    pub run_dir: &'a Path,
    pub emitter: &'a mut Emitter,
    pub interrupt: &'a mut InterruptReceiver,
    pub controls: &'a mut super::control_queue::ControlQueue,
    pub scrubber: &'a Scrubber,
    pub settings: &'a RunSettings,
    pub http: &'a super::steps::http_client::LazyHttpClients,
    pub services: &'a mut super::services::Services,
    pub window: &'a mut super::window_clock::WindowClock,
    pub(crate) hosts: &'a mut super::ssh::run_hosts::RunHosts,
}

impl StepContext<'_> {
    pub(crate) fn id(&self) -> &str {
        &self.step.id.value
    }

    /// The scope every process of this attempt carries (`engine/spawn.rs`); an ssh to a host
    /// carries the host's connection scope instead.
    pub(crate) fn process_scope(&self, remote_host: Option<&str>) -> super::spawn::ProcessScope {
        match remote_host {
            Some(host) => super::spawn::ProcessScope::connection(self.run_id, host),
            None => super::spawn::ProcessScope::step(self.run_id, self.id(), self.attempt),
        }
    }

    /// The pids of the run's processes that live across steps (services, ssh connections):
    /// never what a step left behind.
    pub(crate) fn long_lived_pids(&self) -> std::collections::BTreeSet<i32> {
        let mut pids = self.services.pids();
        pids.extend(self.hosts.connections.master_pids());
        pids
    }

    /// Shows progress (countdowns, stages); never journaled.
    pub(crate) fn progress(&self, message: impl Into<String>) {
        self.emitter.show(Event::Progress {
            step: self.id().to_string(),
            message: message.into(),
        });
    }

    /// Asks the operator and waits for the answer. `None` when every control sender is gone.
    pub(crate) async fn ask(&mut self, prompt: Prompt) -> Result<Option<Control>, RecordError> {
        let asked = prompt.step().to_string();
        self.emitter.emit(Event::Waiting(prompt)).await?;
        super::control::next_answer(self.controls, self.emitter, &asked).await
    }

    /// Asks, and waits for the answer until `deadline`: `Asked::DeadlinePassed` when it came
    /// first (never, without a deadline).
    pub(crate) async fn ask_until(
        &mut self,
        prompt: Prompt,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<Asked, RecordError> {
        let asked = self.ask(prompt);
        Ok(match deadline {
            None => Asked::Answer(asked.await?),
            Some(at) => match tokio::time::timeout_at(at, asked).await {
                Ok(answer) => Asked::Answer(answer?),
                Err(_) => Asked::DeadlinePassed,
            },
        })
    }
}

/// How a question with a deadline ended.
pub(crate) enum Asked {
    /// An answer, or `None` when every control sender is gone.
    Answer(Option<Control>),
    DeadlinePassed,
}

/// How a step attempt ended.
#[derive(Clone, Debug, Default)]
pub(crate) struct StepOutcome {
    pub passed: bool,
    pub message: String,
    pub exit_code: Option<i32>,
    pub http_status: Option<u16>,
    /// Variables set for the steps after this one.
    pub captures: Vec<Captured>,
    pub output: Option<OutputRecord>,
    pub tail: Vec<String>,
    /// A manual step confirmed or a wait skipped: journaled by the step itself.
    pub status_override: Option<crate::protocol::status::StepStatus>,
    /// A failed gate decides instead of the step's `on_failure`.
    pub policy_override: Option<crate::runbook::model::FailurePolicy>,
    /// What the run does after a step that passed: a decision may roll back or stop it.
    pub then: Then,
}

/// Where the run goes after a step that passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Then {
    #[default]
    Next,
    Rollback,
    Abort,
}

impl StepOutcome {
    pub(crate) fn pass(message: impl Into<String>) -> Self {
        Self {
            passed: true,
            message: message.into(),
            ..Self::default()
        }
    }

    pub(crate) fn fail(message: impl Into<String>) -> Self {
        Self {
            passed: false,
            message: message.into(),
            ..Self::default()
        }
    }
}

/// A value a step captured into a variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Captured {
    pub name: String,
    pub value: String,
    /// Declared secret by the runbook; the engine also makes secret a value that contains one.
    pub secret: bool,
}

/// Why a step stopped without an outcome.
#[derive(Debug)]
pub(crate) enum StepStop {
    /// The operator (or Ctrl-C) aborted the run.
    Abort,
    /// The operator chose to suspend; the run can be resumed.
    Suspend(String),
    /// An event could not be recorded: the run stops (exit 5).
    Record(RecordError),
    /// The run folder could not be written.
    RunFolder(super::error::RunFolderWriteError),
}

impl From<RecordError> for StepStop {
    fn from(err: RecordError) -> Self {
        Self::Record(err)
    }
}
