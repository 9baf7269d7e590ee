//! Executes a `command` step: one process, its exit code against `expect_exit`, the last
//! stdout line captured when asked.

use crate::engine::context::{Captured, StepContext, StepOutcome, StepStop};
use crate::engine::error::RunFolderWriteError;
use crate::engine::events::Event;
use crate::engine::output_file::OutputFile;
use crate::engine::process::{Exit, Owner, run_process};
use crate::engine::reaper::stopped_list;
use crate::protocol::output::Stream;
use crate::runbook::kinds::command::CommandStep;
use crate::runbook::template::RenderError;
use crate::runbook::template::Secrecy;

use super::resolve::{resolve_process, shown_process};
use crate::engine::ssh::remote_command::{SshInvocation, over_ssh};

pub(crate) fn shown(step: &CommandStep, ctx: &StepContext<'_>) -> Result<String, RenderError> {
    let shown = match &ctx.step.placement.remote {
        None => shown_process(&step.process, ctx.scope)?,
        Some(hosts) if ctx.step.host().is_some() => {
            format!(
                "on {}: {}",
                hosts.join(", "),
                shown_process(&step.process, ctx.scope)?
            )
        }
        Some(hosts) => {
            // One line for every host: the host's name stands where it goes.
            let mut scope = ctx.scope.clone();
            scope.set(crate::runbook::check::HOST, "HOST", Secrecy::Plain);
            format!(
                "on {} (HOST each of them): {}",
                hosts.join(", "),
                shown_process(&step.process, &scope)?
            )
        }
    };
    Ok(match step.poll {
        None => shown,
        Some(poll) => format!(
            "{shown}   (until it passes: every {}, for at most {})",
            crate::runbook::duration::format_duration(poll.interval),
            crate::runbook::duration::format_duration(poll.timeout)
        ),
    })
}

pub(crate) async fn execute(
    step: &CommandStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    let one_host = match (&ctx.step.placement.remote, ctx.step.single_remote_host()) {
        (None, _) => None,
        (Some(_), Some(host)) => Some(host),
        (Some(hosts), None) if step.poll.is_some() || !step.capture.is_empty() => {
            // `--hosts` gave the group more hosts than `check` saw: whose answer would count?
            return Ok(StepOutcome::fail(format!(
                "it polls or captures, which needs one host, and runs on {}: {}",
                hosts.len(),
                hosts.join(", ")
            )));
        }
        (Some(hosts), None) => {
            let hosts = hosts.clone();
            return super::fan_out::run_on_hosts(step, ctx, &hosts).await;
        }
    };
    let resolved = match resolve_process(&step.process, ctx.scope, ctx.settings, ctx.step.timeout) {
        Ok(resolved) => resolved,
        Err(err) => return Ok(StepOutcome::fail(err.to_string())),
    };
    let resolved = match one_host {
        None => resolved,
        Some(host) => {
            let host = host.to_string();
            let socket = ctx.hosts.connections.socket_for(&host);
            let ssh = SshInvocation {
                ssh_command: &ctx.hosts.ssh_command,
                socket: socket.as_deref(),
            };
            match over_ssh(&step.process, ctx.scope, &resolved.request, &ssh, &host) {
                Ok(request) => super::resolve::ResolvedProcess {
                    request,
                    display: resolved.display,
                },
                Err(err) => return Ok(StepOutcome::fail(err.to_string())),
            }
        }
    };
    let (mut outcome, last_lines) = match step.poll {
        None => run_to_outcome(&resolved.request, ctx, &step.expect_exit, "").await?,
        Some(poll) => {
            super::command_poll::poll_until_passed(&resolved.request, ctx, step, poll).await?
        }
    };
    if outcome.passed && !step.capture.is_empty() {
        // One name takes the last line; several take as many lines, in order.
        let wanted = step.capture.len();
        if last_lines.len() < wanted {
            outcome.passed = false;
            let names: Vec<&str> = step.capture.iter().map(|n| n.value.as_str()).collect();
            outcome.message = format!(
                "printed {} non-empty line(s) on stdout, not the {wanted} to capture as {}",
                last_lines.len(),
                names.join(", ")
            );
        } else {
            let lines = &last_lines[last_lines.len() - wanted..];
            for (name, value) in step.capture.iter().zip(lines) {
                outcome.captures.push(Captured {
                    name: name.value.clone(),
                    value: value.trim().to_string(),
                    secret: false,
                });
            }
        }
    }
    Ok(outcome)
}

