//! The runbook as the engine sees it: phases of steps, rollback steps and variables, every
//! value already validated. Strings that may hold `{{ placeholders }}` are [`Template`]s;
//! what a `check` rule must point at keeps its [`Span`].

use crate::protocol::step_kind::StepKind;
use std::time::Duration;

use regex::Regex;

use super::hosts::{HostGroup, HostTarget, MaxFail, Serial};
use super::kinds::{
    command::CommandStep, decision::DecisionStep, env::EnvStep, http::HttpStep, input::InputStep,
    manual::ManualStep, metric::MetricStep, progressive::ProgressiveStep, service::ServiceStep,
    wait::WaitStep, window::WindowStep,
};
use super::source::{Located, Span};
use super::template::Template;

#[derive(Clone, Debug)]
pub struct Runbook {
    pub name: Located<String>,
    pub title: String,
    /// `production` makes the operator type the word before the run starts.
    pub environment: Option<String>,
    pub expected_duration: Option<Duration>,
    pub description: String,
    pub vars: Vec<VarDef>,
    pub phases: Vec<Phase>,
    pub rollback: Vec<Step>,
    /// `[hosts]`: groups of host names as OpenSSH knows them.
    pub hosts: Vec<HostGroup>,
    /// The release lock its production runs hold (`[runbook] lock`, default its name).
    pub lock: String,
    /// `[runbook] allowed_signers`: the trust root its runs are held to, relative to the
    /// runbook's folder (`journal/trust_root.rs`).
    pub allowed_signers: Option<Located<String>>,
    /// How OpenSSH is called (`[runbook] ssh_command`), `["ssh"]` unless the runbook says.
    pub ssh_command: Vec<String>,
    /// Values of included blocks' parameters, by the name their placeholders now use
    /// (`<include id>.<parameter>`): set in every run's scope, never asked for.
    pub constants: std::collections::BTreeMap<String, String>,
    /// `[targets.NAME]`: where it can run.
    pub targets: Vec<super::targets::Target>,
    /// The target this run was started for (`--target`), once applied.
    pub target: Option<String>,
    /// The target's time scale (drills only), once applied.
    pub time_scale: Option<f64>,
    /// The target's folders of stand-ins, as written (relative to the runbook's folder), once
    /// applied.
    pub tools: Vec<String>,
    /// The target is a drill that knowingly reaches production (`shares_production`), once
    /// applied: its runs take the release lock and need an operator key.
    pub shares_production: bool,
    /// `[[notify]]`: who is told what while the run goes (the operator's own notify.toml is
    /// added at the start).
    pub notify: Vec<super::notify::NotifyChannel>,
}

impl Runbook {
    pub fn is_production(&self) -> bool {
        self.environment.as_deref() == Some("production")
    }

    /// Every step of the main flow, in execution order, with its phase.
    pub fn steps(&self) -> impl Iterator<Item = (&Phase, &Step)> {
        self.phases
            .iter()
            .flat_map(|phase| phase.steps.iter().map(move |step| (phase, step)))
    }

    pub fn step_count(&self) -> usize {
        self.phases.iter().map(|phase| phase.steps.len()).sum()
    }

    /// The runbook as it runs for `target`: the target's values as the variables' defaults, its
    /// environment as the runbook's. The steps are the same for every target.
    pub fn for_target(mut self, target: &str) -> Result<Self, Vec<String>> {
        let Some(found) = self
            .targets
            .iter()
            .find(|t| t.name.value == target)
            .cloned()
        else {
            return Err(self.targets.iter().map(|t| t.name.value.clone()).collect());
        };
        for (name, value) in &found.vars {
            if let Some(var) = self.vars.iter_mut().find(|v| &v.name.value == name) {
                let span = var
                    .default
                    .as_ref()
                    .map_or_else(|| var.name.span.clone(), |d| d.span.clone());
                var.default = Some(Located::new(value.clone(), span));
            }
        }
        if let Some(environment) = &found.environment {
            self.environment = Some(environment.clone());
        }
        for own in &found.hosts {
            if let Some(group) = self
                .hosts
                .iter_mut()
                .find(|g| g.name.value == own.name.value)
            {
                group.hosts = own.hosts.clone();
            }
        }
        if let Some(command) = &found.ssh_command {
            self.ssh_command = command.clone();
        }
        self.time_scale = found.time_scale;
        self.tools = found.tools.clone();
        self.shares_production = found.shares_production;
        self.target = Some(found.name.value);
        Ok(self)
    }

    pub fn var(&self, name: &str) -> Option<&VarDef> {
        self.vars.iter().find(|var| var.name.value == name)
    }

    pub fn host_group(&self, name: &str) -> Option<&HostGroup> {
        self.hosts.iter().find(|group| group.name.value == name)
    }
}

