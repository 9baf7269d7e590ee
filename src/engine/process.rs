//! Running one child process the way an operator can trust: its own process group, stdin from
//! /dev/null, stdout and stderr streamed as they come, and on timeout or abort the whole group
//! stopped — SIGTERM, a grace period, then SIGKILL — so no grandchild outlives the step.
//!
//! Why tokio::process and not duct (STACK.md): the engine is async, and a child's output,
//! its exit, the timeout and an abort are four things to wait for at once; `select!` over them
//! is simpler than threads around duct's blocking handles. The pitfalls duct taught still
//! apply and are handled here: signal the group, not the child; never read the terminal;
//! never assume output is UTF-8 or has line breaks.

use crate::protocol::limits::MAX_CAPTURED_LINES;
use std::collections::{BTreeSet, VecDeque};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;
use tokio::time::{Instant, sleep_until};

use super::display::{display_line, display_text};
use super::interrupt::{Interrupt, InterruptReceiver};
use super::output_file::OutputFile;
use super::reaper::{StoppedProcess, left_behind, stop_processes};
use super::scrub::Scrubber;
use super::spawn::{DeathSignal, ProcessScope, spawn_in_own_group};
use super::stream_reader::PieceReader;
use super::terminate::{Stoppable, terminate_with_grace};
use crate::protocol::output::Stream;

/// How many display lines a failure shows.
pub(crate) const TAIL_LINES: usize = 20;

#[derive(Clone, Debug)]
pub(crate) enum ProgramLine {
    Shell(String),
    Argv(Vec<String>),
}

#[derive(Clone, Debug)]
pub(crate) struct ProcessRequest {
    pub program: ProgramLine,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    /// Variables of cutover's own environment the process does not inherit: where the run's
    /// secrets came from, for a process that does not name them.
    pub hidden_env: Vec<String>,
    pub timeout: Option<Duration>,
    /// Between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// The program is ssh to this host: its processes carry the host's connection scope, so
    /// that the shared connection it may leave open is not taken for a stray.
    pub remote_host: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    Code(i32),
    Signal(i32),
    TimedOut(Duration),
    Aborted,
    SpawnFailed(SpawnFailure),
}

/// A program that could not be started, and the system's reason.
#[derive(Clone, Debug, thiserror::Error)]
#[error("cannot start `{program}`: {source}")]
pub(crate) struct SpawnFailure {
    pub(crate) program: String,
    #[source]
    pub(crate) source: std::sync::Arc<std::io::Error>,
}

impl PartialEq for SpawnFailure {
    fn eq(&self, other: &Self) -> bool {
        self.program == other.program && self.source.kind() == other.source.kind()
    }
}

impl Eq for SpawnFailure {}

#[derive(Debug)]
pub(crate) struct ProcessResult {
    pub exit: Exit,
    /// The last non-empty stdout line (for `capture`).
    /// The last non-empty lines of stdout (at most [`MAX_CAPTURED_LINES`]), oldest first.
    pub last_stdout_lines: Vec<String>,
    pub tail: Vec<String>,
    /// After the command ended and its group was gone, something outside the group (a
    /// process started with `setsid`) still held its output open; reading stopped.
    pub output_held_open: bool,
    /// The group outlived SIGTERM by the grace period and was killed.
    pub group_killed: bool,
    /// Processes the step left behind (outside its group, or ignoring SIGTERM), stopped.
    pub left_behind: Vec<StoppedProcess>,
}

/// The command for a program line: `/bin/sh -c LINE`, as system(3) runs it (no `sh` planted
/// earlier in PATH runs instead, and no PATH search per step), or the argument vector as is.
pub(crate) fn command_for(program: &ProgramLine) -> Command {
    match program {
        ProgramLine::Shell(line) => {
            let mut command = Command::new("/bin/sh");
            command.arg("-c").arg(line);
            command
        }
        ProgramLine::Argv(argv) => {
            let mut command = Command::new(&argv[0]);
            command.args(&argv[1..]);
            command
        }
    }
}

