//! Executes a `service` step: starts a background process group that lives until the run
//! ends, and passes once it is ready (its URL answers 2xx, or a line of its output matches).
//! Ready means its own process answers: a loopback URL answered by another process (a
//! colleague's rehearsal on the same port) is not the service, and a service that exited is
//! not ready whatever answers — the step fails with the last lines of its log.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::engine::context::{StepContext, StepOutcome, StepStop};
use crate::engine::display::display_line;
use crate::engine::error::RunFolderWriteError;
use crate::engine::events::Event;
use crate::engine::output_file::OutputFile;
use crate::engine::services::terminate_group;
use crate::engine::spawn::{DeathSignal, ProcessScope, spawn_in_own_group};
use crate::engine::stream_reader::read_output;
use crate::protocol::output::Stream;
use crate::protocol::status::ServiceState;
use crate::runbook::duration::format_duration;
use crate::runbook::kinds::service::{Readiness, ServiceStep};
use crate::runbook::template::Quoting;
use crate::runbook::template::RenderError;

use super::resolve::{resolve_process, shown_process};

pub(crate) fn shown(step: &ServiceStep, ctx: &StepContext<'_>) -> Result<String, RenderError> {
    shown_process(&step.process, ctx.scope)
        .map(|display| format!("start in the background: {display}"))
}

pub(crate) async fn execute(
    step: &ServiceStep,
    ctx: &mut StepContext<'_>,
) -> Result<StepOutcome, StepStop> {
    let resolved = match resolve_process(&step.process, ctx.scope, ctx.settings, None) {
        Ok(resolved) => resolved,
        Err(err) => return Ok(StepOutcome::fail(err.to_string())),
    };
    let scope = ProcessScope::service(ctx.run_id, ctx.id());
    let (mut child, group) = match spawn_in_own_group(&resolved.request, &scope, DeathSignal::Term)
    {
        Ok(spawned) => spawned,
        Err(err) => {
            return Ok(StepOutcome::fail(format!(
                "cannot start the service: {err}"
            )));
        }
    };
    let grace = ctx.settings.grace;
    let stop = async |child: &mut tokio::process::Child| {
        terminate_group(group, child, Instant::now() + grace).await;
    };
    let name = format!("{}.{}.service", ctx.id(), ctx.attempt);
    let mut output = OutputFile::create(ctx.run_dir, &name)
        .map_err(RunFolderWriteError::new(format!(
            "create the service log {name}"
        )))
        .map_err(StepStop::RunFolder)?;
    let log_path = output.path().display().to_string();
    let output_path = output.path().to_path_buf();

    // The service's output goes to its log for the whole run, scrubbed, in bounded pieces (a
    // service printing without line breaks never fills memory); its lines come back here for
    // the readiness pattern until the step is over.
    let (lines_tx, mut lines) = mpsc::unbounded_channel::<(Stream, String)>();
    let mut pieces = read_output(
        child.stdout.take().expect("piped"),
        child.stderr.take().expect("piped"),
        ctx.scrubber,
    );
    // Said once everything the service printed is in its log (its output closed).
    let (logged, log_done) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut log_failed = false;
        while let Some((which, clean)) = pieces.recv().await {
            // Lines are cut for display only while the step still reads them (until ready);
            // after that the service's output only goes to its log.
            if !lines_tx.is_closed() {
                for line in clean.split_inclusive(|&b| b == b'\n') {
                    let _ = lines_tx.send((which, display_line(line)));
                }
            }
            if !log_failed && output.write_owned(clean).is_err() {
                log_failed = true;
            }
        }
        let _ = output.finish();
        let _ = logged.send(());
    });

    let deadline = Instant::now() + step.ready_timeout;
    let ready_url = match &step.ready {
        Readiness::Url(url) => match url.render(ctx.scope, Quoting::Verbatim) {
            Ok(url) => Some(url.text),
            Err(err) => {
                stop(&mut child).await;
                return Ok(StepOutcome::fail(err.to_string()));
            }
        },
        Readiness::Pattern(_) | Readiness::Started => None,
    };
    let mut poll = tokio::time::interval(Duration::from_millis(200));
    // Once the service closes its output, no line will come: stop asking (a closed channel
    // answers at once, forever).
    let mut lines_open = true;
    let ready = if matches!(step.ready, Readiness::Started) {
        Ok(())
    } else {
        loop {
            tokio::select! {
                line = lines.recv(), if lines_open => {
                    let Some((stream, line)) = line else {
                        lines_open = false;
                        continue;
                    };
                    // Already scrubbed by the reader.
                    let matched = matches!(&step.ready, Readiness::Pattern(p) if p.value.is_match(&line));
                    ctx.emitter.show(Event::Output { step: ctx.id().to_string(), stream, text: (line + "\n").into() });
                    if matched { break Ok(()); }
                }
                _ = poll.tick(), if ready_url.is_some() => {
                    let url = ready_url.as_deref().expect("checked");
                    let Ok(clients) = ctx.http.get() else { continue };
                    if let Ok(response) = clients.not_following.get(url).timeout(Duration::from_secs(2)).send().await
                        && response.status().is_success()
                    {
                        match answered_by(url, group.0) {
                            Ok(()) => break Ok(()),
                            Err(message) => break Err(format!("{message}; its log: {log_path}")),
                        }
                    }
                }
                exited = child.wait() => {
                    let status = exited.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    break Err(exited_message(&status, log_done, output_path.as_path()).await);
                }
                _ = tokio::time::sleep_until(deadline) => {
                    break Err(format!("not ready after {}; its log: {log_path}", format_duration(step.ready_timeout)));
                }
                _ = ctx.interrupt.stop_requested() => {
                    stop(&mut child).await;
                    return Err(StepStop::Abort);
                }
            }
        }
    };
    // No more lines are read: the log task stops cutting them.
    drop(lines);
    // Ready, and still its own: a service that died meanwhile is not ready.
    let ready = match (ready, child.try_wait()) {
        (Ok(()), Ok(Some(status))) => Err(exited_message(
            &status.to_string(),
            tokio::sync::oneshot::channel().1,
            output_path.as_path(),
        )
        .await),
        (ready, _) => ready,
    };
    match ready {
        Ok(()) => {
            ctx.services.add(ctx.id().to_string(), group, child);
            let step_id = ctx.id().to_string();
            ctx.emitter
                .emit(Event::Service {
                    step: step_id,
                    state: ServiceState::Ready,
                })
                .await?;
            Ok(StepOutcome::pass(format!(
                "running in the background (pid {}); its log: {log_path}",
                group.0
            )))
        }
        Err(message) => {
            stop(&mut child).await;
            Ok(StepOutcome::fail(message))
        }
    }
}