/// A `[vars.NAME]` table.
#[derive(Clone, Debug)]
pub struct VarDef {
    pub name: Located<String>,
    pub description: String,
    pub default: Option<Located<String>>,
    /// Asked for at start (TUI) or given with `--var` (headless).
    pub required: bool,
    pub pattern: Option<Located<Regex>>,
    /// The value is taken from this environment variable when it is set.
    pub env: Option<String>,
    /// Masked everywhere, never journaled, scrubbed from output.
    pub secret: bool,
    /// A list (`default = ["a", "b"]`): `default` holds its items joined by commas.
    pub list: bool,
}

#[derive(Clone, Debug)]
pub struct Phase {
    pub id: Located<String>,
    pub title: String,
    pub description: String,
    pub expected_duration: Option<Duration>,
    /// Its steps run only when this holds; otherwise each is journaled as not applicable.
    pub when: Option<super::condition::Condition>,
    /// A rolling phase: its steps run for each host of this group, batch by batch.
    pub for_each: Option<Located<String>>,
    /// The batches of a rolling phase (one host at a time unless the runbook says).
    pub serial: Serial,
    /// How many hosts of a batch may fail while the rolling goes on.
    pub max_fail: MaxFail,
    pub steps: Vec<Step>,
}

/// What happens when a step fails after its retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailurePolicy {
    /// The operator chooses: retry, skip, mark done, roll back, abort.
    Ask,
    Abort,
    Rollback,
    /// Recorded as failed; the run goes on.
    Continue,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub id: Located<String>,
    pub title: String,
    pub description: String,
    pub timeout: Option<Duration>,
    pub retries: u32,
    pub retry_delay: Duration,
    pub on_failure: FailurePolicy,
    /// Cannot be skipped.
    pub required: bool,
    /// Waits for Enter even under `--auto`.
    pub confirm: bool,
    /// The operator types `confirm_phrase` before it runs.
    pub dangerous: bool,
    /// How many people other than the operator approve the step before it starts, each with
    /// their own key over a statement of exactly what it will do (`engine/approval.rs`).
    pub approvals: u32,
    /// The principals allowed to approve it; any principal when empty.
    pub approvers: Vec<String>,
    /// How long the approvals may take, and what happens when they have not come by then
    /// (a manual step's own `deadline` serves for both of its waits).
    pub approval_deadline: Option<(Duration, crate::protocol::on_deadline::OnDeadline)>,
    pub confirm_phrase: String,
    /// Safe to run for real in `--dry-run`.
    pub readonly: bool,
    pub expected_duration: Option<Duration>,
    /// Where `kind = "…"` was written.
    pub kind_span: Span,
    /// It runs only when this holds; otherwise it is journaled as not applicable.
    pub when: Option<super::condition::Condition>,
    /// A shell command that reverses what the step did, run on rollback when the step had
    /// completed (in reverse order, before the `[[rollback.step]]` section).
    pub undo: Option<Template>,
    /// The title, description and confirmation phrase as templates, for `check`.
    pub texts: Vec<Template>,
    /// Where the command runs over ssh, as written (`on`); without it, locally.
    pub on: Option<HostTarget>,
    /// The waves of a step run on several hosts (every host at once unless the runbook says).
    pub serial: Serial,
    /// How many hosts of a wave may fail while the step goes on.
    pub max_fail: MaxFail,
    /// Filled in when the run's hosts are known (see `runbook/rolling.rs`).
    pub placement: Placement,
    pub action: StepAction,
}

/// Where a step of a planned run goes: the hosts its command runs on, and, for a step of a
/// rolling phase, which host's turn it is.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// The hosts the command runs on over ssh; `None`: locally.
    pub remote: Option<Vec<String>>,
    /// The step is one host's turn through a rolling phase.
    pub turn: Option<HostTurn>,
}

/// One host's turn through a step of a rolling phase (`for_each`), journaled as
/// `<step>@<host>`.
#[derive(Clone, Debug)]
pub struct HostTurn {
    /// The step's id as the runbook writes it.
    pub step: String,
    pub phase: String,
    pub host: String,
    /// Which batch of the phase (0-based), and how many of its hosts may fail.
    pub batch: usize,
    pub allowed_failures: usize,
}

impl Step {
    pub fn kind(&self) -> StepKind {
        self.action.kind()
    }

