//! Process-wide settings made once at start, before any thread: by `main`, and by the engine's
//! benchmark so that it measures the same process.

/// Makes the process ready to run: see each setting.
pub fn prepare_process() {
    ignore_file_size_signal();
    keep_freed_memory();
    // Before any thread: the limit the processes cutover starts get back if the socket raises it.
    crate::open_files::remember_at_start();
    // A process that leaves its step's group is re-parented to cutover, not to init, so that
    // it is found and stopped when the step ends (`engine/reaper.rs`).
    crate::engine::reaper::become_subreaper();
}

/// A write past a file-size limit must fail with EFBIG and be reported (exit 5), not kill the
/// process with SIGXFSZ before it can say what happened.
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to ignore has no memory effects.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Every step allocates and frees a few hundred KB (its output's read buffers and file
/// buffer). By default glibc hands freed memory at the top of the heap back to the kernel
/// past 128 KB and takes it back on the next step: four `brk` calls per step, and page faults
/// to touch that memory again — about 5 % of a short step's time. Keeping up to 16 MB of freed
/// memory, and serving blocks up to 1 MB from the heap rather than `mmap`, makes that churn go
/// away; memory is still bounded by the 64 queued pieces of a flood.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes glibc's allocator thresholds; called before any thread.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 16 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