/// Runs a resolved process with the step's output file and live output events, and judges its
/// exit code; also returns the last non-empty stdout lines. Shared by `command` and the stages
/// of `progressive`.
pub(crate) async fn run_to_outcome(
    request: &crate::engine::process::ProcessRequest,
    ctx: &mut StepContext<'_>,
    expect_exit: &[i32],
    suffix: &str,
) -> Result<(StepOutcome, Vec<String>), StepStop> {
    let name = format!("{}.{}{suffix}", ctx.id(), ctx.attempt);
    let mut output = OutputFile::create(ctx.run_dir, &name)
        .map_err(RunFolderWriteError::new(format!(
            "create the output file {name}"
        )))
        .map_err(StepStop::RunFolder)?;
    let step_id = ctx.id().to_string();
    let emitter = &*ctx.emitter;
    let mut on_output = |stream: Stream, text: std::sync::Arc<str>| {
        emitter.show(Event::Output {
            step: step_id.clone(),
            stream,
            text,
        })
    };
    let (services, hosts) = (&*ctx.services, &*ctx.hosts);
    let long_lived = || {
        let mut pids = services.pids();
        pids.extend(hosts.connections.master_pids());
        pids
    };
    let owner = Owner {
        scope: ctx.process_scope(request.remote_host.as_deref()),
        long_lived: &long_lived,
        sweep: true,
    };
    let result = run_process(
        request,
        &owner,
        &mut output,
        ctx.scrubber,
        ctx.interrupt,
        &mut on_output,
    )
    .await;
    let result = result
        .map_err(RunFolderWriteError::new(format!(
            "record the output of `{step_id}`"
        )))
        .map_err(StepStop::RunFolder)?;
    let record = output
        .finish()
        .map_err(RunFolderWriteError::new(format!(
            "write the output of `{step_id}`"
        )))
        .map_err(StepStop::RunFolder)?;
    let (passed, message, exit_code) = match &result.exit {
        Exit::Code(code) if expect_exit.contains(code) => {
            (true, format!("exit {code}"), Some(*code))
        }
        Exit::Code(code) => (
            false,
            format!("exit {code}, expected {}", list(expect_exit)),
            Some(*code),
        ),
        Exit::Signal(signal) => (false, format!("killed by signal {signal}"), None),
        Exit::TimedOut(after) => (
            false,
            format!(
                "timed out after {}; its process group was stopped ({})",
                crate::runbook::duration::format_duration(*after),
                if result.group_killed {
                    format!(
                        "SIGTERM, then SIGKILL after {}",
                        crate::runbook::duration::format_duration(request.grace)
                    )
                } else {
                    "SIGTERM".to_string()
                }
            ),
            None,
        ),
        Exit::Aborted => return Err(StepStop::Abort),
        Exit::SpawnFailed(failure) => (false, failure.to_string(), None),
    };
    let message = if result.output_held_open {
        format!(
            "{message}; a process outside its group (started with setsid?) kept its output \
             open: cutover stopped reading {} after the group was gone",
            crate::runbook::duration::format_duration(request.grace)
        )
    } else {
        message
    };
    let message = if result.left_behind.is_empty() {
        message
    } else {
        format!(
            "{message}; stopped what it left running: {}",
            stopped_list(&result.left_behind)
        )
    };
    let outcome = StepOutcome {
        passed,
        message,
        exit_code,
        output: Some(record),
        tail: result.tail,
        ..StepOutcome::default()
    };
    Ok((outcome, result.last_stdout_lines))
}

fn list(codes: &[i32]) -> String {
    codes
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" or ")
}
