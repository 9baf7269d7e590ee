//! The process's limit on open files: raised to the hard limit when the run's socket needs
//! it, and given back to the processes cutover starts.
//!
//! Why not raised at start: the processes a run starts must get the limit cutover was given
//! (some programs still break past 1024 descriptors, others close every descriptor up to the
//! limit when they start), and giving it back means a `pre_exec` hook, which turns the
//! standard library's `posix_spawn` into `fork` + `exec`: measured at +0.26 ms a step (+32 %
//! on 200 `echo` steps). The socket's caps on connections (`live/doorway.rs`) keep it far below
//! the usual limit of 1024; the limit is raised only if connections still come near it (a
//! quarter of it held at once) or accepting one fails for want of descriptors.

use std::os::unix::process::CommandExt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The soft limit cutover was started with.
static INHERITED: OnceLock<libc::rlim_t> = OnceLock::new();
/// Whether the soft limit was raised past the inherited one.
static RAISED: AtomicBool = AtomicBool::new(false);

/// Remembers the limit cutover was given: called once at start, before any thread.
pub(crate) fn remember_at_start() {
    if let Some(limit) = current() {
        let _ = INHERITED.set(limit.rlim_cur);
    }
}

/// The soft limit cutover was started with, if it could be read.
pub(crate) fn inherited() -> Option<libc::rlim_t> {
    INHERITED.get().copied()
}

/// Raises the soft limit to the hard one; the raised limit, or `None` when it was already
/// there (or cannot be raised). Processes started from then on get the inherited one back.
pub(crate) fn raise_to_hard() -> Option<libc::rlim_t> {
    let limit = current()?;
    if limit.rlim_cur >= limit.rlim_max {
        return None;
    }
    // Set before the raise: a process started meanwhile gets the limit given back either way.
    RAISED.store(true, Ordering::SeqCst);
    let raised = libc::rlimit {
        rlim_cur: limit.rlim_max,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit reads the struct given.
    (unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0).then_some(raised.rlim_cur)
}

/// The process `command` starts gets the limit cutover was given, if cutover raised its own.
/// Until then nothing is added, and the command is still started by `posix_spawn`.
pub(crate) fn give_back_to(command: &mut std::process::Command) {
    if !RAISED.load(Ordering::SeqCst) {
        return;
    }
    let Some(&soft) = INHERITED.get() else {
        return;
    };
    // SAFETY: the closure runs in the child between fork and exec and calls only
    // async-signal-safe functions (getrlimit, setrlimit).
    unsafe {
        command.pre_exec(move || {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur != soft {
                limit.rlim_cur = soft.min(limit.rlim_max);
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            }
            Ok(())
        });
    }
}

fn current() -> Option<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes to the struct given.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0).then_some(limit)
}