    /// Every template of the step: its action's, and its `undo` command line.
    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        let mut uses = self.action.templates();
        uses.extend(self.undo.iter().map(TemplateUse::shell));
        uses.extend(self.texts.iter().map(TemplateUse::text));
        uses
    }

    /// The id of the step that undoes `id` (`:` is never in a runbook's ids, so it is never
    /// one of theirs).
    pub fn undo_id(id: &str) -> String {
        format!("{id}:undo")
    }

    /// It undoes another step (its id is that step's [`Step::undo_id`]).
    pub fn is_undo(&self) -> bool {
        self.id.value.ends_with(":undo")
    }

    /// The id of one host's turn through a step of a rolling phase (`@` is never in a
    /// runbook's ids either).
    pub fn turn_id(id: &str, host: &str) -> String {
        format!("{id}@{host}")
    }

    /// The one host this step's command runs on through a single ssh, run, polled and
    /// captured like a local command: a rolling phase's turn on its own host, or a step on
    /// one host that polls or captures. `None`: locally, or across its hosts (`fan_out.rs`).
    pub fn single_remote_host(&self) -> Option<&str> {
        let [host] = self.placement.remote.as_deref()? else {
            return None;
        };
        let one_answer = match &self.action {
            StepAction::Command(command) => command.poll.is_some() || !command.capture.is_empty(),
            _ => false,
        };
        (self.host() == Some(host.as_str()) || one_answer).then_some(host.as_str())
    }

    /// The host this step is the turn of, if it is one.
    pub fn host(&self) -> Option<&str> {
        self.placement.turn.as_ref().map(|turn| turn.host.as_str())
    }
}

/// What a step does: one variant per kind, each defined in its own file under `kinds/`.
#[derive(Clone, Debug)]
pub enum StepAction {
    Command(CommandStep),
    Http(Box<HttpStep>),
    Manual(ManualStep),
    Env(EnvStep),
    Wait(WaitStep),
    Window(WindowStep),
    Progressive(ProgressiveStep),
    Service(ServiceStep),
    Input(InputStep),
    Metric(Box<MetricStep>),
    Decision(DecisionStep),
}

impl StepAction {
    pub fn kind(&self) -> StepKind {
        match self {
            Self::Command(_) => StepKind::Command,
            Self::Http(_) => StepKind::Http,
            Self::Manual(_) => StepKind::Manual,
            Self::Env(_) => StepKind::Env,
            Self::Wait(_) => StepKind::Wait,
            Self::Window(_) => StepKind::Window,
            Self::Progressive(_) => StepKind::Progressive,
            Self::Service(_) => StepKind::Service,
            Self::Input(_) => StepKind::Input,
            Self::Metric(_) => StepKind::Metric,
            Self::Decision(_) => StepKind::Decision,
        }
    }

    /// Every template the step holds, with whether it is a shell command line, so that
    /// `check` can resolve names and refuse secrets where `ps` would show them.
    pub fn templates(&self) -> Vec<TemplateUse<'_>> {
        match self {
            Self::Command(step) => step.templates(),
            Self::Http(step) => step.check.templates(),
            Self::Manual(step) => step.templates(),
            Self::Env(step) => step.templates(),
            Self::Wait(_) | Self::Window(_) => Vec::new(),
            Self::Progressive(step) => step.templates(),
            Self::Service(step) => step.templates(),
            Self::Input(step) => step.templates(),
            Self::Metric(step) => step.check.templates(false),
            Self::Decision(step) => step.templates(),
        }
    }

    /// Variables this step sets for the steps after it.
    pub fn captures(&self) -> Vec<&Located<String>> {
        match self {
            Self::Command(step) => step.capture.iter().collect(),
            // An input's answer is a value the run did not have before, like a capture.
            Self::Input(step) => vec![&step.variable],
            Self::Http(step) => step.check.capture.iter().map(|c| &c.name).collect(),
            _ => Vec::new(),
        }
    }

    /// The names of captures the runbook declares secret.
    pub fn secret_captures(&self) -> Vec<&str> {
        match self {
            Self::Http(step) => step
                .check
                .capture
                .iter()
                .filter(|c| c.secret)
                .map(|c| c.name.value.as_str())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A template inside a step and how it is used.
#[derive(Clone, Copy, Debug)]
pub struct TemplateUse<'a> {
    pub template: &'a Template,
    /// A command line: values are shell-quoted and secrets are refused.
    pub shell: bool,
    /// `{{ stage }}` is defined here (the `run` of a progressive step).
    pub has_stage: bool,
    /// Must be a URL once rendered.
    pub is_url: bool,
    /// One item of `argv`: a list that is the whole item becomes several arguments.
    pub is_argv: bool,
}

impl<'a> TemplateUse<'a> {
    pub fn text(template: &'a Template) -> Self {
        Self {
            template,
            shell: false,
            has_stage: false,
            is_url: false,
            is_argv: false,
        }
    }

    pub fn shell(template: &'a Template) -> Self {
        Self {
            shell: true,
            ..Self::text(template)
        }
    }

    pub fn argv(template: &'a Template) -> Self {
        Self {
            is_argv: true,
            ..Self::shell(template)
        }
    }

    pub fn url(template: &'a Template) -> Self {
        Self {
            is_url: true,
            ..Self::text(template)
        }
    }
}
