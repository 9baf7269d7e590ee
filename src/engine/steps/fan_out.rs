//! A `command` step on several hosts (`on = "GROUP"`): the hosts go in waves (`serial`), the
//! hosts of a wave all at once, each through its own ssh with its own output file. Each host's
//! end is journaled as it comes (`host` entries), so a crash mid-wave loses no host that
//! finished. A wave with more failed hosts than `max_fail` allows stops the step: the waves
//! after it do not start. A retry, or a resume, runs only the hosts that did not pass.

use crate::runbook::template::Secrecy;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::engine::error::RunFolderWriteError;
use crate::engine::events::Event;
use crate::engine::output_file::OutputFile;
use crate::engine::process::{Exit, Owner, ProcessRequest, ProcessResult, run_process};
use crate::engine::reaper::{left_behind, stop_processes, stopped_list};
use crate::engine::spawn::ProcessScope;
use crate::engine::ssh::remote_command::{SshInvocation, over_ssh};
use crate::protocol::output::{OutputRecord, Stream};
use crate::protocol::status::HostStatus;
use crate::runbook::check::HOST;
use crate::runbook::kinds::command::CommandStep;

use super::resolve::resolve_process;

/// What became of one host in this attempt.
struct HostEnd {
    host: String,
    status: HostStatus,
    exit_code: Option<i32>,
    message: String,
    tail: Vec<String>,
}

pub(crate) async fn run_on_hosts(
    step: &CommandStep,
    ctx: &mut StepContext<'_>,
    hosts: &[String],
) -> Result<StepOutcome, StepStop> {
    let id = ctx.id().to_string();
    let passed_before = ctx.hosts.passed.get(&id).cloned().unwrap_or_default();
    let mut to_run = Vec::new();
    let mut excluded = Vec::new();
    for host in hosts {
        if passed_before.contains(host) {
            continue;
        }
        // An undo runs wherever its step passed, even on a host that failed later.
        match ctx.hosts.excluded.get(host) {
            Some(failed_at) if !ctx.step.is_undo() => {
                excluded.push((host.clone(), failed_at.clone()));
            }
            _ => to_run.push(host.clone()),
        }
    }
    for (host, failed_at) in &excluded {
        ctx.emitter
            .emit(Event::HostResult {
                step: id.clone(),
                attempt: ctx.attempt,
                host: host.clone(),
                status: HostStatus::Excluded,
                exit_code: None,
                duration_ms: 0,
                message: format!("not run: it failed at `{failed_at}` and left the run"),
                output: None,
            })
            .await?;
    }
    let mut ends: Vec<HostEnd> = Vec::new();
    let mut stopped_at: Option<(usize, usize, usize)> = None;
    let mut aborted = false;
    let mut strays = Vec::new();
    let waves = ctx.step.serial.batches(&to_run);
    for (index, wave) in waves.iter().enumerate() {
        let next = waves.get(index + 1).map_or(&[][..], Vec::as_slice);
        ctx.hosts.connections.opened(wave).await;
        let wave_end = run_wave(step, ctx, wave, next).await?;
        aborted |= wave_end.aborted;
        strays.extend(wave_end.strays);
        let failed = wave_end
            .hosts
            .iter()
            .filter(|e| e.status.is_failure())
            .count();
        let allowed = ctx.step.max_fail.allowed(wave.len());
        ends.extend(wave_end.hosts);
        if aborted {
            break;
        }
        if failed > allowed {
            stopped_at = Some((index, failed, allowed));
            break;
        }
    }
    if aborted {
        return Err(StepStop::Abort);
    }
    let passed: BTreeSet<String> = ends
        .iter()
        .filter(|e| e.status == HostStatus::Passed)
        .map(|e| e.host.clone())
        .collect();
    ctx.hosts
        .passed
        .entry(id.clone())
        .or_default()
        .extend(passed.iter().cloned());
    let failures: Vec<&HostEnd> = ends.iter().filter(|e| e.status.is_failure()).collect();
    let mut outcome = StepOutcome {
        passed: stopped_at.is_none(),
        tail: failures
            .iter()
            .flat_map(|end| end.tail.iter().map(|line| format!("{}: {line}", end.host)))
            .collect(),
        ..StepOutcome::default()
    };
    let earlier = hosts.iter().filter(|h| passed_before.contains(*h)).count();
    let mut message = format!(
        "passed on {} of {} host(s)",
        passed.len() + earlier,
        hosts.len()
    );
    if earlier > 0 {
        message.push_str(&format!(
            " ({earlier} in an earlier attempt, not run again)"
        ));
    }
    if !failures.is_empty() {
        let list: Vec<String> = failures
            .iter()
            .map(|end| format!("{} ({})", end.host, end.message))
            .collect();
        message.push_str(&format!("; failed: {}", list.join(", ")));
    }
    if !excluded.is_empty() {
        let list: Vec<&str> = excluded.iter().map(|(h, _)| h.as_str()).collect();
        message.push_str(&format!("; out of the run: {}", list.join(", ")));
    }
    match stopped_at {
        Some((wave, failed, allowed)) => {
            let not_started: Vec<String> = waves[wave + 1..].iter().flatten().cloned().collect();
            message.push_str(&format!(
                "; {failed} host(s) of wave {} failed, more than max_fail {} ({allowed} of {})",
                wave + 1,
                ctx.step.max_fail,
                waves[wave].len()
            ));
            if !not_started.is_empty() {
                message.push_str(&format!("; not started: {}", not_started.join(", ")));
            }
        }
        None => {
            // Failed within max_fail: those hosts leave the run, like Ansible's failed hosts.
            for end in &failures {
                ctx.hosts.excluded.insert(end.host.clone(), id.clone());
            }
        }
    }
    if !strays.is_empty() {
        message.push_str(&format!(
            "; stopped what it left running: {}",
            stopped_list(&strays)
        ));
    }
    if let [only] = ends.as_slice() {
        outcome.exit_code = only.exit_code;
    }
    outcome.message = message;
    Ok(outcome)
}