/// A child's stdin: /dev/null, opened once and duplicated for each child. `Stdio::null()` opens
/// it by path for every child, a path walk on every step of a long runbook.
pub(crate) fn null_stdin() -> Stdio {
    static DEV_NULL: std::sync::OnceLock<Option<std::fs::File>> = std::sync::OnceLock::new();
    DEV_NULL
        .get_or_init(|| std::fs::File::open("/dev/null").ok())
        .as_ref()
        .and_then(|file| file.try_clone().ok())
        .map_or_else(Stdio::null, Stdio::from)
}

/// Who a process belongs to, so that what it leaves behind is found and stopped: its scope,
/// and the run's long-lived children (services, ssh connections), which are not left behind.
/// Asked for when the process has ended: an ssh may have just left a connection open.
pub(crate) struct Owner<'a> {
    pub scope: ProcessScope,
    pub long_lived: &'a dyn Fn() -> BTreeSet<i32>,
    /// Look for what the process left behind when it ends. Off for processes run side by
    /// side (a step on several hosts): each would take the others for strays; their step
    /// sweeps once they have all ended.
    pub sweep: bool,
}

/// Runs the process to its end, writing its output (scrubbed) to `output` and handing each
/// chunk, as text, to `on_output`. Then stops whatever it left behind.
pub(crate) async fn run_process(
    request: &ProcessRequest,
    owner: &Owner<'_>,
    output: &mut OutputFile,
    scrubber: &Scrubber,
    interrupt: &mut InterruptReceiver,
    on_output: &mut dyn FnMut(Stream, std::sync::Arc<str>),
) -> std::io::Result<ProcessResult> {
    let (mut child, group) = match spawn_in_own_group(request, &owner.scope, DeathSignal::None) {
        Ok(spawned) => spawned,
        Err(err) => {
            let what = match &request.program {
                ProgramLine::Shell(_) => "sh".to_string(),
                ProgramLine::Argv(argv) => argv[0].clone(),
            };
            return Ok(ProcessResult {
                exit: Exit::SpawnFailed(SpawnFailure {
                    program: what,
                    source: std::sync::Arc::new(err),
                }),
                last_stdout_lines: Vec::new(),
                tail: Vec::new(),
                output_held_open: false,
                group_killed: false,
                left_behind: Vec::new(),
            });
        }
    };

    // Both streams are read here rather than on tasks of their own: for a step of one short
    // command, handing its output from task to task cost more than the rest of its reading.
    let mut stdout = PieceReader::new(child.stdout.take().expect("piped"), scrubber);
    let mut stderr = PieceReader::new(child.stderr.take().expect("piped"), scrubber);
    let (mut stdout_open, mut stderr_open) = (true, true);

    let far_future = Instant::now() + Duration::from_secs(86_400 * 365);
    let deadline = request.timeout.map(|t| Instant::now() + t);
    // Stopping the group runs beside the reading: its output keeps flowing while it gets its
    // grace period. `stop_kill_at` is when that stop turns to SIGKILL.
    let mut stop: Option<std::pin::Pin<Box<dyn Future<Output = bool>>>> = None;
    let mut stop_kill_at: Option<Instant> = None;
    // Once the command has ended, its output is awaited only so long: a process that left its
    // group (`setsid … &`) and kept the pipe would otherwise hold the step forever.
    let mut release_output_at: Option<Instant> = None;
    let mut output_held_open = false;
    let mut stopped: Option<Exit> = None;
    let mut group_killed = false;
    let mut status = None;
    let mut tail = VecDeque::with_capacity(TAIL_LINES);
    let mut last_stdout_lines: VecDeque<String> = VecDeque::new();

    let kill_watch = interrupt.clone();
    let begin_stop = |stop: &mut Option<std::pin::Pin<Box<dyn Future<Output = bool>>>>,
                      stop_kill_at: &mut Option<Instant>| {
        if stop_kill_at.is_none() {
            let kill_at = Instant::now() + request.grace;
            let mut target = group;
            let mut kill_watch = kill_watch.clone();
            *stop = Some(Box::pin(async move {
                terminate_with_grace(&mut target, kill_at, kill_watch.killed()).await
            }));
            *stop_kill_at = Some(kill_at);
        }
    };
    while status.is_none() || stdout_open || stderr_open {
        let piece = tokio::select! {
            piece = stdout.next_piece(), if stdout_open => match piece {
                Some(clean) => Some((Stream::Stdout, clean)),
                None => {
                    stdout_open = false;
                    None
                }
            },
            piece = stderr.next_piece(), if stderr_open => match piece {
                Some(clean) => Some((Stream::Stderr, clean)),
                None => {
                    stderr_open = false;
                    None
                }
            },
            exited = child.wait(), if status.is_none() => {
                status = Some(exited?);
                // The command is done; anything it left running in its group goes too.
                if group.has_members() {
                    begin_stop(&mut stop, &mut stop_kill_at);
                }
                // The group is gone by the SIGKILL at the latest; its output has one more
                // grace period to arrive.
                let group_gone_by = stop_kill_at.unwrap_or_else(Instant::now);
                release_output_at = Some(group_gone_by.max(Instant::now()) + request.grace);
                None
            },
            _ = sleep_until(release_output_at.unwrap_or(far_future)), if release_output_at.is_some() && (stdout_open || stderr_open) => {
                output_held_open = true;
                stdout_open = false;
                stderr_open = false;
                None
            },
            _ = sleep_until(deadline.unwrap_or(far_future)), if deadline.is_some() && stopped.is_none() => {
                stopped = Some(Exit::TimedOut(request.timeout.unwrap_or_default()));
                begin_stop(&mut stop, &mut stop_kill_at);
                None
            },
            _ = interrupt.stop_requested(), if stopped.is_none() => {
                stopped = Some(Exit::Aborted);
                begin_stop(&mut stop, &mut stop_kill_at);
                None
            },
            killed = async { stop.as_mut().expect("guarded").await }, if stop.is_some() => {
                group_killed = killed;
                stop = None;
                None
            },
        };
        if let Some((stream, clean)) = piece {
            let last_lines = last_lines(&clean, TAIL_LINES);
            if stream == Stream::Stdout {
                // The last non-empty lines of stdout, for `capture` (several names take as
                // many lines).
                for line in last_lines.iter().filter(|l| !l.trim().is_empty()) {
                    if last_stdout_lines.len() == MAX_CAPTURED_LINES {
                        last_stdout_lines.pop_front();
                    }
                    last_stdout_lines.push_back(line.clone());
                }
            }
            for line in last_lines {
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
            on_output(stream, display_text(&clean));
            output.write_owned(clean)?;
            // The TUI shares this thread: give it a turn after every chunk, so a flood of
            // output never delays a key press by more than one chunk's work.
            tokio::task::yield_now().await;
        }
    }
    let status = status.expect("loop ends after the child exits");
    // Whatever is still alive now left the group, ignored SIGTERM, or hides from the group's
    // signal: it carries the step's scope, or was re-parented to cutover.
    let scope = owner.scope.as_str();
    let left = if owner.sweep {
        left_behind(&|s| s == scope, &(owner.long_lived)(), false)
    } else {
        Vec::new()
    };
    let left_behind = if left.is_empty() {
        Vec::new()
    } else if interrupt.current() == Interrupt::KillNow {
        stop_processes(&left, Duration::ZERO).await
    } else {
        stop_processes(&left, request.grace).await
    };
    let exit = stopped.unwrap_or_else(|| match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::Code(-1),
    });
    Ok(ProcessResult {
        exit,
        last_stdout_lines: last_stdout_lines.into(),
        tail: tail.into_iter().collect(),
        output_held_open,
        group_killed,
        left_behind,
    })
}

