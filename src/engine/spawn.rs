//! The one way the engine starts a process, for `command` steps, progressive stages and
//! services alike: its own process group, stdin from /dev/null, stdout and stderr piped, the
//! death signal set, and the owner's mark in its environment.
//!
//! Why a mark in the environment as well as the process group: a group is left with one
//! `setsid` or `setpgid(0, 0)`, and a process re-parented to init no longer says whose it was.
//! Every descendant inherits the environment, whatever group or session it moves to, so
//! `CUTOVER__SCOPE=<run id>/step/<id>/<attempt>` (or `/service/<id>`) names the step or service
//! that started it, even after cutover itself was killed: `resume` finds the survivors of a run
//! by it (`engine/reaper.rs`). The double underscore keeps it apart from the variables' exports
//! (`CUTOVER_<NAME>`, and a variable's name starts with a letter). A process that clears its
//! own environment escapes the mark; while cutover lives it is still caught, as a child
//! re-parented to cutover (a subreaper) when its parent dies.
//!
//! The death signal (`PR_SET_PDEATHSIG`) is given to services, not to steps. It can only be set
//! by the child itself between fork and exec, and that code makes the standard library fork
//! instead of `posix_spawn`: after a fork, every page cutover writes takes a copy-on-write
//! fault. Measured on the 200-step benchmark (bench/engine.sh's runbook, the whole journaled
//! run, paired medians of 21): 214.6 ms with the death signal on every step, 178.7 ms without,
//! 135.8 ms for the plain spawn loop (1.58x against 1.32x; BENCHMARKS.md). A service is started once per run, so it pays nothing that shows. A
//! step needs it less: when cutover is killed, the death signal would reach only the step's
//! direct child, never the rest of its group, so the survivors of a step are stopped by
//! `resume` through their scope mark in any case, before it decides anything.

use std::process::Stdio;

use tokio::process::{Child, Command};

use super::process::{ProcessGroup, ProcessRequest, command_for, null_stdin};

/// The environment variable that carries a process's owner.
pub(crate) const SCOPE_VAR: &str = "CUTOVER__SCOPE";

/// Who started a process: a step attempt or a service of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProcessScope(String);

impl ProcessScope {
    pub(crate) fn step(run_id: &str, step: &str, attempt: u32) -> Self {
        Self(format!("{run_id}/step/{step}/{attempt}"))
    }

    pub(crate) fn service(run_id: &str, step: &str) -> Self {
        Self(format!("{run_id}/service/{step}"))
    }

    /// The ssh connection a run keeps to one host, reused by its steps.
    pub(crate) fn connection(run_id: &str, host: &str) -> Self {
        Self(format!("{run_id}/connection/{host}"))
    }

    /// A scope whose processes live across steps (a service, an ssh connection): never what a
    /// step left behind.
    pub(crate) fn outlives_steps(scope: &str) -> bool {
        scope.contains("/service/") || scope.contains("/connection/")
    }

    /// Every process of a run carries a scope under this prefix.
    pub(crate) fn run_prefix(run_id: &str) -> String {
        format!("{run_id}/")
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether the child is told when cutover dies (see the module's opening comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeathSignal {
    /// SIGTERM when cutover dies, even by SIGKILL: for services.
    Term,
    /// None: for steps, started on the fast path.
    None,
}

/// Starts `request`'s program in a new process group of its own; its pgid is its pid.
pub(crate) fn spawn_in_own_group(
    request: &ProcessRequest,
    scope: &ProcessScope,
    death: DeathSignal,
) -> std::io::Result<(Child, ProcessGroup)> {
    let mut command: Command = command_for(&request.program);
    for hidden in &request.hidden_env {
        command.env_remove(hidden);
    }
    command
        .envs(request.env.iter().map(|(k, v)| (k, v)))
        .env(SCOPE_VAR, scope.as_str())
        .stdin(null_stdin())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(cwd) = &request.cwd {
        command.current_dir(cwd);
    }
    if death == DeathSignal::Term {
        set_death_signal(&mut command);
    }
    crate::open_files::give_back_to(command.as_std_mut());
    let child = command.spawn()?;
    let group = ProcessGroup(child.id().expect("a just-spawned child has an id") as i32);
    Ok((child, group))
}

fn set_death_signal(command: &mut Command) {
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the child between fork and exec and calls only
    // async-signal-safe functions (prctl, getppid).
    unsafe {
        command.pre_exec(move || {
            // If cutover dies (even by SIGKILL), its direct children are told at once.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // cutover died between fork and prctl: the signal will never come.
            if libc::getppid() != parent {
                return Err(std::io::Error::other(
                    "cutover exited while starting the process",
                ));
            }
            Ok(())
        });
    }
}