/// How one wave ended.
struct WaveEnd {
    hosts: Vec<HostEnd>,
    /// The operator stopped the run while it ran.
    aborted: bool,
    /// What it left running, stopped.
    strays: Vec<crate::engine::reaper::StoppedProcess>,
}

/// Runs one wave, all its hosts at once; journals each host's end as it comes.
async fn run_wave(
    step: &CommandStep,
    ctx: &mut StepContext<'_>,
    wave: &[String],
    next_wave: &[String],
) -> Result<WaveEnd, StepStop> {
    let id = ctx.id().to_string();
    let attempt = ctx.attempt;
    let (chunks, mut chunk_intake) = mpsc::unbounded_channel::<(usize, Stream, Arc<str>)>();
    let mut runs = FuturesUnordered::new();
    let mut ends = Vec::new();
    for (index, host) in wave.iter().enumerate() {
        let mut scope = ctx.scope.clone();
        scope.set(HOST, host.clone(), Secrecy::Plain);
        let request = resolve_process(&step.process, &scope, ctx.settings, ctx.step.timeout)
            .and_then(|resolved| {
                let socket = ctx.hosts.connections.socket_for(host);
                let ssh = SshInvocation {
                    ssh_command: &ctx.hosts.ssh_command,
                    socket: socket.as_deref(),
                };
                over_ssh(&step.process, &scope, &resolved.request, &ssh, host)
            });
        let request = match request {
            Ok(request) => request,
            Err(problem) => {
                ends.push(HostEnd {
                    host: host.clone(),
                    status: HostStatus::Failed,
                    exit_code: None,
                    message: problem.to_string(),
                    tail: Vec::new(),
                });
                continue;
            }
        };
        let name = format!("{id}.{attempt}.{host}");
        let output = OutputFile::create(ctx.run_dir, &name)
            .map_err(RunFolderWriteError::new(format!(
                "create the output file {name}"
            )))
            .map_err(StepStop::RunFolder)?;
        let scope = ProcessScope::connection(ctx.run_id, host);
        let interrupt = ctx.interrupt.clone();
        let chunks = chunks.clone();
        let scrubber = ctx.scrubber;
        runs.push(run_host(
            index, request, scope, output, scrubber, interrupt, chunks,
        ));
    }
    drop(chunks);
    for end in &ends {
        emit_end(ctx, end, None, Duration::ZERO).await?;
    }
    // Each host's output goes to the screen line by line, its name in front.
    let mut line_start = vec![true; wave.len()];
    let mut aborted = false;
    while !runs.is_empty() {
        tokio::select! {
            Some((index, stream, text)) = chunk_intake.recv() => {
                let shown = prefixed(&wave[index], &text, &mut line_start[index]);
                ctx.emitter.show(Event::Output { step: id.clone(), stream, text: shown.into() });
            }
            Some((index, result, output, took)) = runs.next() => {
                let result = result
                    .map_err(RunFolderWriteError::new(format!("record the output of `{id}` on {}", wave[index])))
                    .map_err(StepStop::RunFolder)?;
                let record = output
                    .finish()
                    .map_err(RunFolderWriteError::new(format!("write the output of `{id}` on {}", wave[index])))
                    .map_err(StepStop::RunFolder)?;
                aborted |= result.exit == Exit::Aborted;
                let end = judge(&wave[index], &result, &step.expect_exit);
                emit_end(ctx, &end, Some(record), took).await?;
                ends.push(end);
                // Its place goes to a login of the next wave (as many at once as this one).
                if let Some(host) = next_wave.get(ends.len() - 1) {
                    let ssh_command = ctx.hosts.ssh_command.clone();
                    ctx.hosts
                        .connections
                        .open_ahead(&ssh_command, std::slice::from_ref(host));
                }
            }
        }
    }
    // Output still queued when the last process ended.
    while let Ok((index, stream, text)) = chunk_intake.try_recv() {
        let shown = prefixed(&wave[index], &text, &mut line_start[index]);
        ctx.emitter.show(Event::Output {
            step: id.clone(),
            stream,
            text: shown.into(),
        });
    }
    // One sweep for the whole wave, once every one of its processes has ended: an ssh leaves
    // nothing behind but its shared connection, which carries the host's connection scope.
    let own = ctx.process_scope(None);
    let left = left_behind(&|s| s == own.as_str(), &ctx.long_lived_pids(), false);
    let strays = if left.is_empty() {
        Vec::new()
    } else {
        stop_processes(&left, ctx.settings.grace).await
    };
    Ok(WaveEnd {
        hosts: ends,
        aborted,
        strays,
    })
}