/// `Ok` when the URL's answer comes from the service itself: on a loopback port, the process
/// listening there is of the service's group. A URL elsewhere (through a proxy, on another
/// host) cannot be told, and counts.
/// Another process holds the service's port: what it is and which port.
#[derive(Debug, thiserror::Error)]
#[error(
    "{url} is answered by another process (PID {pid}, `{command}`), not by this service: another run may be using port {port}"
)]
struct SomeoneElses {
    url: String,
    pid: i32,
    command: String,
    port: u16,
}

fn answered_by(url: &str, group: i32) -> Result<(), SomeoneElses> {
    use crate::engine::listener_owner::{Listener, listener_of, loopback_port};
    let Some(port) = loopback_port(url) else {
        return Ok(());
    };
    match listener_of(port, group) {
        Listener::Ours | Listener::Unknown => Ok(()),
        Listener::Theirs(pid, command) => Err(SomeoneElses {
            url: url.to_string(),
            pid,
            command: crate::terminal_text::plain(&command).into_owned(),
            port,
        }),
    }
}

/// Why the service is not ready: it exited, and the last lines of its log say why.
async fn exited_message(
    status: &str,
    log_done: tokio::sync::oneshot::Receiver<()>,
    log: &std::path::Path,
) -> String {
    // What it printed last is in the log once its output closed (a moment after its exit).
    let _ = tokio::time::timeout(Duration::from_secs(1), log_done).await;
    let tail = last_lines(log, 5);
    if tail.is_empty() {
        format!(
            "the service exited before it was ready ({status}); its log: {}",
            log.display()
        )
    } else {
        format!(
            "the service exited before it was ready ({status}); it said last: {}; its log: {}",
            tail.join(" | "),
            log.display()
        )
    }
}

/// The last `count` lines of a log, bounded: the last 4 KiB read, never the whole file.
fn last_lines(log: &std::path::Path, count: usize) -> Vec<String> {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(log) else {
        return Vec::new();
    };
    let length = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = length.saturating_sub(4096);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| crate::terminal_text::plain(line).into_owned())
        .collect();
    lines[lines.len().saturating_sub(count)..].to_vec()
}