/// The last `count` lines of a chunk, ready for display (for the failure tail and `capture`).
fn last_lines(chunk: &[u8], count: usize) -> Vec<String> {
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    let mut lines: Vec<String> = body
        .rsplit(|&b| b == b'\n')
        .take(count)
        .map(display_line)
        .collect();
    lines.reverse();
    lines
}

/// The process group of a child started with `process_group(0)`: its pgid is its pid.
#[derive(Clone, Copy)]
pub(crate) struct ProcessGroup(pub i32);

impl ProcessGroup {
    pub(crate) fn signal(self, signal: libc::c_int) {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
        unsafe {
            libc::kill(-self.0, signal);
        }
    }

    pub(crate) fn has_members(self) -> bool {
        // SAFETY: signal 0 only checks that the group exists.
        unsafe { libc::kill(-self.0, 0) == 0 }
    }
}

impl Stoppable for ProcessGroup {
    fn signal(&mut self, signal: libc::c_int) {
        ProcessGroup::signal(*self, signal);
    }

    fn alive(&mut self) -> bool {
        self.has_members()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::interrupt::interrupt_channel;

    /// Runs a shell line with a short grace period; returns its result and how long it took.
    async fn run_line(line: &str) -> (ProcessResult, Duration) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("output")).unwrap();
        let mut output = OutputFile::create(dir.path(), "step.1").unwrap();
        let (_interrupts, mut interrupt) = interrupt_channel();
        let request = ProcessRequest {
            program: ProgramLine::Shell(line.into()),
            cwd: None,
            env: Vec::new(),
            hidden_env: Vec::new(),
            timeout: None,
            grace: Duration::from_millis(300),
            remote_host: None,
        };
        let started = std::time::Instant::now();
        let owner = Owner {
            scope: ProcessScope::step("test-run", "step", 1),
            long_lived: &BTreeSet::new,
            sweep: true,
        };
        let result = run_process(
            &request,
            &owner,
            &mut output,
            &Scrubber::default(),
            &mut interrupt,
            &mut |_, _| {},
        )
        .await
        .unwrap();
        (result, started.elapsed())
    }

    #[tokio::test]
    async fn output_held_open_by_a_process_outside_the_group_ends_the_step_after_the_grace() {
        let pid_file = tempfile::NamedTempFile::new().unwrap();
        let line = format!(
            "setsid sh -c 'echo $$ > {}; exec sleep 30' & sleep 0.3; echo started",
            pid_file.path().display()
        );
        let (result, took) = run_line(&line).await;
        let escaped: i32 = std::fs::read_to_string(pid_file.path())
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // SAFETY: kill(2) on the pid the escaped process wrote; no memory is involved.
        unsafe { libc::kill(escaped, libc::SIGKILL) };
        assert!(took < Duration::from_secs(5), "the step waited {took:?}");
        assert_eq!(result.exit, Exit::Code(0));
        assert!(result.output_held_open);
        assert_eq!(
            result.last_stdout_lines.last().map(String::as_str),
            Some("started")
        );
    }

    #[tokio::test]
    async fn output_of_a_command_that_ends_normally_is_read_to_its_end() {
        let (result, _) =
            run_line("echo one; sleep 0.4; echo two >&2; sleep 0.4; echo three").await;
        assert_eq!(result.exit, Exit::Code(0));
        assert!(!result.output_held_open);
        assert_eq!(result.tail, vec!["one", "two", "three"]);
    }

    #[test]
    fn every_child_reads_an_empty_stdin_from_dev_null() {
        for _ in 0..3 {
            let output = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg("cat; readlink /proc/self/fd/0")
                .stdin(null_stdin())
                .output()
                .unwrap();
            assert!(output.status.success());
            assert_eq!(String::from_utf8_lossy(&output.stdout), "/dev/null\n");
        }
    }

    #[test]
    fn the_tail_of_a_chunk_is_its_last_lines() {
        assert_eq!(last_lines(b"a\nb\nc\n", 2), vec!["b", "c"]);
        assert_eq!(last_lines(b"only", 5), vec!["only"]);
        assert_eq!(last_lines(b"x\n\xff\n", 5), vec!["x", "\u{fffd}"]);
    }
}