async fn run_host(
    index: usize,
    request: ProcessRequest,
    scope: ProcessScope,
    mut output: OutputFile,
    scrubber: &crate::engine::scrub::Scrubber,
    mut interrupt: crate::engine::interrupt::InterruptReceiver,
    chunks: mpsc::UnboundedSender<(usize, Stream, Arc<str>)>,
) -> (usize, std::io::Result<ProcessResult>, OutputFile, Duration) {
    let started = Instant::now();
    let owner = Owner {
        scope,
        long_lived: &BTreeSet::new,
        sweep: false,
    };
    let mut on_output = |stream: Stream, text: Arc<str>| {
        let _ = chunks.send((index, stream, text));
    };
    let result = run_process(
        &request,
        &owner,
        &mut output,
        scrubber,
        &mut interrupt,
        &mut on_output,
    )
    .await;
    (index, result, output, started.elapsed())
}

async fn emit_end(
    ctx: &mut StepContext<'_>,
    end: &HostEnd,
    output: Option<OutputRecord>,
    took: Duration,
) -> Result<(), StepStop> {
    ctx.emitter
        .emit(Event::HostResult {
            step: ctx.id().to_string(),
            attempt: ctx.attempt,
            host: end.host.clone(),
            status: end.status,
            exit_code: end.exit_code,
            duration_ms: took.as_millis() as u64,
            message: ctx.scrubber.scrub_text(&end.message),
            output,
        })
        .await?;
    Ok(())
}

/// A host's status from its ssh's exit: 255 is ssh's own failure to reach it.
fn judge(host: &str, result: &ProcessResult, expect_exit: &[i32]) -> HostEnd {
    let (status, exit_code, message) = match &result.exit {
        Exit::Code(code) if expect_exit.contains(code) => {
            (HostStatus::Passed, Some(*code), format!("exit {code}"))
        }
        Exit::Code(255) => (
            HostStatus::Unreachable,
            Some(255),
            format!(
                "ssh could not reach it or lost it (exit 255){}",
                result
                    .tail
                    .last()
                    .map_or_else(String::new, |line| format!(": {line}"))
            ),
        ),
        Exit::Code(code) => (HostStatus::Failed, Some(*code), format!("exit {code}")),
        Exit::Signal(signal) => (
            HostStatus::Failed,
            None,
            format!("ssh killed by signal {signal}"),
        ),
        Exit::TimedOut(after) => (
            HostStatus::Failed,
            None,
            format!(
                "timed out after {}",
                crate::runbook::duration::format_duration(*after)
            ),
        ),
        Exit::Aborted => (HostStatus::Failed, None, "stopped by the operator".into()),
        Exit::SpawnFailed(failure) => (HostStatus::Failed, None, failure.to_string()),
    };
    HostEnd {
        host: host.to_string(),
        status,
        exit_code,
        message,
        tail: result.tail.clone(),
    }
}

/// `text` with `host | ` at the start of each of its lines.
fn prefixed(host: &str, text: &str, at_line_start: &mut bool) -> String {
    let mut shown = String::with_capacity(text.len() + host.len() + 3);
    for piece in text.split_inclusive('\n') {
        if *at_line_start {
            shown.push_str(host);
            shown.push_str(" | ");
        }
        shown.push_str(piece);
        *at_line_start = piece.ends_with('\n');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_of_a_hosts_output_starts_with_its_name_across_chunks() {
        let mut start = true;
        let mut shown = prefixed("web-1", "one\ntw", &mut start);
        shown.push_str(&prefixed("web-1", "o\nthree\n", &mut start));
        assert_eq!(shown, "web-1 | one\nweb-1 | two\nweb-1 | three\n");
    }
}
